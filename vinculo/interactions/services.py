"""Logging interactions with the people on both sides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from vinculo.bulk import values_for_ids
from vinculo.health.services import health_refresh_after_commit
from vinculo.interactions.levels import level_correction_record, suggest_stored_level
from vinculo.interactions.models import Interaction, InteractionColleague, InteractionPerson
from vinculo.people.models import Colleague, Employment, Person
from vinculo.timeline.models import EventKind
from vinculo.timeline.services import event_record
from vinculo.users.models import User
from vinculo.vocab import Channel, Direction, Level, Source


def interactions_assign_accounts(interactions: QuerySet[Interaction]) -> int:
    """Set each interaction's account from its client participants' jobs at its date.

    One UPDATE with a correlated subquery, whatever the number of rows. Where several
    participants work at different accounts, the earliest-listed participant's job wins;
    among one person's jobs on that date, the most recently started. PostgreSQL sorts NULL
    first in descending order and SQLite last, so an unknown start is put last explicitly.
    """
    # TruncDate needs to know the type of what it truncates, which an OuterRef does not
    # carry; the wrapper says it. The date is taken in the current time zone.
    day = TruncDate(ExpressionWrapper(OuterRef("started_at"), output_field=DateTimeField()))
    job_at_date = (
        Employment.objects.filter(person__interaction_links__interaction=OuterRef("pk"))
        .filter(Q(start__isnull=True) | Q(start__lte=day))
        .filter(Q(end__isnull=True) | Q(end__gte=day))
        .order_by("person__interaction_links__id", F("start").desc(nulls_last=True))
        .values("account_id")[:1]
    )
    return interactions.update(account_id=Subquery(job_at_date))


def accounts_at_dates(
    *, interactions: Sequence[tuple[datetime, Sequence[int]]]
) -> list[int | None]:
    """The account of each (start, client participants in link order) pair, by the rule
    of ``interactions_assign_accounts``, for rows not written yet.

    The bundle importer inserts new interactions with their account already set: an
    INSERT then an UPDATE writes every row twice on PostgreSQL (``account_id`` is indexed,
    so the update is not HOT). One query per 900 people for their jobs, then a lookup in
    Python. The two must agree; test_accounts_at_dates compares them.
    """
    people = {person for _, participants in interactions for person in participants}
    jobs: dict[int, list[tuple[date | None, date | None, int]]] = {}
    for person, account, start, end in values_for_ids(
        Employment.objects.order_by(), people, "person_id", "account_id", "start", "end",
        field="person_id",
    ):  # fmt: skip
        jobs.setdefault(person, []).append((start, end, account))
    # Most recently started first, an unknown start last: the first job that covers the
    # day is the one the SQL picks.
    for person_jobs in jobs.values():
        person_jobs.sort(key=lambda job: (job[0] is not None, job[0] or date.min), reverse=True)
    accounts: list[int | None] = []
    for started_at, participants in interactions:
        if timezone.is_naive(started_at):
            started_at = timezone.make_aware(started_at)
        day = timezone.localtime(started_at).date()
        accounts.append(_account_on(day, participants, jobs))
    return accounts


def _account_on(
    day: date,
    participants: Sequence[int],
    jobs: dict[int, list[tuple[date | None, date | None, int]]],
) -> int | None:
    for person in participants:
        for start, end, account in jobs.get(person, ()):
            if (start is None or start <= day) and (end is None or end >= day):
                return account
    return None


@transaction.atomic
def interaction_log(
    *,
    started_at: datetime,
    channel: str,
    people: Sequence[Person],
    colleagues: Sequence[Colleague] = (),
    duration_min: int = 0,
    place: str = "",
    direction: str = Direction.OUTBOUND,
    level: str = "",
    summary: str = "",
    source: str = Source.MANUAL,
    source_id: str = "",
    key: str | None = None,
    actor: User | None = None,
) -> Interaction:
    errors: dict[str, str] = {}
    if channel not in Channel.values:
        errors["channel"] = _("Choose a channel.")
    if direction not in Direction.values:
        errors["direction"] = _("Choose who started the contact.")
    if level and level not in Level.values:
        errors["level"] = _("“%(value)s” is not a valid level.") % {"value": level}
    if duration_min < 0:
        errors["duration_min"] = _("The duration cannot be negative.")
    if not people:
        errors["people"] = _("Choose at least one person from the client's side.")
    if timezone.is_naive(started_at):
        started_at = timezone.make_aware(started_at)
    if source_id and Interaction.objects.filter(source=source, source_id=source_id).exists():
        errors["source_id"] = _("This interaction was already recorded.")
    if errors:
        raise ValidationError(errors)

    # No level chosen: suggest one from the notes (M5), marked as a suggestion; below the
    # confidence threshold none is stored and the level stays open.
    suggested = suggest_stored_level(summary) if not level else None
    interaction = Interaction.objects.create(
        key=key or None,
        started_at=started_at,
        duration_min=duration_min,
        channel=channel,
        place=place,
        direction=direction,
        level=suggested.level if suggested else level,
        level_suggested=suggested is not None,
        summary=summary,
        source=source,
        source_id=source_id,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    InteractionPerson.objects.bulk_create(
        [InteractionPerson(interaction=interaction, person=p) for p in dict.fromkeys(people)]
    )
    InteractionColleague.objects.bulk_create(
        [
            InteractionColleague(interaction=interaction, colleague=c)
            for c in dict.fromkeys(colleagues)
        ]
    )
    interactions_assign_accounts(Interaction.objects.filter(pk=interaction.pk))
    interaction.refresh_from_db(fields=["account"])
    for person in dict.fromkeys(people):
        event_record(
            kind=EventKind.INTERACTION_LOGGED,
            person=person,
            account=interaction.account,
            actor=actor,
            occurred_at=started_at,
            data={"interaction": interaction.pk, "channel": channel, "text": summary[:200]},
        )
    health_refresh_after_commit(
        person_ids=[p.pk for p in people],
        account_ids=[interaction.account_id] if interaction.account_id else [],
    )
    return interaction


@transaction.atomic
def interaction_set_level(
    *, interaction: Interaction, level: str, actor: User | None = None
) -> Interaction:
    """A user sets or changes the conversation level; the choice is no longer a suggestion.

    When the interaction had a suggested level or none, the (note, level) pair is kept as a
    correction for ``vinculo train_levels`` (M5)."""
    if level not in Level.values:
        raise ValidationError({"level": _("Choose a level.")})
    level_correction_record(interaction=interaction, level=level, actor=actor)
    interaction.level, interaction.level_suggested = level, False
    interaction.save(update_fields=["level", "level_suggested"])
    health_refresh_after_commit(
        person_ids=list(interaction.person_links.values_list("person_id", flat=True)),
        account_ids=[interaction.account_id] if interaction.account_id else [],
    )
    return interaction
