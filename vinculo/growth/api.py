"""Product lines, holdings, concessions and value items over the API (v1).

Every one belongs to an account; reads are narrowed by ``vinculo.access.rules.scoped`` and
writes go through ``growth.services``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from vinculo.access import rules
from vinculo.apikit import (
    Id,
    IdempotencyKey,
    PageParams,
    created,
    cursor_page,
    idempotent,
    ordering_enum,
    orders,
    page_of,
    patch_route,
    record_for,
    subject_page,
    tagged,
)
from vinculo.growth import services
from vinculo.growth.models import Concession, Holding, ProductLine, ValueItem
from vinculo.growth.schemas import (
    ConcessionIn,
    ConcessionOut,
    ConcessionPatch,
    HoldingIn,
    HoldingOut,
    HoldingPatch,
    ProductLineOut,
    ValueItemIn,
    ValueItemOut,
    ValueItemPatch,
)
from vinculo.users.api import (
    account_ref,
    api_user,
    get_or_invalid,
    person_ref,
    require_writer,
)
from vinculo.vocab import ConcessionKind, ValueKind

router = Router(tags=["growth"])


def _rows(model: type[Model]) -> QuerySet[Any]:
    rows = model._default_manager.select_related("account")
    if any(f.name == "person" for f in model._meta.get_fields()):
        rows = rows.select_related("person")
    return rows


def _one(request: HttpRequest, model: type[Model], pk: int, *, change: bool = False) -> Any:
    return record_for(request, _rows(model), pk, change=change)


# -- product lines ---------------------------------------------------------------------------

LINE_ORDERS = orders("name", "id")
LineOrdering = ordering_enum("ProductLineOrdering", LINE_ORDERS)


class LineFilters(Schema):
    ordering: LineOrdering = LineOrdering("name")  # type: ignore[valid-type]


@router.get("/product-lines", response=page_of(ProductLineOut))
def product_line_list(
    request: HttpRequest, filters: Query[LineFilters], page: Query[PageParams]
) -> dict[str, Any]:
    api_user(request)
    return cursor_page(
        ProductLine.objects.all(),
        order=LINE_ORDERS[filters.ordering.value],  # type: ignore[attr-defined]
        name="product-lines",
        cursor=page.cursor,
        limit=page.limit,
    )


# -- holdings --------------------------------------------------------------------------------

HOLDING_ORDERS = orders("year", "id")
HoldingOrdering = ordering_enum("HoldingOrdering", HOLDING_ORDERS)


class HoldingFilters(Schema):
    account_id: Id | None = None
    product_line_id: Id | None = None
    year: int | None = Field(None, ge=1900, le=2200)
    ordering: HoldingOrdering = HoldingOrdering("-year")  # type: ignore[valid-type]


@router.get("/holdings", response=page_of(HoldingOut))
def holding_list(
    request: HttpRequest, filters: Query[HoldingFilters], page: Query[PageParams]
) -> dict[str, Any]:
    rows = rules.scoped(api_user(request), Holding.objects.all())
    if filters.product_line_id is not None:
        rows = rows.filter(product_line_id=filters.product_line_id)
    if filters.year is not None:
        rows = rows.filter(year=filters.year)
    return subject_page(rows, filters, page, HOLDING_ORDERS, "holdings")


@router.get("/holdings/{holding_id}", response=HoldingOut)
def holding_detail(request: HttpRequest, holding_id: Id, response: HttpResponse) -> Holding:
    return tagged(response, _one(request, Holding, holding_id))


@router.post("/holdings", response={201: HoldingOut})
@decorate_view(idempotent)
def holding_add(
    request: HttpRequest,
    payload: HoldingIn,
    response: HttpResponse,
    idempotency_key: str | None = IdempotencyKey,
) -> Status[Holding]:
    """Set an account's revenue from a product line in a year (setting it again replaces it)."""
    user = require_writer(request)
    account = account_ref(user, payload.account_id, "account_id")
    line = get_or_invalid(ProductLine, payload.product_line_id, "product_line_id")
    assert account is not None and line is not None
    holding = services.holding_set(
        account=account, product_line=line, year=payload.year, revenue=payload.revenue, actor=user
    )
    holding.refresh_from_db()
    return created(request, response, holding)


# -- concessions -----------------------------------------------------------------------------

CONCESSION_ORDERS = orders("granted_on", "id")
ConcessionOrdering = ordering_enum("ConcessionOrdering", CONCESSION_ORDERS)


