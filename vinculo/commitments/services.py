"""Writes for promises, complaints, concerns and initiatives.

Each validates with ``commitments.checks`` (shared with the bundle importer and the admin),
takes the row lock it needs, records a timeline event and, after commit, refreshes the
health and plays of the person and account it touches.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from vinculo.checks import raise_problems
from vinculo.commitments.checks import (
    commitment_account,
    commitment_closed_status,
    commitment_problems,
    complaint_problems,
    concern_problems,
    initiative_problems,
)
from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative
from vinculo.concurrency import check_version
from vinculo.health.services import health_refresh_after_commit
from vinculo.interactions.models import Interaction
from vinculo.people.models import Account, Colleague, Person
from vinculo.people.rules import account_on
from vinculo.timeline.models import EventKind
from vinculo.timeline.services import event_record
from vinculo.users.models import User
from vinculo.vocab import CommitmentStatus, Outcome, Severity

_Row = Commitment | Complaint | Concern | Initiative


def _refresh_health(row: _Row) -> None:
    """Every one of these moves health: update the person and account after commit."""
    health_refresh_after_commit(
        person_ids=[row.person_id] if row.person_id else [],
        account_ids=[row.account_id] if row.account_id else [],
    )


def _account_on(person_id: int, day: date) -> int | None:
    account = account_on(person=person_id, day=day)
    return account.pk if account is not None else None


def _lock(model: type[Model], pk: int) -> None:
    """Hold the row until the transaction ends, and read it again: two closings at once
    cannot both see it open."""
    model._default_manager.select_for_update().filter(pk=pk).values_list("pk").first()


# The models' foreign keys are built by a helper that the django-stubs plugin cannot type.
def _subject(row: _Row) -> tuple[Person | None, Account | None]:
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
    raise_problems(
        commitment_problems(
            text=text,
            made_on=made_on,
            due=due,
            has_person=person is not None,
            has_account=account is not None,
        )
    )
    if account is None:
        account_id = commitment_account(
            account_id=None,
            interaction_account_id=interaction.account_id if interaction is not None else None,
            person_id=person.pk if person is not None else None,
            made_on=made_on,
            account_on=_account_on,
        )
        account = Account.objects.get(pk=account_id) if account_id is not None else None
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
    _lock(Commitment, commitment.pk)
    commitment.refresh_from_db(fields=["status", "due", "closed_on"])
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
    status = commitment_closed_status(status, commitment.due, closed_on)
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
    raise_problems(
        complaint_problems(
            opened=opened,
            severity=severity,
            category=category,
            has_person=person is not None,
            has_account=account is not None,
        )
    )
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
    _lock(Complaint, complaint.pk)
    complaint.refresh_from_db(fields=["resolved", "first_response"])
    if complaint.resolved is not None:
        raise ValidationError(_("This complaint is already resolved."))
    raise_problems(
        complaint_problems(
            opened=complaint.opened,
            severity=complaint.severity,
            resolved=resolved,
            satisfaction_after=satisfaction_after,
            has_person=True,
            has_account=True,
        )
    )
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


@transaction.atomic
def concern_open(
    *,
    topic: str,
    opened: date,
    person: Person | None = None,
    account: Account | None = None,
    key: str | None = None,
    actor: User | None = None,
) -> Concern:
    topic = topic.strip()
    raise_problems(
        concern_problems(
            topic=topic,
            opened=opened,
            has_person=person is not None,
            has_account=account is not None,
        )
    )
    concern = Concern.objects.create(
        key=key or None, topic=topic, opened=opened, person=person, account=account
    )
    event_record(
        kind=EventKind.CONCERN_OPENED,
        person=person,
        account=account,
        actor=actor,
        data={"concern": concern.pk, "text": topic[:200], "date": str(opened)},
    )
    _refresh_health(concern)
    return concern


@transaction.atomic
def concern_resolve(*, concern: Concern, resolved: date, actor: User | None = None) -> Concern:
    _lock(Concern, concern.pk)
    concern.refresh_from_db(fields=["resolved"])
    if concern.resolved is not None:
        raise ValidationError({"resolved": _("This concern is already resolved.")})
    raise_problems(
        concern_problems(
            topic=concern.topic,
            opened=concern.opened,
            resolved=resolved,
            has_person=True,
            has_account=True,
        )
    )
    concern.resolved = resolved
    concern.save(update_fields=["resolved"])
    person, account = _subject(concern)
    event_record(
        kind=EventKind.CONCERN_RESOLVED,
        person=person,
        account=account,
        actor=actor,
        data={"concern": concern.pk, "text": concern.topic[:200], "date": str(resolved)},
    )
    _refresh_health(concern)
    return concern


@transaction.atomic
def initiative_record(
    *,
    text: str,
    proposed_on: date,
    person: Person | None = None,
    account: Account | None = None,
    outcome: str = Outcome.PENDING,
    value: Decimal | None = None,
    key: str | None = None,
    actor: User | None = None,
) -> Initiative:
    text = text.strip()
    raise_problems(
        initiative_problems(
            text=text,
            proposed_on=proposed_on,
            outcome=outcome,
            value=value,
            has_person=person is not None,
            has_account=account is not None,
        )
    )
    initiative = Initiative.objects.create(
        key=key or None,
        text=text,
        proposed_on=proposed_on,
        person=person,
        account=account,
        outcome=outcome,
        value=value,
    )
    event_record(
        kind=EventKind.INITIATIVE_RECORDED,
        person=person,
        account=account,
        actor=actor,
        data={"initiative": initiative.pk, "text": text[:200], "outcome": outcome},
    )
    _refresh_health(initiative)
    return initiative


@transaction.atomic
def initiative_decide(
    *,
    initiative: Initiative,
    outcome: str,
    value: Decimal | None = None,
    actor: User | None = None,
) -> Initiative:
    """Record what the client answered to a proposal (and what it is worth)."""
    _lock(Initiative, initiative.pk)
    value = value if value is not None else initiative.value
    raise_problems(
        initiative_problems(
            text=initiative.text,
            proposed_on=initiative.proposed_on,
            outcome=outcome,
            value=value,
            has_person=True,
            has_account=True,
        )
    )
    initiative.outcome, initiative.value = outcome, value
    initiative.save(update_fields=["outcome", "value"])
    person, account = _subject(initiative)
    event_record(
        kind=EventKind.INITIATIVE_DECIDED,
        person=person,
        account=account,
        actor=actor,
        data={"initiative": initiative.pk, "text": initiative.text[:200], "outcome": outcome},
    )
    _refresh_health(initiative)
    return initiative


# -- corrections (PATCH): the facts of a record, never its lifecycle ----------------------
# Closing, resolving and deciding stay with their own services above.

_COMMITMENT_FIELDS = frozenset({"text", "due"})
_COMPLAINT_FIELDS = frozenset({"severity", "category", "summary"})
_CONCERN_FIELDS = frozenset({"topic"})
_INITIATIVE_FIELDS = frozenset({"text", "value"})


def _changes(row: Model, allowed: frozenset[str], changes: dict[str, object], name: str) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"{name}() got unexpected fields: {sorted(unknown)}")
    for field in ("text", "topic"):
        if isinstance(changes.get(field), str):
            changes[field] = str(changes[field]).strip()


def _apply(
    row: _Row, changes: dict[str, object], actor: User | None, kind: EventKind, text: str
) -> _Row:
    changed = [f for f, v in changes.items() if getattr(row, f) != v]
    if not changed:
        return row
    for field in changed:
        setattr(row, field, changes[field])
    row.stamp(actor)
    row.save(update_fields=changed)
    person, account = _subject(row)
    event_record(
        kind=kind,
        person=person,
        account=account,
        actor=actor,
        data={type(row).__name__.lower(): row.pk, "fields": sorted(changed), "text": text[:200]},
    )
    _refresh_health(row)
    return row


@transaction.atomic
def commitment_update(
    *,
    commitment: Commitment,
    actor: User | None = None,
    version: int | None = None,
    **changes: object,
) -> Commitment:
    """Correct what was promised or when it is due (closing it is ``commitment_close``)."""
    _changes(commitment, _COMMITMENT_FIELDS, changes, "commitment_update")
    _lock(Commitment, commitment.pk)
    check_version(commitment, version)
    commitment.refresh_from_db()
    merged = {f: changes.get(f, getattr(commitment, f)) for f in _COMMITMENT_FIELDS}
    raise_problems(
        commitment_problems(
            text=cast(str, merged["text"]),
            made_on=commitment.made_on,
            due=cast(date | None, merged["due"]),
            status=commitment.status,
            closed_on=commitment.closed_on,
            has_person=commitment.person_id is not None,
            has_account=commitment.account_id is not None,
        )
    )
    return cast(
        Commitment,
        _apply(commitment, changes, actor, EventKind.COMMITMENT_UPDATED, str(merged["text"])),
    )


@transaction.atomic
def complaint_update(
    *,
    complaint: Complaint,
    actor: User | None = None,
    version: int | None = None,
    **changes: object,
) -> Complaint:
    """Correct a complaint's severity, category or summary (resolving it is
    ``complaint_resolve``)."""
    _changes(complaint, _COMPLAINT_FIELDS, changes, "complaint_update")
    _lock(Complaint, complaint.pk)
    check_version(complaint, version)
    complaint.refresh_from_db()
    raise_problems(
        complaint_problems(
            opened=complaint.opened,
            severity=cast(str, changes.get("severity", complaint.severity)),
            category=cast(str, changes.get("category", complaint.category)),
            first_response=complaint.first_response,
            resolved=complaint.resolved,
            satisfaction_after=complaint.satisfaction_after,
            has_person=complaint.person_id is not None,
            has_account=complaint.account_id is not None,
        )
    )
    text = str(changes.get("summary", complaint.summary))
    return cast(Complaint, _apply(complaint, changes, actor, EventKind.COMPLAINT_UPDATED, text))


@transaction.atomic
def concern_update(
    *, concern: Concern, actor: User | None = None, version: int | None = None, **changes: object
) -> Concern:
    """Correct what worries them (resolving it is ``concern_resolve``)."""
    _changes(concern, _CONCERN_FIELDS, changes, "concern_update")
    _lock(Concern, concern.pk)
    check_version(concern, version)
    concern.refresh_from_db()
    topic = cast(str, changes.get("topic", concern.topic))
    raise_problems(
        concern_problems(
            topic=topic,
            opened=concern.opened,
            resolved=concern.resolved,
            has_person=concern.person_id is not None,
            has_account=concern.account_id is not None,
        )
    )
    return cast(Concern, _apply(concern, changes, actor, EventKind.CONCERN_UPDATED, topic))


@transaction.atomic
def initiative_update(
    *,
    initiative: Initiative,
    actor: User | None = None,
    version: int | None = None,
    **changes: object,
) -> Initiative:
    """Correct a proposal's text or value (the client's answer is ``initiative_decide``)."""
    _changes(initiative, _INITIATIVE_FIELDS, changes, "initiative_update")
    _lock(Initiative, initiative.pk)
    check_version(initiative, version)
    initiative.refresh_from_db()
    text = cast(str, changes.get("text", initiative.text))
    raise_problems(
        initiative_problems(
            text=text,
            proposed_on=initiative.proposed_on,
            outcome=initiative.outcome,
            value=cast(Decimal | None, changes.get("value", initiative.value)),
            has_person=initiative.person_id is not None,
            has_account=initiative.account_id is not None,
        )
    )
    return cast(Initiative, _apply(initiative, changes, actor, EventKind.INITIATIVE_UPDATED, text))
