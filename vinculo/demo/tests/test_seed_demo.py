"""The demo generator: deterministic, every scripted story present, bulk writes only."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative
from vinculo.demo.generator import DEMO_LOGINS, STORIES, STORY_PEOPLE, SeedReport, seed_demo
from vinculo.growth.models import Concession, Holding, ValueItem
from vinculo.interactions.models import Interaction, InteractionColleague, InteractionPerson
from vinculo.people.models import Account, ContactPlan, Employment, Person
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import Role, Team, User
from vinculo.vocab import Channel, CommitmentStatus, Direction, Level, Outcome

AS_OF = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def fast_hashing(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def seeded(db: None) -> SeedReport:
    # Sixteen accounts: the twelve scripted stories and four random ones.
    return seed_demo(accounts=16, seed=7, as_of=AS_OF)


def story(name: str) -> Account:
    return Account.objects.get(key=STORIES[name])


def checksum() -> str:
    digest = hashlib.sha256()
    tables = [
        (Account, ("id", "name", "owner_id", "tier", "wallet_yearly", "created_at")),
        (Person, ("id", "name", "owner_id", "notes", "birthday", "created_at")),
        (Employment, ("id", "person_id", "account_id", "function", "start", "end")),
        (Interaction, ("id", "started_at", "channel", "level", "summary", "account_id")),
        (InteractionPerson, ("id", "interaction_id", "person_id")),
        (InteractionColleague, ("id", "interaction_id", "colleague_id")),
        (Commitment, ("id", "interaction_id", "status", "due", "closed_on")),
        (Holding, ("id", "account_id", "product_line_id", "year", "revenue")),
        (TimelineEvent, ("id", "kind", "occurred_at", "person_id", "account_id", "data")),
        (User, ("id", "username", "role", "team_id")),
    ]
    for model, fields in tables:
        for row in model._default_manager.order_by("pk").values_list(*fields):
            digest.update(repr(row).encode())
    return digest.hexdigest()


class _Rollback(Exception):
    pass


def seed_in_savepoint(**kwargs: object) -> tuple[str, SeedReport, int]:
    """Seed, checksum and count the statements, then undo it all."""
    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            report = seed_demo(as_of=AS_OF, **kwargs)  # type: ignore[arg-type]
            result = (checksum(), report, len(queries))
            raise _Rollback
    except _Rollback:
        return result


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data_ids_included() -> None:
    # given two seeds of the same size and seed in the same emptied database
    first, report, _ = seed_in_savepoint(accounts=14, seed=3)
    second, _, _ = seed_in_savepoint(accounts=14, seed=3)
    other, _, _ = seed_in_savepoint(accounts=14, seed=4)
    # then they are identical, and another seed is not
    assert report.rows["interactions.Interaction"] > 3000
    assert first == second
    assert other != first


@pytest.mark.django_db
def test_the_number_of_statements_does_not_grow_with_the_rows() -> None:
    # given a small and a larger seed
    _, small, small_queries = seed_in_savepoint(accounts=5, seed=1)
    _, large, large_queries = seed_in_savepoint(accounts=20, seed=1)
    # then the larger one wrote thousands more rows with only a few more batches
    assert large.total_rows - small.total_rows > 3000
    assert large_queries <= small_queries + 12
    assert large_queries < 150


def test_bow_tie_one_pair_carries_the_relationship(seeded: SeedReport) -> None:
    account = story("bow_tie")
    since = AS_OF - timedelta(days=180)
    recent = Interaction.objects.filter(account=account, started_at__date__gte=since)
    pairs = (
        InteractionPerson.objects.filter(interaction__in=recent)
        .values("person_id", "interaction__colleague_links__colleague_id")
        .annotate(n=Count("interaction_id", distinct=True))
        .order_by("-n")
    )
    top = pairs[0]
    assert top["n"] / recent.count() >= 0.8
    assert top["person_id"] == Person.objects.get(key=STORY_PEOPLE["bow_tie_contact"]).pk
    assert (
        InteractionColleague.objects.filter(interaction__in=recent)
        .values("colleague_id")
        .distinct()
        .count()
        == 1
    )


def test_diamond_has_many_people_across_functions_and_no_dominant_pair(
    seeded: SeedReport,
) -> None:
    account = story("diamond")
    recent = Interaction.objects.filter(
        account=account, started_at__date__gte=AS_OF - timedelta(days=180)
    )
    people = Person.objects.filter(interaction_links__interaction__in=recent).distinct()
    functions = set(
        Employment.objects.filter(account=account, person__in=people).values_list(
            "function", flat=True
        )
    )
    colleagues = InteractionColleague.objects.filter(interaction__in=recent)
    assert people.count() >= 3 and len(functions) >= 2
    assert len({c.colleague.function for c in colleagues.select_related("colleague")}) >= 2
    pairs = Counter(
        InteractionPerson.objects.filter(interaction__in=recent).values_list(
            "person_id", "interaction__colleague_links__colleague_id"
        )
    )
    assert max(pairs.values()) / recent.count() <= 0.5


def test_the_job_changer_left_one_account_for_another(seeded: SeedReport) -> None:
    person = Person.objects.get(key=STORY_PEOPLE["job_changer"])
    ended = Employment.objects.get(person=person, end__isnull=False)
    current = Employment.objects.get(person=person, end__isnull=True)
    assert ended.account == story("job_change_from")
    assert current.account == story("job_change_to")
    assert ended.end is not None and current.start is not None and ended.end < current.start
    assert person.emails.count() == 2
    assert Interaction.objects.filter(
        people=person, account=current.account, started_at__date__gte=current.start
    ).exists()
    assert (
        TimelineEvent.objects.filter(
            person=person, kind__in=[EventKind.EMPLOYMENT_ENDED, EventKind.EMPLOYMENT_STARTED]
        ).count()
        == 2
    )


def test_every_interaction_account_matches_the_employments_at_its_date(
    seeded: SeedReport, django_assert_num_queries: object
) -> None:
    covering = Employment.objects.filter(
        person=OuterRef("person"),
        account=OuterRef("interaction__account"),
        start__lte=OuterRef("day"),
    ).filter(Q(end__isnull=True) | Q(end__gte=OuterRef("day")))
    with django_assert_num_queries(1):  # type: ignore[operator]
        mismatched = (
            InteractionPerson.objects.annotate(day=TruncDate("interaction__started_at"))
            .annotate(ok=Exists(covering))
            .filter(ok=False)
            .count()
        )
    assert InteractionPerson.objects.count() > 3000
    assert mismatched == 0


def test_going_silent_fewer_contacts_and_unanswered_outreach(seeded: SeedReport) -> None:
    account = story("going_silent")
    interactions = Interaction.objects.filter(account=account)
    last_three = list(interactions.order_by("-started_at")[:3])
    assert all(i.direction == Direction.OUTBOUND for i in last_three)
    assert all(i.channel == Channel.EMAIL for i in last_three)
    recent = interactions.filter(started_at__date__gte=AS_OF - timedelta(days=90))
    before = interactions.filter(
        started_at__date__gte=AS_OF - timedelta(days=180),
        started_at__date__lt=AS_OF - timedelta(days=90),
    )
    assert recent.count() < before.count()
    assert not recent.filter(direction=Direction.INBOUND).exists()
    assert interactions.filter(direction=Direction.INBOUND).count() > 50
    assert not Initiative.objects.filter(
        account=account, proposed_on__gte=AS_OF - timedelta(days=365)
    ).exists()


def test_level_dropped_to_operational_only(seeded: SeedReport) -> None:
    interactions = Interaction.objects.filter(account=story("level_dropped"))
    cut = AS_OF - timedelta(days=110)
    assert set(interactions.filter(started_at__date__gte=cut).values_list("level", flat=True)) == {
        Level.OPERATIONAL
    }
    assert interactions.filter(started_at__date__lt=cut, level=Level.STRATEGIC).count() > 20


def test_meetings_shrink(seeded: SeedReport) -> None:
    meetings = Interaction.objects.filter(
        account=story("shrinking_meetings"), channel=Channel.MEETING
    )
    first_year = [
        m.duration_min for m in meetings.filter(started_at__date__lt=AS_OF - timedelta(days=730))
    ]
    last_half = [
        m.duration_min for m in meetings.filter(started_at__date__gte=AS_OF - timedelta(days=180))
    ]
    assert sum(last_half) / len(last_half) < 0.7 * sum(first_year) / len(first_year)
    assert ContactPlan.objects.filter(
        person__employments__account=story("shrinking_meetings")
    ).exists()


def test_every_kind_of_promise(seeded: SeedReport) -> None:
    promises = Commitment.objects.filter(account=story("transitional"))
    statuses = set(promises.values_list("status", flat=True))
    assert {
        CommitmentStatus.KEPT,
        CommitmentStatus.KEPT_LATE,
        CommitmentStatus.BROKEN,
        CommitmentStatus.RENEGOTIATED,
        CommitmentStatus.OPEN,
    } <= statuses
    assert promises.filter(status=CommitmentStatus.OPEN, due__lt=AS_OF).exists()  # overdue
    assert promises.filter(status=CommitmentStatus.OPEN, due__gte=AS_OF).exists()
    late = promises.get(status=CommitmentStatus.KEPT_LATE)
    assert late.closed_on and late.due and late.closed_on > late.due
    assert all(p.interaction_id for p in promises)


def test_complaints_fast_slow_and_open_and_concerns(seeded: SeedReport) -> None:
    account = story("complaints")
    complaints = list(Complaint.objects.filter(account=account).order_by("opened"))
    fast, slow, still_open = complaints
    assert fast.resolved and (fast.resolved - fast.opened).days <= 2
    assert slow.resolved and (slow.resolved - slow.opened).days >= 30
    assert still_open.resolved is None and still_open.first_response is not None
    concerns = Concern.objects.filter(account=account)
    assert concerns.filter(resolved__isnull=True).exists()
    assert concerns.filter(resolved__isnull=False).exists()


def test_habitual_concessions_against_an_ordinary_peer(seeded: SeedReport) -> None:
    def quarters(account: Account) -> set[int]:
        return {
            (AS_OF - c.granted_on).days // 91
            for c in Concession.objects.filter(
                account=account, granted_on__gt=AS_OF - timedelta(days=364)
            )
        }

    habitual, ordinary = story("habitual_concessions"), story("ordinary_concessions")
    assert len(quarters(habitual)) >= 3
    assert Concession.objects.filter(account=ordinary).count() == 1
    assert habitual.tier == ordinary.tier


def test_a_meal_with_a_new_contact_and_one_without(seeded: SeedReport) -> None:
    account = story("meals")
    new = Person.objects.get(key=STORY_PEOPLE["meal_new_contact"])
    first = Interaction.objects.filter(people=new).order_by("started_at").first()
    assert first is not None and first.channel == Channel.MEAL
    meals = Interaction.objects.filter(account=account, channel=Channel.MEAL).exclude(pk=first.pk)
    assert meals.exists()
    for meal in meals:
        for person in meal.people.all():
            assert Interaction.objects.filter(
                people=person, started_at__lt=meal.started_at
            ).exists()


def test_growth_value_and_initiatives(seeded: SeedReport) -> None:
    account = story("diamond")
    lines_by_year = dict(
        Holding.objects.filter(account=account)
        .values_list("year")
        .annotate(n=Count("product_line"))
        .order_by("year")
    )
    years = sorted(lines_by_year)
    assert len(years) == 4 and lines_by_year[years[-1]] > lines_by_year[years[0]]
    values = ValueItem.objects.filter(account=account)
    assert values.filter(communicated_on__isnull=True).exists()
    assert values.filter(communicated_on__isnull=False).exists()
    outcomes = set(Initiative.objects.filter(account=account).values_list("outcome", flat=True))
    assert outcomes == {Outcome.ACCEPTED, Outcome.DECLINED, Outcome.PENDING}


def test_levels_left_empty_on_a_share_and_bilingual_summaries(seeded: SeedReport) -> None:
    total = Interaction.objects.count()
    empty = Interaction.objects.filter(level="").count()
    assert 0.02 < empty / total < 0.3
    assert Interaction.objects.filter(summary__icontains="Revisión trimestral").exists() or (
        Interaction.objects.filter(summary__icontains="satisfechos").exists()
    )
    assert (
        Interaction.objects.filter(account__key=STORIES["diamond"])
        .exclude(summary="")
        .filter(Q(summary__icontains="the") | Q(summary__icontains="our"))
        .exists()
    )


def test_one_user_per_role_and_the_account_manager_owns_people(seeded: SeedReport) -> None:
    for role in Role:
        assert User.objects.filter(role=role).exists(), role
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        assert user.check_password(login.password)
        assert user.role == login.role
    lucia = User.objects.get(username="lucia")
    colleague = lucia.colleague
    assert Account.objects.filter(owner=colleague).count() >= 5
    owned = Person.objects.filter(owner=colleague)
    assert owned.filter(employments__end__isnull=True).exists()
    assert TimelineEvent.objects.filter(kind=EventKind.PERSON_CREATED).count() == (
        Person.objects.count()
    )


def test_rows_made_after_the_seed_get_fresh_ids(seeded: SeedReport) -> None:
    # The seed sets ids itself; PostgreSQL's sequences must have been moved past them.
    user = User.objects.create_user("newcomer", password="x")
    person = Person.objects.create(name="Nueva Persona")
    team = Team.objects.create(name="Este")
    assert user.pk > max(User.objects.exclude(pk=user.pk).values_list("pk", flat=True))
    assert person.pk == Person.objects.count()
    assert team.pk > 2


def test_if_empty_leaves_a_filled_database_alone(seeded: SeedReport) -> None:
    before = Interaction.objects.count()
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", "--if-empty", "--no-progress", stdout=out)
    assert "already has people" in out.getvalue()
    assert Interaction.objects.count() == before
    with pytest.raises(CommandError):
        call_command("seed_demo", "--no-progress", stdout=StringIO())
    assert Interaction.objects.count() == before


@pytest.mark.django_db
def test_the_command_seeds_an_empty_database_and_prints_the_logins() -> None:
    out = StringIO()
    with translation.override("en"):
        call_command(
            "seed_demo", "--accounts", "12", "--as-of", "2026-11-23", "--no-progress", stdout=out
        )
    assert "12 accounts" in out.getvalue()
    assert Account.objects.count() == 12
    logins = StringIO()
    call_command("demo_logins", stdout=logins)
    text = logins.getvalue()
    assert "http://127.0.0.1:8000" in text
    for login in DEMO_LOGINS:
        assert login.username in text and login.password in text


@pytest.mark.django_db
def test_existing_users_and_teams_are_kept() -> None:
    # given an administrator and a team made before the first seed
    User.objects.create_superuser("admin", password="their own password")
    Team.objects.create(name="Norte")
    # when the demo is seeded
    report = seed_demo(accounts=12, seed=0, as_of=AS_OF)
    # then the existing ones are untouched and the rest are added
    assert User.objects.get(username="admin").check_password("their own password")
    assert report.rows["users.User"] == len(DEMO_LOGINS) - 1
    assert Team.objects.filter(name="Norte").count() == 1
    assert User.objects.get(username="lucia").team == Team.objects.get(name="Norte")


@pytest.mark.django_db
def test_the_progress_bar_goes_to_the_commands_stderr() -> None:
    err = StringIO()
    call_command("seed_demo", "--accounts", "12", stdout=StringIO(), stderr=err)
    assert "12/12" in err.getvalue()
