"""Promises, complaints, concerns and initiatives over the API (v1).

Reads are narrowed by ``vinculo.access.rules.scoped``; writes go through
``commitments.services`` and need the right to change the person and account concerned.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.decorators import decorate_view

from vinculo.access import rules
from vinculo.apikit import (
    Id,
    IdempotencyKey,
    PageParams,
    created,
    idempotent,
    ordering_enum,
    orders,
    page_of,
    patch_route,
    record_for,
    subject_page,
    tagged,
)
from vinculo.commitments import services
from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative
from vinculo.commitments.schemas import (
    CommitmentCloseIn,
    CommitmentIn,
    CommitmentOut,
    CommitmentPatch,
    ComplaintIn,
    ComplaintOut,
    ComplaintPatch,
    ComplaintResolveIn,
    ConcernIn,
    ConcernOut,
    ConcernPatch,
    ConcernResolveIn,
    InitiativeDecideIn,
    InitiativeIn,
    InitiativeOut,
    InitiativePatch,
)
from vinculo.interactions.models import Interaction
from vinculo.people.models import Colleague
from vinculo.users.api import (
    account_ref,
    api_user,
    get_or_invalid,
    person_ref,
    require_writer,
)
from vinculo.vocab import CommitmentStatus, Outcome, Severity

router = Router(tags=["commitments"])


def _rows(model: type[Model]) -> QuerySet[Any]:
    return model._default_manager.select_related("person", "account")


def _one(request: HttpRequest, model: type[Model], pk: int, *, change: bool = False) -> Any:
    return record_for(request, _rows(model), pk, change=change)


def _subject(user: Any, payload: Any) -> dict[str, Any]:
    return {
        "person": person_ref(user, payload.person_id, "person_id"),
        "account": account_ref(user, payload.account_id, "account_id"),
    }


# -- commitments -----------------------------------------------------------------------------

COMMITMENT_ORDERS = orders("made_on", "id")
CommitmentOrdering = ordering_enum("CommitmentOrdering", COMMITMENT_ORDERS)


class CommitmentFilters(Schema):
    person_id: Id | None = None
    account_id: Id | None = None
    status: CommitmentStatus | None = None
    ordering: CommitmentOrdering = CommitmentOrdering("-made_on")  # type: ignore[valid-type]


@router.get("/commitments", response=page_of(CommitmentOut))
def commitment_list(
    request: HttpRequest, filters: Query[CommitmentFilters], page: Query[PageParams]
) -> dict[str, Any]:
    rows = rules.scoped(api_user(request), Commitment.objects.all())
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    return subject_page(rows, filters, page, COMMITMENT_ORDERS, "commitments")


@router.get("/commitments/{commitment_id}", response=CommitmentOut)
def commitment_detail(
    request: HttpRequest, commitment_id: Id, response: HttpResponse
) -> Commitment:
    return tagged(response, _one(request, Commitment, commitment_id))


@router.post("/commitments", response={201: CommitmentOut})
@decorate_view(idempotent)
def commitment_add(
    request: HttpRequest,
    payload: CommitmentIn,
    response: HttpResponse,
    idempotency_key: str | None = IdempotencyKey,
) -> Status[Commitment]:
    user = require_writer(request)
    commitment = services.commitment_record(
        text=payload.text,
        made_on=payload.made_on or timezone.localdate(),
        due=payload.due,
        colleague=get_or_invalid(Colleague, payload.colleague_id, "colleague_id"),
        interaction=get_or_invalid(
            rules.scoped(user, Interaction.objects.all()), payload.interaction_id, "interaction_id"
        ),
        actor=user,
        **_subject(user, payload),
    )
    return created(request, response, commitment)


@router.post("/commitments/{commitment_id}/close", response=CommitmentOut)
def commitment_end(
    request: HttpRequest, commitment_id: Id, payload: CommitmentCloseIn, response: HttpResponse
) -> Commitment:
    commitment = _one(request, Commitment, commitment_id, change=True)
    # The service locks the row: two closings at once cannot both see it open.
    row = services.commitment_close(
        commitment=commitment,
        status=payload.status,
        closed_on=payload.closed_on or timezone.localdate(),
        new_due=payload.new_due,
        actor=request.auth,  # type: ignore[attr-defined]
    )
    return tagged(response, row)


# -- complaints ------------------------------------------------------------------------------

COMPLAINT_ORDERS = orders("opened", "id")
ComplaintOrdering = ordering_enum("ComplaintOrdering", COMPLAINT_ORDERS)


class ComplaintFilters(Schema):
    person_id: Id | None = None
    account_id: Id | None = None
    severity: Severity | None = None
    open: bool | None = None
    ordering: ComplaintOrdering = ComplaintOrdering("-opened")  # type: ignore[valid-type]


@router.get("/complaints", response=page_of(ComplaintOut))
def complaint_list(
    request: HttpRequest, filters: Query[ComplaintFilters], page: Query[PageParams]
) -> dict[str, Any]:
    rows = rules.scoped(api_user(request), Complaint.objects.all())
    if filters.severity is not None:
        rows = rows.filter(severity=filters.severity)
    if filters.open is not None:
        rows = rows.filter(resolved__isnull=filters.open)
    return subject_page(rows, filters, page, COMPLAINT_ORDERS, "complaints")


@router.get("/complaints/{complaint_id}", response=ComplaintOut)
def complaint_detail(request: HttpRequest, complaint_id: Id, response: HttpResponse) -> Complaint:
    return tagged(response, _one(request, Complaint, complaint_id))


@router.post("/complaints", response={201: ComplaintOut})
@decorate_view(idempotent)
def complaint_add(
    request: HttpRequest,
    payload: ComplaintIn,
    response: HttpResponse,
    idempotency_key: str | None = IdempotencyKey,
) -> Status[Complaint]:
    user = require_writer(request)
    complaint = services.complaint_open(
        opened=payload.opened or timezone.localdate(),
        severity=payload.severity,
        category=payload.category,
        summary=payload.summary,
        actor=user,
        **_subject(user, payload),
    )
    return created(request, response, complaint)


@router.post("/complaints/{complaint_id}/resolve", response=ComplaintOut)
def complaint_close(
    request: HttpRequest, complaint_id: Id, payload: ComplaintResolveIn, response: HttpResponse
) -> Complaint:
    complaint = _one(request, Complaint, complaint_id, change=True)
    row = services.complaint_resolve(
        complaint=complaint,
        resolved=payload.resolved or timezone.localdate(),
        resolution=payload.resolution,
        satisfaction_after=payload.satisfaction_after,
        actor=request.auth,  # type: ignore[attr-defined]
    )
    return tagged(response, row)


# -- concerns --------------------------------------------------------------------------------

CONCERN_ORDERS = orders("opened", "id")
ConcernOrdering = ordering_enum("ConcernOrdering", CONCERN_ORDERS)


class ConcernFilters(Schema):
    person_id: Id | None = None
    account_id: Id | None = None
    open: bool | None = None
    ordering: ConcernOrdering = ConcernOrdering("-opened")  # type: ignore[valid-type]


@router.get("/concerns", response=page_of(ConcernOut))
def concern_list(
    request: HttpRequest, filters: Query[ConcernFilters], page: Query[PageParams]
) -> dict[str, Any]:
    rows = rules.scoped(api_user(request), Concern.objects.all())
    if filters.open is not None:
        rows = rows.filter(resolved__isnull=filters.open)
    return subject_page(rows, filters, page, CONCERN_ORDERS, "concerns")


@router.get("/concerns/{concern_id}", response=ConcernOut)
def concern_detail(request: HttpRequest, concern_id: Id, response: HttpResponse) -> Concern:
    return tagged(response, _one(request, Concern, concern_id))


@router.post("/concerns", response={201: ConcernOut})
@decorate_view(idempotent)
def concern_add(
    request: HttpRequest,
    payload: ConcernIn,
    response: HttpResponse,
    idempotency_key: str | None = IdempotencyKey,
) -> Status[Concern]:
    user = require_writer(request)
    concern = services.concern_open(
        topic=payload.topic,
        opened=payload.opened or timezone.localdate(),
        actor=user,
        **_subject(user, payload),
    )
    return created(request, response, concern)


@router.post("/concerns/{concern_id}/resolve", response=ConcernOut)
def concern_close(
    request: HttpRequest, concern_id: Id, payload: ConcernResolveIn, response: HttpResponse
) -> Concern:
    concern = _one(request, Concern, concern_id, change=True)
    row = services.concern_resolve(
        concern=concern,
        resolved=payload.resolved or timezone.localdate(),
        actor=request.auth,  # type: ignore[attr-defined]
    )
    return tagged(response, row)


# -- initiatives -----------------------------------------------------------------------------

INITIATIVE_ORDERS = orders("proposed_on", "id")
InitiativeOrdering = ordering_enum("InitiativeOrdering", INITIATIVE_ORDERS)


class InitiativeFilters(Schema):
    person_id: Id | None = None
    account_id: Id | None = None
    outcome: Outcome | None = None
    ordering: InitiativeOrdering = InitiativeOrdering("-proposed_on")  # type: ignore[valid-type]


@router.get("/initiatives", response=page_of(InitiativeOut))
def initiative_list(
    request: HttpRequest, filters: Query[InitiativeFilters], page: Query[PageParams]
) -> dict[str, Any]:
    rows = rules.scoped(api_user(request), Initiative.objects.all())
    if filters.outcome is not None:
        rows = rows.filter(outcome=filters.outcome)
    return subject_page(rows, filters, page, INITIATIVE_ORDERS, "initiatives")


@router.get("/initiatives/{initiative_id}", response=InitiativeOut)
def initiative_detail(
    request: HttpRequest, initiative_id: Id, response: HttpResponse
) -> Initiative:
    return tagged(response, _one(request, Initiative, initiative_id))


@router.post("/initiatives", response={201: InitiativeOut})
@decorate_view(idempotent)
def initiative_add(
    request: HttpRequest,
    payload: InitiativeIn,
    response: HttpResponse,
    idempotency_key: str | None = IdempotencyKey,
) -> Status[Initiative]:
    user = require_writer(request)
    initiative = services.initiative_record(
        text=payload.text,
        proposed_on=payload.proposed_on or timezone.localdate(),
        outcome=payload.outcome,
        value=payload.value,
        actor=user,
        **_subject(user, payload),
    )
    return created(request, response, initiative)


@router.post("/initiatives/{initiative_id}/decide", response=InitiativeOut)
def initiative_answer(
    request: HttpRequest, initiative_id: Id, payload: InitiativeDecideIn, response: HttpResponse
) -> Initiative:
    initiative = _one(request, Initiative, initiative_id, change=True)
    row = services.initiative_decide(
        initiative=initiative,
        outcome=payload.outcome,
        value=payload.value,
        actor=request.auth,  # type: ignore[attr-defined]
    )
    return tagged(response, row)


# -- PATCH, through the <entity>_update services -------------------------------------------
# (Each through its service: never a write past the services' rules.)

patch_route(
    router,
    "/commitments/{commitment_id}",
    service=services.commitment_update,
    rows=lambda: _rows(Commitment),
    payload=CommitmentPatch,
    out=CommitmentOut,
    module=__name__,
)
patch_route(
    router,
    "/complaints/{complaint_id}",
    service=services.complaint_update,
    rows=lambda: _rows(Complaint),
    payload=ComplaintPatch,
    out=ComplaintOut,
    module=__name__,
)
patch_route(
    router,
    "/concerns/{concern_id}",
    service=services.concern_update,
    rows=lambda: _rows(Concern),
    payload=ConcernPatch,
    out=ConcernOut,
    module=__name__,
)
patch_route(
    router,
    "/initiatives/{initiative_id}",
    service=services.initiative_update,
    rows=lambda: _rows(Initiative),
    payload=InitiativePatch,
    out=InitiativeOut,
    module=__name__,
)
