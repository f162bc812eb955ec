"""The promise ledger over the API."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Status

from vinculo.commitments.models import Commitment
from vinculo.commitments.schemas import CommitmentCloseIn, CommitmentIn, CommitmentOut
from vinculo.commitments.services import commitment_close, commitment_record
from vinculo.interactions.models import Interaction
from vinculo.people.models import Account, Colleague, Person
from vinculo.users.api import get_or_invalid, require_writer

router = Router(tags=["commitments"])


@router.post("", response={201: CommitmentOut})
def commitment_add(request: HttpRequest, payload: CommitmentIn) -> Status[Commitment]:
    user = require_writer(request)
    commitment = commitment_record(
        text=payload.text,
        made_on=payload.made_on or timezone.localdate(),
        due=payload.due,
        person=get_or_invalid(Person, payload.person_id, "person_id"),
        account=get_or_invalid(Account, payload.account_id, "account_id"),
        colleague=get_or_invalid(Colleague, payload.colleague_id, "colleague_id"),
        interaction=get_or_invalid(Interaction, payload.interaction_id, "interaction_id"),
        actor=user,
    )
    return Status(201, commitment)


@router.post("/{commitment_id}/close", response=CommitmentOut)
def commitment_end(
    request: HttpRequest, commitment_id: int, payload: CommitmentCloseIn
) -> Commitment:
    user = require_writer(request)
    commitment = get_object_or_404(
        Commitment.objects.select_related("person", "account"), pk=commitment_id
    )
    # The service locks the row: two closings at once cannot both see it open.
    return commitment_close(
        commitment=commitment,
        status=payload.status,
        closed_on=payload.closed_on or timezone.localdate(),
        new_due=payload.new_due,
        actor=user,
    )
