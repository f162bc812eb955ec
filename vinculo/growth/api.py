"""Product lines, holdings, concessions and value items over the API (v1).

Every one belongs to an account; reads are narrowed by ``vinculo.access.rules.scoped`` and
writes go through ``growth.services``.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from vinculo.access import rules
from vinculo.apikit import (
    Id,
    Order,
    PageParams,
    cursor_page,
    idempotent,
    if_match_version,
    orders,
    page_of,
    with_etag,
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
from vinculo.people.api import IdempotencyKey, IfMatch
from vinculo.users.api import (
    account_ref,
    api_user,
    get_or_invalid,
    person_ref,
    require_change,
    require_writer,
)
from vinculo.vocab import ConcessionKind, ValueKind

router = Router(tags=["growth"])


def _ordering(name: str, found: dict[str, Order]) -> type[Enum]:
    return Enum(name, {k: k for k in found}, type=str)  # type: ignore[return-value]


def _page(
    rows: QuerySet[Any], filters: Any, page: PageParams, found: dict[str, Order], name: str
) -> dict[str, Any]:
    if filters.account_id is not None:
        rows = rows.filter(account_id=filters.account_id)
    if getattr(filters, "person_id", None) is not None:
        rows = rows.filter(person_id=filters.person_id)
    return cursor_page(
        rows, order=found[filters.ordering.value], name=name, cursor=page.cursor, limit=page.limit
    )


def _one(request: HttpRequest, model: type[Model], pk: int, *, change: bool = False) -> Any:
    user = require_writer(request) if change else api_user(request)
    rows = model._default_manager.select_related("account")
    if any(f.name == "person" for f in model._meta.get_fields()):
        rows = rows.select_related("person")
    row = get_object_or_404(rules.scoped(user, rows), pk=pk)
    if change:
        require_change(user, row)
    return row


def _created(request: HttpRequest, response: HttpResponse, row: Any) -> Status[Any]:
    with_etag(response, row)
    response["Location"] = f"{request.path.rstrip('/')}/{row.pk}"
    return Status(201, row)


def _patch(
    request: HttpRequest,
    response: HttpResponse,
    model: type[Model],
    pk: int,
    payload: Schema,
    if_match: str | None,
    entity: str,
) -> Any:
    """``<entity>_update(*, <entity>, actor, version, **changes)`` of the services."""
    row = _one(request, model, pk, change=True)
    getattr(services, f"{entity}_update")(
        **{entity: row},
        actor=request.auth,  # type: ignore[attr-defined]
        version=if_match_version(if_match),
        **payload.dict(exclude_unset=True),
    )
    row = _one(request, model, pk)
    with_etag(response, row)
    return row


# -- product lines ---------------------------------------------------------------------------

LINE_ORDERS = orders("name", "id")
LineOrdering = _ordering("ProductLineOrdering", LINE_ORDERS)


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
HoldingOrdering = _ordering("HoldingOrdering", HOLDING_ORDERS)


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
    return _page(rows, filters, page, HOLDING_ORDERS, "holdings")


@router.get("/holdings/{holding_id}", response=HoldingOut)
def holding_detail(request: HttpRequest, holding_id: Id, response: HttpResponse) -> Holding:
    row = _one(request, Holding, holding_id)
    with_etag(response, row)
    return row


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
    return _created(request, response, holding)


# -- concessions -----------------------------------------------------------------------------

CONCESSION_ORDERS = orders("granted_on", "id")
ConcessionOrdering = _ordering("ConcessionOrdering", CONCESSION_ORDERS)


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
    return _page(rows, filters, page, CONCESSION_ORDERS, "concessions")


@router.get("/concessions/{concession_id}", response=ConcessionOut)
def concession_detail(
    request: HttpRequest, concession_id: Id, response: HttpResponse
) -> Concession:
    row = _one(request, Concession, concession_id)
    with_etag(response, row)
    return row


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
    return _created(request, response, concession)


# -- value items -----------------------------------------------------------------------------

VALUE_ORDERS = orders("date", "id")
ValueOrdering = _ordering("ValueItemOrdering", VALUE_ORDERS)


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
    return _page(rows, filters, page, VALUE_ORDERS, "value-items")


@router.get("/value-items/{value_item_id}", response=ValueItemOut)
def value_item_detail(request: HttpRequest, value_item_id: Id, response: HttpResponse) -> ValueItem:
    row = _one(request, ValueItem, value_item_id)
    with_etag(response, row)
    return row


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
    return _created(request, response, item)


# (A PATCH is offered once its service exists: never a write past the services' rules.)

if hasattr(services, "holding_update"):

    @router.patch("/holdings/{holding_id}", response=HoldingOut)
    def holding_change(
        request: HttpRequest,
        holding_id: Id,
        payload: HoldingPatch,
        response: HttpResponse,
        if_match: str | None = IfMatch,
    ) -> Holding:
        return _patch(request, response, Holding, holding_id, payload, if_match, "holding")


if hasattr(services, "concession_update"):

    @router.patch("/concessions/{concession_id}", response=ConcessionOut)
    def concession_change(
        request: HttpRequest,
        concession_id: Id,
        payload: ConcessionPatch,
        response: HttpResponse,
        if_match: str | None = IfMatch,
    ) -> Concession:
        return _patch(request, response, Concession, concession_id, payload, if_match, "concession")


if hasattr(services, "value_item_update"):

    @router.patch("/value-items/{value_item_id}", response=ValueItemOut)
    def value_item_change(
        request: HttpRequest,
        value_item_id: Id,
        payload: ValueItemPatch,
        response: HttpResponse,
        if_match: str | None = IfMatch,
    ) -> ValueItem:
        return _patch(request, response, ValueItem, value_item_id, payload, if_match, "value_item")