class ConcessionFilters(Schema):
    account_id: Id | None = None
    person_id: Id | None = None
    kind: ConcessionKind | None = None
    ordering: ConcessionOrdering = ConcessionOrdering("-granted_on")  # type: ignore[valid-type]


@router.get("/concessions", response=page_of(ConcessionOut))
def concession_list(
    request: HttpRequest, filters: Query[ConcessionFilters], page: Query[PageParams]
) -> dict[str, Any]:
    rows = rules.scoped(api_user(request), Concession.objects.all())
    if filters.kind is not None:
        rows = rows.filter(kind=filters.kind)
    return subject_page(rows, filters, page, CONCESSION_ORDERS, "concessions")


@router.get("/concessions/{concession_id}", response=ConcessionOut)
def concession_detail(
    request: HttpRequest, concession_id: Id, response: HttpResponse
) -> Concession:
    return tagged(response, _one(request, Concession, concession_id))


@router.post("/concessions", response={201: ConcessionOut})
@decorate_view(idempotent)
def concession_add(
    request: HttpRequest,
    payload: ConcessionIn,
    response: HttpResponse,
    idempotency_key: str | None = IdempotencyKey,
) -> Status[Concession]:
    user = require_writer(request)
    account = account_ref(user, payload.account_id, "account_id")
    assert account is not None
    concession = services.concession_record(
        account=account,
        person=person_ref(user, payload.person_id, "person_id"),
        granted_on=payload.granted_on or timezone.localdate(),
        kind=payload.kind,
        size_pct=payload.size_pct,
        amount=payload.amount,
        policy=payload.policy,
        reason=payload.reason,
        approved_by=payload.approved_by,
        actor=user,
    )
    return created(request, response, concession)


# -- value items -----------------------------------------------------------------------------

VALUE_ORDERS = orders("date", "id")
ValueOrdering = ordering_enum("ValueItemOrdering", VALUE_ORDERS)


class ValueFilters(Schema):
    account_id: Id | None = None
    person_id: Id | None = None
    kind: ValueKind | None = None
    communicated: bool | None = None
    ordering: ValueOrdering = ValueOrdering("-date")  # type: ignore[valid-type]


@router.get("/value-items", response=page_of(ValueItemOut))
def value_item_list(
    request: HttpRequest, filters: Query[ValueFilters], page: Query[PageParams]
) -> dict[str, Any]:
    rows = rules.scoped(api_user(request), ValueItem.objects.all())
    if filters.kind is not None:
        rows = rows.filter(kind=filters.kind)
    if filters.communicated is not None:
        rows = rows.filter(communicated_on__isnull=not filters.communicated)
    return subject_page(rows, filters, page, VALUE_ORDERS, "value-items")


@router.get("/value-items/{value_item_id}", response=ValueItemOut)
def value_item_detail(request: HttpRequest, value_item_id: Id, response: HttpResponse) -> ValueItem:
    return tagged(response, _one(request, ValueItem, value_item_id))


@router.post("/value-items", response={201: ValueItemOut})
@decorate_view(idempotent)
def value_item_add(
    request: HttpRequest,
    payload: ValueItemIn,
    response: HttpResponse,
    idempotency_key: str | None = IdempotencyKey,
) -> Status[ValueItem]:
    user = require_writer(request)
    account = account_ref(user, payload.account_id, "account_id")
    assert account is not None
    item = services.value_item_record(
        account=account,
        person=person_ref(user, payload.person_id, "person_id"),
        date=payload.date or timezone.localdate(),
        kind=payload.kind,
        amount=payload.amount,
        evidence=payload.evidence,
        communicated_on=payload.communicated_on,
        actor=user,
    )
    return created(request, response, item)


# (Each through its service: never a write past the services' rules.)

patch_route(
    router,
    "/holdings/{holding_id}",
    service=services.holding_update,
    rows=lambda: _rows(Holding),
    payload=HoldingPatch,
    out=HoldingOut,
    module=__name__,
)
patch_route(
    router,
    "/concessions/{concession_id}",
    service=services.concession_update,
    rows=lambda: _rows(Concession),
    payload=ConcessionPatch,
    out=ConcessionOut,
    module=__name__,
)
patch_route(
    router,
    "/value-items/{value_item_id}",
    service=services.value_item_update,
    rows=lambda: _rows(ValueItem),
    payload=ValueItemPatch,
    out=ValueItemOut,
    module=__name__,
)
