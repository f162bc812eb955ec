"""Writes for promises, complaints, concerns and initiatives."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative
from vinculo.health.services import health_refresh_after_commit
from vinculo.interactions.models import Interaction
from vinculo.people.models import Account, Colleague, Person
from vinculo.people.rules import account_on
from vinculo.timeline.models import EventKind
from vinculo.timeline.services import event_record
from vinculo.users.models import User
from vinculo.vocab import CommitmentStatus, Outcome, Severity


def _refresh_health(row: Commitment | Complaint) -> None:
    """Promises and complaints move health: update the person and account after commit."""
    health_refresh_after_commit(
        person_ids=[row.person_id] if row.person_id else [],
        account_ids=[row.account_id] if row.account_id else [],
    )


def _require_subject(person: Person | None, account: Account | None) -> None:
    if person is None and account is None:
        raise ValidationError(_("Say to whom: a person, an account or both."))


# The models' foreign keys are built by a helper that the django-stubs plugin cannot type.
def _subject(row: Commitment | Complaint) -> tuple[Person | None, Account | None]:
    return cast(Person | None, row.person), cast(Account | None, row.account)


_CLOSED = frozenset({CommitmentStatus.KEPT, CommitmentStatus.KEPT_LATE, CommitmentStatus.BROKEN})


@transaction.atomic
def commitment_record(
    *,
    text: str,
    made_on: date,
    due: date | None,
    person: Person | None = None,
    account: Account | None = None,
    colleague: Colleague | None = None,
    interaction: Interaction | None = None,
    key: str | None = None,
    actor: User | None = None,
) -> Commitment:
    _require_subject(person, account)
    if not text.strip():
        raise ValidationError({"text": _("Write what was promised.")})
    if due is not None and due < made_on:
        raise ValidationError({"due": _("A promise cannot be due before it was made.")})
    # A promise made to a person counts for their company too (account health, M2): take
    # it from the interaction it came from, or from where the person worked on that day.
    if account is None and interaction is not None:
        account = interaction.account
    if account is None and person is not None:
        account = account_on(person=person, day=made_on)
    commitment = Commitment.objects.create(
        key=key or None,
        text=text.strip(),
        made_on=made_on,
        due=due,
        person=person,
        account=account,
        colleague=colleague,
        interaction=interaction,
    )
    event_record(
        kind=EventKind.COMMITMENT_RECORDED,
        person=person,
        account=account,
        actor=actor,
        data={"commitment": commitment.pk, "text": commitment.text[:200], "due": str(due or "")},
    )
    _refresh_health(commitment)
    return commitment


@transaction.atomic
def commitment_close(
    *,
    commitment: Commitment,
    status: str,
    closed_on: date,
    new_due: date | None = None,
    actor: User | None = None,
) -> Commitment:
    """Close a promise as kept, kept late, broken, or renegotiated to a new due date.

    Kept or kept late follows the dates, not the word chosen: the ledger tells the truth.
    A renegotiated promise stays pending with its new due date and can be closed again;
    a kept or broken one is final.
    """
    if commitment.status in _CLOSED:
        raise ValidationError(
            {
                "status": _("This promise is already closed as “%(status)s”.")
                % {"status": commitment.get_status_display()}
            }
        )
    if status not in CommitmentStatus.values or status == CommitmentStatus.OPEN:
        raise ValidationError({"status": _("Choose how the promise ended.")})
    if closed_on < commitment.made_on:
        raise ValidationError({"closed_on": _("A promise cannot close before it was made.")})
    if status == CommitmentStatus.RENEGOTIATED:
        if new_due is None or new_due < closed_on:
            raise ValidationError({"new_due": _("A renegotiated promise needs a new due date.")})
        commitment.due = new_due
    if status in (CommitmentStatus.KEPT, CommitmentStatus.KEPT_LATE) and commitment.due:
        late = closed_on > commitment.due
        status = CommitmentStatus.KEPT_LATE if late else CommitmentStatus.KEPT
    commitment.status = status
    commitment.closed_on = closed_on
    commitment.save(update_fields=["status", "closed_on", "due"])
    person, account = _subject(commitment)
    event_record(
        kind=EventKind.COMMITMENT_CLOSED,
        person=person,
        account=account,
        actor=actor,
        data={
            "commitment": commitment.pk,
            "status": status,
            "text": commitment.text[:200],
            "due": str(commitment.due or ""),
        },
    )
    _refresh_health(commitment)
    return commitment


@transaction.atomic
def complaint_open(
    *,
    opened: date,
    person: Person | None = None,
    account: Account | None = None,
    severity: str = Severity.MEDIUM,
    category: str = "",
    summary: str = "",
    key: str | None = None,
    actor: User | None = None,
) -> Complaint:
    _require_subject(person, account)
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Choose a severity.")})
    complaint = Complaint.objects.create(
        key=key or None,
        opened=opened,
        person=person,
        account=account,
        severity=severity,
        category=category,
        summary=summary,
    )
    event_record(
        kind=EventKind.COMPLAINT_OPENED,
        person=person,
        account=account,
        actor=actor,
        data={"complaint": complaint.pk, "severity": severity, "text": summary[:200]},
    )
    _refresh_health(complaint)
    return complaint


@transaction.atomic
def complaint_resolve(
    *,
    complaint: Complaint,
    resolved: date,
    resolution: str = "",
    satisfaction_after: int | None = None,
    actor: User | None = None,
) -> Complaint:
    if complaint.resolved is not None:
        raise ValidationError(_("This complaint is already resolved."))
    if resolved < complaint.opened:
        raise ValidationError({"resolved": _("A complaint cannot be resolved before it opened.")})
    if satisfaction_after is not None and not 1 <= satisfaction_after <= 5:
        raise ValidationError({"satisfaction_after": _("Satisfaction goes from 1 to 5.")})
    complaint.resolved = resolved
    complaint.first_response = complaint.first_response or resolved
    complaint.resolution = resolution
    complaint.satisfaction_after = satisfaction_after
    complaint.save(update_fields=["resolved", "first_response", "resolution", "satisfaction_after"])
    person, account = _subject(complaint)
    event_record(
        kind=EventKind.COMPLAINT_RESOLVED,
        person=person,
        account=account,
        actor=actor,
        data={"complaint": complaint.pk, "days": (resolved - complaint.opened).days},
    )
    _refresh_health(complaint)
    return complaint


def concern_open(
    *, topic: str, opened: date, person: Person | None = None, account: Account | None = None
) -> Concern:
    _require_subject(person, account)
    if not topic.strip():
        raise ValidationError({"topic": _("Write what worries them.")})
    return Concern.objects.create(
        topic=topic.strip(), opened=opened, person=person, account=account
    )


def initiative_record(
    *,
    text: str,
    proposed_on: date,
    person: Person | None = None,
    account: Account | None = None,
    outcome: str = Outcome.PENDING,
    value: Decimal | None = None,
) -> Initiative:
    _require_subject(person, account)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    if not text.strip():
        raise ValidationError({"text": _("Write what was proposed.")})
    return Initiative.objects.create(
        text=text.strip(),
        proposed_on=proposed_on,
        person=person,
        account=account,
        outcome=outcome,
        value=value,
    )
