"""Bug: after logging a call the contact plan's Next due stayed on the old date (M17)."""

from datetime import UTC, date, datetime

import pytest

from vinculo.factories import PersonFactory
from vinculo.interactions.services import interaction_log
from vinculo.people.models import ContactPlan
from vinculo.people.services import contact_plan_set

pytestmark = pytest.mark.django_db


def test_a_call_moves_next_due_to_the_day_plus_the_cadence():
    person = PersonFactory()
    contact_plan_set(person=person, every_days=14, next_due=date(2026, 11, 20))
    interaction_log(
        started_at=datetime(2026, 11, 18, 10, tzinfo=UTC), channel="call", people=[person]
    )
    plan = ContactPlan.objects.get(person=person)
    assert (plan.next_due, plan.version) == (date(2026, 12, 2), 2)


def test_a_contact_logged_late_for_an_old_date_does_not_move_it_back():
    person = PersonFactory()
    contact_plan_set(person=person, every_days=14, next_due=date(2026, 12, 10))
    interaction_log(
        started_at=datetime(2026, 11, 1, 10, tzinfo=UTC), channel="call", people=[person]
    )
    plan = ContactPlan.objects.get(person=person)
    assert (plan.next_due, plan.version) == (date(2026, 12, 10), 1)
