"""The agenda on the seeded demo: a realistic data set, every user, every open play."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Q

from vinculo.demo.generator import seed_demo
from vinculo.health.agenda import AgendaConfig, agenda_for, subject_people
from vinculo.health.models import Play, PlayStatus
from vinculo.health.services import health_recompute
from vinculo.users.models import Role, User

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture
def demo(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    seed_demo(accounts=16, seed=7, as_of=AS_OF)
    health_recompute(as_of=AS_OF)


def open_plays(user: User, day: dt.date) -> set[int]:
    return set(
        Play.objects.filter(owner=user, raised_on__lte=day)
        .filter(Q(status=PlayStatus.OPEN) | Q(status=PlayStatus.SNOOZED, snoozed_until__lte=day))
        .values_list("pk", flat=True)
    )


def test_no_today_exceeds_capacity_and_every_open_play_is_in_exactly_one_item(
    demo: None,
) -> None:
    users = list(User.objects.order_by("username"))
    assert Play.objects.filter(status=PlayStatus.OPEN).count() > 100
    for user in users:
        agenda = agenda_for(day=AS_OF, user=user)

        assert len(agenda.today) <= user.daily_capacity == 10
        # The plays the user can act on: each of their open plays, once, in one item
        carried = Counter(r.play_id for item in agenda.items for r in item.reasons if r.actionable)
        assert set(carried) == open_plays(user, AS_OF), user.username
        assert set(carried.values()) <= {1}
        # Every item's plays are distinct across items, and no subject appears twice
        every = Counter(pk for item in agenda.items for pk in item.plays)
        assert set(every.values()) <= {1}
        subjects = [
            ("person", i.person_id) if i.person_id else ("account", i.account_id)
            for i in agenda.items
        ]
        assert len(subjects) == len(set(subjects)), user.username
        priorities = [i.priority for i in agenda.items]
        assert priorities == sorted(priorities, reverse=True)
        assert all(0 <= p <= 100 for p in priorities)


def test_the_account_manager_has_a_full_day_and_the_manager_has_escalations(demo: None) -> None:
    lucia = User.objects.get(username="lucia")
    agenda = agenda_for(day=AS_OF, user=lucia)
    assert len(agenda.today) == 10 and agenda.later
    # the day starts with what hurts most: a complaint, a silence, a promise
    assert agenda.today[0].reasons[0].kind in {
        "complaint_open",
        "going_silent",
        "promise_overdue",
        "promise_broken",
    }
    manager = User.objects.get(role=Role.MANAGER)
    escalations = agenda_for(day=AS_OF, user=manager)
    kinds = {r.kind for item in escalations.items for r in item.reasons}
    assert kinds & {"red_account", "critical_complaint", "untouched_play"}


def test_the_people_read_looks_each_person_up_whatever_the_statistics(demo: None) -> None:
    """The heaviest read of the agenda (usual channel and health trend per person) must
    go through the person's id, even after ANALYZE (as seed_demo runs): no scan of the
    interactions or of the snapshots, whose date indexes a planner may be tempted by."""
    ids = list(Play.objects.exclude(person=None).values_list("person_id", flat=True)[:50])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rows = subject_people(AS_OF, AgendaConfig()).filter(pk__in=ids)
    plan = rows.values_list("pk", "usual", "health_now", "health_before").explain()
    if connection.vendor == "sqlite":
        # Inside the subqueries tables go by aliases (U0, U1): every one is a SEARCH
        assert " SCAN U" not in plan
        assert "interaction_date" not in plan
        assert "sqlite_autoindex_interactions_interactionperson_1 (person_id=?)" in plan
        assert "sqlite_autoindex_health_healthsnapshot_1 (person_id=? AND as_of<?)" in plan
    else:
        assert "Seq Scan on interactions_interaction " not in plan
        assert "Seq Scan on health_healthsnapshot" not in plan
    assert len(list(rows.values_list("pk", "usual"))) == len(set(ids))
