"""Logging interactions with the people on both sides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    DateTimeField,
    ExpressionWrapper,
    F,
    Model,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vinculo.checks import Problems, check_choice, check_text
from vinculo.concurrency import check_version
from vinculo.health.services import health_refresh_after_commit
from vinculo.health.summary import summary_refresh
from vinculo.interactions.levels import level_correction_record, suggest_stored_level
from vinculo.interactions.models import Interaction, InteractionColleague, InteractionPerson
from vinculo.people.models import Colleague, ContactPlan, Employment, Person
from vinculo.people.rules import JobBook, job_precedence_order, jobs_on
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.timeline.services import event_record
from vinculo.users.models import User
from vinculo.vocab import Channel, Direction, Level, Source

# Read once: TextChoices.values builds a new list at every call (the importer asks per row).
_CHANNELS = tuple(Channel.values)
_DIRECTIONS = tuple(Direction.values)
_LEVELS = tuple(Level.values)
_SOURCES = tuple(Source.values)
_CHOOSE_CHANNEL = gettext_lazy("Choose a channel.")
_CHOOSE_DIRECTION = gettext_lazy("Choose who started the contact.")
_CHOOSE_SOURCE = gettext_lazy("Choose a source.")
EARLIEST_START = date(1990, 1, 1)
SUMMARY_MAX_LENGTH = 10_000


def interactions_assign_accounts(interactions: QuerySet[Interaction]) -> int:
    """Set each interaction's account from its client participants' jobs at its date.

    One UPDATE with a correlated subquery, whatever the number of rows. Where several
    participants work at different accounts, the earliest-listed participant's job wins;
    among one person's jobs on that date, the one ``people.rules`` says counts.
    """
    # TruncDate needs to know the type of what it truncates, which an OuterRef does not
    # carry; the wrapper says it. The date is taken in the current time zone.
    day = TruncDate(ExpressionWrapper(OuterRef("started_at"), output_field=DateTimeField()))
    job_at_date = (
        Employment.objects.filter(person__interaction_links__interaction=OuterRef("pk"))
        .filter(jobs_on(day))
        .order_by("person__interaction_links__id", *job_precedence_order())
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
    book = JobBook.load(person for _, participants in interactions for person in participants)
    accounts: list[int | None] = []
    for started_at, participants in interactions:
        accounts.append(book.first_account_on(participants, interaction_day(started_at)))
    return accounts


def interaction_day(started_at: datetime) -> date:
    """The date of an interaction: its start in the current time zone."""
    if timezone.is_naive(started_at):
        started_at = timezone.make_aware(started_at)
    return timezone.localtime(started_at).date()


def interaction_problems(
    *,
    channel: str,
    direction: str = Direction.OUTBOUND,
    level: str = "",
    duration_min: int | None = 0,
    place: str = "",
    source: str = Source.MANUAL,
    has_people: bool,
    started_at: date | datetime | None = None,
    summary: str = "",
    has_colleagues: bool | None = None,
    today: date | None = None,
) -> Problems:
    """What is wrong with an interaction: the service, the importer and the admin ask.

    ``has_colleagues`` None means our side is not checked: an imported calendar or CRM
    row may legitimately name nobody of ours; the web form and the API ask for one."""
    problems: Problems = {}
    if started_at is not None:
        day = interaction_day(started_at) if isinstance(started_at, datetime) else started_at
        today = today or timezone.localdate()
        if day < EARLIEST_START:
            problems["started_at"] = _("Dates before 1990 are not accepted.")
        elif day > _one_year_after(today):
            problems["started_at"] = _("At most one year ahead.")
    check_text(problems, "summary", summary, max_length=SUMMARY_MAX_LENGTH)
    check_choice(problems, "channel", channel, _CHANNELS, required=_CHOOSE_CHANNEL)
    check_choice(problems, "direction", direction, _DIRECTIONS, required=_CHOOSE_DIRECTION)
    check_choice(problems, "level", level, _LEVELS)
    if duration_min is not None and duration_min < 0:
        problems["duration_min"] = _("The duration cannot be negative.")
    check_text(problems, "place", place, max_length=200)
    check_choice(problems, "source", source, _SOURCES, required=_CHOOSE_SOURCE)
    if not has_people:
        problems["people"] = _("Choose at least one person from the client's side.")
    if has_colleagues is False:
        problems["colleagues"] = _("Choose at least one person from our side.")
    return problems


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def interaction_level(*, level: str, summary: str) -> tuple[str, bool]:
    """(level, whether it is a suggestion): the level chosen, or, with none chosen, the
    one suggested from the notes (M5), marked as such; below the confidence threshold none
    is stored and the level stays open."""
    if level:
        return level, False
    suggested = suggest_stored_level(summary)
    return (suggested.level, True) if suggested else ("", False)


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
    require_our_side: bool = False,
) -> Interaction:
    """``require_our_side``: refuse an interaction with none of our colleagues (the web
    form and the API; importers and scripts may not know who of ours was there)."""
    errors = interaction_problems(
        channel=channel,
        direction=direction,
        level=level,
        duration_min=duration_min,
        place=place,
        source=source,
        has_people=bool(people),
        started_at=started_at,
        summary=summary,
        has_colleagues=bool(colleagues) if require_our_side else None,
    )
    if timezone.is_naive(started_at):
        started_at = timezone.make_aware(started_at)
    if source_id and Interaction.objects.filter(source=source, source_id=source_id).exists():
        errors["source_id"] = _("This interaction was already recorded.")
    if errors:
        raise ValidationError(errors)

    level, level_suggested = interaction_level(level=level, summary=summary)
    interaction = Interaction.objects.create(
        key=key or None,
        started_at=started_at,
        duration_min=duration_min,
        channel=channel,
        place=place,
        direction=direction,
        level=level,
        level_suggested=level_suggested,
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
    summary_refresh(person_ids=[p.pk for p in people], account_ids=[interaction.account_id])
    for person in dict.fromkeys(people):
        event_record(
            kind=EventKind.INTERACTION_LOGGED,
            person=person,
            account=interaction.account,
            actor=actor,
            occurred_at=started_at,
            data={"interaction": interaction.pk, "channel": channel, "text": summary[:200]},
        )
    contact_plans_advance(person_ids=[p.pk for p in people], day=interaction_day(started_at))
    health_refresh_after_commit(
        person_ids=[p.pk for p in people],
        account_ids=[interaction.account_id] if interaction.account_id else [],
    )
    return interaction


def contact_plans_advance(*, person_ids: Sequence[int], day: date) -> int:
    """A contact on ``day`` moves each plan's next due to ``day`` + its cadence (M17), never
    back: a contact logged late for an old date leaves a later due date alone. The version
    rises, so a plan form opened before the contact is refused rather than undoing it."""
    plans = list(ContactPlan.objects.select_for_update().filter(person_id__in=person_ids))
    moved = []
    for plan in plans:
        due = day + timedelta(days=plan.every_days)
        if plan.next_due is None or due > plan.next_due:
            plan.next_due = due
            plan.version = F("version") + 1
            plan.changed_at = timezone.now()
            moved.append(plan)
    ContactPlan.objects.bulk_update(moved, ["next_due", "version", "changed_at"])
    return len(moved)


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
    people = list(interaction.person_links.values_list("person_id", flat=True))
    summary_refresh(person_ids=people, account_ids=[interaction.account_id])
    health_refresh_after_commit(
        person_ids=people,
        account_ids=[interaction.account_id] if interaction.account_id else [],
    )
    return interaction


# What a correction may change (the source and its id stay what the import recorded).
_UPDATABLE = frozenset(
    {"started_at", "channel", "duration_min", "place", "direction", "level", "summary"}
)


@transaction.atomic
def interaction_update(
    *,
    interaction: Interaction,
    actor: User | None = None,
    version: int | None = None,
    people: Sequence[Person] | None = None,
    colleagues: Sequence[Colleague] | None = None,
    require_our_side: bool = False,
    **changes: object,
) -> Interaction:
    """Correct an interaction: the fields given, and, given ``people`` or ``colleagues``,
    who took part. The same checks as ``interaction_log``; the account follows the
    participants' jobs at the (new) date, and the health and daily summary of every
    person and account it touched before or after are refreshed. A level chosen here is
    the user's (as ``interaction_set_level``); a suggested level follows a new summary.
    People who stay keep their place in the list (the account rule reads it in order);
    people added come after them."""
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise TypeError(f"interaction_update() got unexpected fields: {sorted(unknown)}")
    Interaction.objects.select_for_update().filter(pk=interaction.pk).values_list("pk").first()
    check_version(interaction, version)
    before_people = list(interaction.person_links.values_list("person_id", flat=True))
    before_colleagues = list(interaction.colleague_links.values_list("colleague_id", flat=True))
    before_account = interaction.account_id
    merged = {f: changes.get(f, getattr(interaction, f)) for f in _UPDATABLE}
    errors = interaction_problems(
        channel=str(merged["channel"]),
        direction=str(merged["direction"]),
        level=str(merged["level"]),
        duration_min=merged["duration_min"],  # type: ignore[arg-type]
        place=str(merged["place"]),
        source=interaction.source,
        has_people=bool(people) if people is not None else bool(before_people),
        started_at=merged["started_at"],  # type: ignore[arg-type]
        summary=str(merged["summary"]),
        has_colleagues=(
            (bool(colleagues) if colleagues is not None else bool(before_colleagues))
            if require_our_side
            else None
        ),
    )
    if errors:
        raise ValidationError(errors)
    started_at = changes.get("started_at")
    if isinstance(started_at, datetime) and timezone.is_naive(started_at):
        changes["started_at"] = timezone.make_aware(started_at)
    if changes.get("level"):
        if changes["level"] != interaction.level or interaction.level_suggested:
            level_correction_record(
                interaction=interaction, level=str(changes["level"]), actor=actor
            )
        changes["level_suggested"] = False
    elif "level" in changes or (
        "summary" in changes and (interaction.level_suggested or not interaction.level)
    ):
        changes["level"], changes["level_suggested"] = interaction_level(
            level="", summary=str(merged["summary"])
        )
    changed = [f for f, v in changes.items() if getattr(interaction, f) != v]
    for field in changed:
        setattr(interaction, field, changes[field])
    new_people = list(dict.fromkeys(p.pk for p in people)) if people is not None else before_people
    if _links_replace(InteractionPerson, interaction, "person_id", before_people, new_people):
        changed.append("people")
    if colleagues is not None and _links_replace(
        InteractionColleague,
        interaction,
        "colleague_id",
        before_colleagues,
        list(dict.fromkeys(c.pk for c in colleagues)),
    ):
        changed.append("colleagues")
    if not changed:
        return interaction
    interaction.stamp(actor)
    interaction.save(update_fields=[f for f in changed if f not in ("people", "colleagues")])
    if "started_at" in changed or "people" in changed:
        interactions_assign_accounts(Interaction.objects.filter(pk=interaction.pk))
        interaction.refresh_from_db(fields=["account"])
    _timeline_follow(interaction, people=new_people, actor=actor)
    if "started_at" in changed or "people" in changed:
        # A contact on a later day, or with someone new, moves their plans (never back).
        contact_plans_advance(person_ids=new_people, day=interaction_day(interaction.started_at))
    _after_change(
        person_ids={*before_people, *new_people},
        account_ids={before_account, interaction.account_id},
    )
    return interaction


@transaction.atomic
def interaction_delete(
    *, interaction: Interaction, actor: User | None = None, version: int | None = None
) -> None:
    """Delete an interaction recorded by mistake, with its timeline lines; the health and
    daily summary of its people and account are refreshed. A contact plan's next due stays
    where the contact moved it (plans never move back)."""
    Interaction.objects.select_for_update().filter(pk=interaction.pk).values_list("pk").first()
    check_version(interaction, version)
    people = list(interaction.person_links.values_list("person_id", flat=True))
    account = interaction.account_id
    _logged_events(interaction.pk).delete()
    interaction.delete()
    _after_change(person_ids=set(people), account_ids={account})


def _links_replace(
    model: type[Model],
    interaction: Interaction,
    field: str,
    before: Sequence[int],
    after: Sequence[int],
) -> bool:
    """Who took part on one side becomes ``after`` (those who stay keep their links);
    True when it changed."""
    if set(after) == set(before):
        return False
    model._default_manager.filter(interaction=interaction).exclude(
        **{f"{field}__in": after}
    ).delete()
    model._default_manager.bulk_create(
        [model(interaction=interaction, **{field: pk}) for pk in after if pk not in before]
    )
    return True


def _logged_events(interaction_id: int) -> QuerySet[TimelineEvent]:
    return TimelineEvent.objects.filter(
        kind=EventKind.INTERACTION_LOGGED, data__interaction=interaction_id
    )


def _timeline_follow(
    interaction: Interaction, *, people: Sequence[int], actor: User | None
) -> None:
    """The "interaction logged" lines say what the interaction says now: one per person
    who took part, at its date, with its channel and the start of its summary."""
    data = {
        "interaction": interaction.pk,
        "channel": interaction.channel,
        "text": interaction.summary[:200],
    }
    events = _logged_events(interaction.pk)
    events.exclude(person_id__in=people).delete()
    events.update(occurred_at=interaction.started_at, account=interaction.account, data=data)
    have = set(events.values_list("person_id", flat=True))
    for person in Person.objects.filter(pk__in=[pk for pk in people if pk not in have]):
        event_record(
            kind=EventKind.INTERACTION_LOGGED,
            person=person,
            account=interaction.account,
            actor=actor,
            occurred_at=interaction.started_at,
            data=data,
        )


def _after_change(*, person_ids: set[int], account_ids: set[int | None]) -> None:
    """What depends on interactions, for the people and accounts a write touched."""
    accounts = sorted(pk for pk in account_ids if pk is not None)
    summary_refresh(person_ids=sorted(person_ids), account_ids=accounts)
    health_refresh_after_commit(person_ids=sorted(person_ids), account_ids=accounts)
