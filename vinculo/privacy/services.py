"""GDPR for people: erasure on request and the retention purge (docs/privacy.md).

``person_erase`` removes a person's identifiers and personal facts everywhere they are
stored — their row, addresses, outside ids, the importers' memory of their addresses,
timeline data, the audit trail's values, Django's admin log, free text that names them —
and keeps their interactions only as anonymous counts in the account's history (summary
cleared, their participation removed). Every step is one set-based statement, or one read
of the few rows that mention them and one bulk rewrite.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from vinculo.audit.models import Action, AuditEntry
from vinculo.audit.services import audit_bulk
from vinculo.capture.models import BlockedAddress, ExternalId, MailThread, UnmatchedAddress
from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative
from vinculo.growth.models import Concession, ValueItem
from vinculo.health.models import HealthSnapshot, Play
from vinculo.health.services import health_refresh_after_commit
from vinculo.interactions.models import Interaction, InteractionPerson, LevelCorrection
from vinculo.people.models import Employment, Person, PersonEmail, search_key
from vinculo.timeline.models import TimelineEvent
from vinculo.users.models import User
from vinculo.vocab import CommitmentStatus, Outcome

log = logging.getLogger(__name__)

# Personal profile facts (M18): cleared by an erasure and by the retention purge.
PERSONAL_FACTS = {
    "birthday": None,
    "family": "",
    "tastes": "",
    "friends": "",
    "interests": "",
    "professional_interests": "",
    "notes": "",
}
# Free text that may name someone: searched for an erased person's identifiers.
FREE_TEXT: tuple[tuple[type[models.Model], tuple[str, ...]], ...] = (
    (Person, ("notes", "family", "tastes", "friends", "interests", "professional_interests")),
    (Interaction, ("summary", "place")),
    (Commitment, ("text",)),
    (Complaint, ("summary", "resolution", "category")),
    (Concern, ("topic",)),
    (Initiative, ("text",)),
    (Concession, ("reason", "policy", "approved_by")),
    (ValueItem, ("evidence",)),
    (Play, ("dismissed_reason",)),
    (LevelCorrection, ("note",)),
)
MIN_IDENTIFIER = 3  # shorter strings would match everywhere


def placeholder(person_id: int) -> str:
    # Stored text, not translated: the row reads the same in every language.
    return f"Erased person #{person_id}"


@dataclass
class Erasure:
    person_id: int
    placeholder: str
    counts: dict[str, int] = field(default_factory=dict)


def _identifiers(person: Person, emails: Sequence[str]) -> list[str]:
    found = [person.name.strip(), *emails]
    found += [p.strip() for p in person.phones.replace(",", ";").split(";")]
    unique = {value for value in found if len(value) >= MIN_IDENTIFIER}
    # Longest first, so that "Ana Ruiz García" is replaced before "Ana Ruiz".
    return sorted(unique, key=len, reverse=True)


def _variants(identifiers: Iterable[str]) -> list[str]:
    """Each identifier, and its JSON-escaped form (SQLite stores JSON with ASCII escapes)."""
    out: list[str] = []
    for value in identifiers:
        out.append(value)
        escaped = json.dumps(value)[1:-1]
        if escaped != value:
            out.append(escaped)
    return out


def _replace(text: str, identifiers: Sequence[str], mark: str) -> str:
    """``text`` with every identifier (any case) replaced by ``mark``."""
    for value in identifiers:
        text = re.sub(re.escape(value), mark, text, flags=re.IGNORECASE)
    return text


def _any_contains(fields: Iterable[str], identifiers: Sequence[str]) -> Q:
    q = Q()
    for name in fields:
        for value in identifiers:
            q |= Q(**{f"{name}__icontains": value})
    return q


def _scrub_free_text(identifiers: Sequence[str], mark: str) -> int:
    """Replace the identifiers in every free-text column that may hold them: per table one
    read of the rows that mention them and one bulk rewrite."""
    total = 0
    for model, fields in FREE_TEXT:
        rows = list(model._default_manager.filter(_any_contains(fields, identifiers)))
        for row in rows:
            for name in fields:
                setattr(row, name, _replace(getattr(row, name) or "", identifiers, mark))
        if rows:
            model._default_manager.bulk_update(rows, list(fields), batch_size=500)
        total += len(rows)
    return total


def _scrub_json(value: Any, identifiers: Sequence[str], mark: str) -> Any:
    if isinstance(value, str):
        return _replace(value, identifiers, mark)
    if isinstance(value, list):
        return [_scrub_json(v, identifiers, mark) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_json(v, identifiers, mark) for k, v in value.items()}
    return value


def _json_mentions(model: type[models.Model], column: str, identifiers: Sequence[str]) -> Q:
    """Rows whose JSON ``column``, read as text, contains an identifier (either spelling)."""
    del model
    q = Q()
    for value in _variants(identifiers):
        q |= Q(**{f"{column}_text__icontains": value})
    return q


def _no_values(changes: Any) -> dict[str, Any]:
    """The same field names, without their values."""
    if not isinstance(changes, dict):
        return {}
    return {name: [None, None] for name in changes if name != "counts"}


def _scrub_audit(
    person_id: int, interaction_ids: list[int], identifiers: Sequence[str], mark: str
) -> int:
    about = Q(person_id=person_id) | Q(
        model="interactions.Interaction", object_id__in=[str(i) for i in interaction_ids]
    )
    mentions = _json_mentions(AuditEntry, "changes", identifiers) | _any_contains(
        ["object_repr"], identifiers
    )
    rows = list(
        AuditEntry.objects.annotate(changes_text=Cast("changes", models.TextField())).filter(
            about | mentions
        )
    )
    for row in rows:
        if row.person_id == person_id or (
            row.model == "interactions.Interaction"
            and row.object_id in {str(i) for i in interaction_ids}
        ):
            row.changes = _no_values(row.changes)
        else:
            row.changes = _scrub_json(row.changes, _variants(identifiers), mark)
        row.object_repr = _replace(row.object_repr, identifiers, mark)
        if row.model == "people.Person" and row.object_id == str(person_id):
            row.object_repr = mark
    if rows:
        AuditEntry.objects.bulk_update(rows, ["changes", "object_repr"], batch_size=500)
    return len(rows)


def _scrub_admin_log(person_id: int, identifiers: Sequence[str], mark: str) -> int:
    person_type = ContentType.objects.get_for_model(Person)
    deleted = LogEntry.objects.filter(
        content_type=person_type, object_id=str(person_id)
    )._raw_delete(LogEntry.objects.db)
    rows = list(
        LogEntry.objects.filter(_any_contains(["object_repr", "change_message"], identifiers))
    )
    for row in rows:
        row.object_repr = _replace(row.object_repr, identifiers, mark)[:200]
        row.change_message = _replace(row.change_message, _variants(identifiers), mark)
    if rows:
        LogEntry.objects.bulk_update(rows, ["object_repr", "change_message"], batch_size=500)
    return deleted + len(rows)


def _scrub_timeline(person_id: int, identifiers: Sequence[str], mark: str) -> int:
    cleared = TimelineEvent.objects.filter(person_id=person_id).update(data={})
    rows = list(
        TimelineEvent.objects.annotate(data_text=Cast("data", models.TextField()))
        .exclude(person_id=person_id)
        .filter(_json_mentions(TimelineEvent, "data", identifiers))
    )
    for row in rows:
        row.data = _scrub_json(row.data, _variants(identifiers), mark)
    if rows:
        TimelineEvent.objects.bulk_update(rows, ["data"], batch_size=500)
    return cleared + len(rows)


def _secure_delete() -> None:
    """SQLite: overwrite deleted content with zeros instead of leaving it in free space."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")


TOUCHED_TABLES = (
    Person,
    PersonEmail,
    Interaction,
    InteractionPerson,
    TimelineEvent,
    AuditEntry,
    LogEntry,
    ExternalId,
    UnmatchedAddress,
    BlockedAddress,
    MailThread,
    LevelCorrection,
    Commitment,
    Complaint,
    Concern,
    Initiative,
    Concession,
    ValueItem,
    Play,
    HealthSnapshot,
)


def compact_storage() -> None:
    """Rewrite the storage so that erased values leave no copy in free space or logs.

    SQLite: VACUUM (a fresh copy of the file) and a TRUNCATE checkpoint (the -wal file
    emptied). PostgreSQL: VACUUM FULL of the touched tables (rewritten without the dead row
    versions; it locks each table while it runs) and a CHECKPOINT. Outside a transaction.
    """
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA secure_delete = ON")
                cursor.execute("VACUUM")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            elif connection.vendor == "postgresql":
                tables = ", ".join(
                    connection.ops.quote_name(m._meta.db_table) for m in TOUCHED_TABLES
                )
                cursor.execute(f"VACUUM FULL {tables}")
                try:
                    cursor.execute("CHECKPOINT")
                except DatabaseError:  # needs superuser or pg_checkpoint
                    log.warning("CHECKPOINT refused after an erasure: the WAL keeps the old rows")
    except DatabaseError as error:
        log.warning("could not compact the storage after an erasure: %s", error)


def person_erase(*, person: Person, actor: User | None, compact: bool | None = None) -> Erasure:
    """Erase a person's identifiers and personal facts everywhere (GDPR art. 17).

    Kept: the row itself as "Erased person #id" (so promises, complaints and value keep
    their account), their jobs (account, title, dates: the account's history), the
    interactions as anonymous counts. ``compact`` (default VINCULO_ERASURE_COMPACT) runs
    :func:`compact_storage` after the commit.
    """
    with transaction.atomic():
        _secure_delete()
        person = Person.objects.select_for_update().get(pk=person.pk)
        mark = placeholder(person.pk)
        emails = list(person.emails.values_list("email", flat=True))
        identifiers = _identifiers(person, emails)
        result = Erasure(person_id=person.pk, placeholder=mark)
        counts = result.counts
        accounts = set(
            Employment.objects.filter(person=person).values_list("account_id", flat=True)
        )

        interaction_ids = list(
            InteractionPerson.objects.filter(person=person).values_list("interaction_id", flat=True)
        )
        counts["interactions"] = Interaction.objects.filter(pk__in=interaction_ids).update(
            summary="", place=""
        )
        counts["level_corrections"] = LevelCorrection.objects.filter(
            interaction_id__in=interaction_ids
        )._raw_delete(connection.alias)
        counts["mail_threads"] = MailThread.objects.filter(
            interaction_id__in=interaction_ids
        )._raw_delete(connection.alias)
        counts["participations"] = InteractionPerson.objects.filter(person=person)._raw_delete(
            connection.alias
        )

        counts["emails"] = PersonEmail.objects.filter(person=person)._raw_delete(connection.alias)
        counts["external_ids"] = ExternalId.objects.filter(person=person)._raw_delete(
            connection.alias
        )
        if emails:
            counts["unmatched_addresses"] = UnmatchedAddress.objects.filter(
                email__in=emails
            )._raw_delete(connection.alias)
            counts["blocked_addresses"] = BlockedAddress.objects.filter(
                value__in=emails
            )._raw_delete(connection.alias)
        counts["health_snapshots"] = HealthSnapshot.objects.filter(person=person)._raw_delete(
            connection.alias
        )
        Person.objects.filter(pk=person.pk).update(
            name=mark,
            search_name=search_key(mark),  # the stored search key held the name too
            phones="",
            language="",
            legal_basis_source="",
            key=None,
            changed_at=timezone.now(),
            changed_by=actor if actor is not None and actor.is_authenticated else None,
            **PERSONAL_FACTS,
        )
        if identifiers:
            counts["free_text"] = _scrub_free_text(identifiers, mark)
        counts["timeline_events"] = _scrub_timeline(person.pk, identifiers, mark)
        counts["admin_log"] = _scrub_admin_log(person.pk, identifiers, mark)
        counts["audit_entries"] = _scrub_audit(person.pk, interaction_ids, identifiers, mark)
        AuditEntry.objects.create(
            at=timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            face=_face(),
            model="people.Person",
            object_id=str(person.pk),
            object_repr=mark,
            action=Action.ERASE,
            changes={"counts": counts},
            person_id=person.pk,
        )
        health_refresh_after_commit(person_ids=[person.pk], account_ids=sorted(accounts))
        if compact if compact is not None else settings.VINCULO_ERASURE_COMPACT:
            transaction.on_commit(compact_storage)
    return result


def _face() -> str:
    from vinculo.audit.context import current

    return current().face


# -- retention ------------------------------------------------------------------------------


def retention_candidates(today: date) -> models.QuerySet[Person]:
    """People we have had no relationship with for VINCULO_RETENTION_DAYS: no interaction
    since then, no current job, no open promise, complaint, concern or initiative, added
    before then, and with personal facts left to purge."""
    since = today - timedelta(days=settings.VINCULO_RETENTION_DAYS)
    recent = InteractionPerson.objects.filter(
        person_id=OuterRef("pk"), interaction__started_at__date__gte=since
    )
    current_job = Employment.objects.filter(person_id=OuterRef("pk"), end__isnull=True)
    open_items = [
        Commitment.objects.filter(person_id=OuterRef("pk"), status=CommitmentStatus.OPEN),
        Complaint.objects.filter(person_id=OuterRef("pk"), resolved__isnull=True),
        Concern.objects.filter(person_id=OuterRef("pk"), resolved__isnull=True),
        Initiative.objects.filter(person_id=OuterRef("pk"), outcome=Outcome.PENDING),
    ]
    has_facts = Q(birthday__isnull=False)
    for name, empty in PERSONAL_FACTS.items():
        if empty == "":
            has_facts |= ~Q(**{name: ""})
    people = Person.objects.filter(has_facts, created_at__date__lt=since).exclude(Exists(recent))
    people = people.exclude(Exists(current_job))
    for item in open_items:
        people = people.exclude(Exists(item))
    return people


def retention_purge(today: date, *, dry_run: bool = False) -> int:
    """Clear the personal facts of :func:`retention_candidates` in one UPDATE; returns how
    many people. One summary entry in the audit trail (no per-person values)."""
    with transaction.atomic():
        _secure_delete()
        people = retention_candidates(today)
        if dry_run:
            return people.count()
        done = Person.objects.filter(pk__in=people.values("pk")).update(
            changed_at=timezone.now(), **PERSONAL_FACTS
        )
        if done:
            audit_bulk(
                model="people.Person",
                label=_("Retention purge of personal facts"),
                counts={"people": done, "days": settings.VINCULO_RETENTION_DAYS},
            )
    return done
