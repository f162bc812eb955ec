"""The demo's promises look like a real team's: most kept on time, a few late by days or
weeks, none forgotten for years (issue 11: promises were up to 1,053 days overdue)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from vinculo.commitments.models import Commitment
from vinculo.demo.generator import PROMISE_OVERDUE_MAX_DAYS, seed_demo
from vinculo.health.facts import promise_facts
from vinculo.vocab import CommitmentStatus

AS_OF = date(2026, 11, 23)


@pytest.fixture
def default_demo(db: None) -> None:
    # The command's defaults: `vinculo seed_demo` (60 accounts, seed 0).
    seed_demo(accounts=60, seed=0, as_of=AS_OF)


def _overdue_days(as_of: date) -> list[int]:
    """Days overdue of each account's oldest open promise as of a date, as the engine reads it."""
    facts = promise_facts(as_of, "account_id", None)
    return sorted(f.oldest_overdue_days for f in facts.values() if f.overdue_open)


def test_most_promises_are_kept_on_time_and_few_are_overdue(default_demo: None) -> None:
    facts = promise_facts(AS_OF, "account_id", None).values()
    due = sum(f.due for f in facts)
    on_time = sum(f.kept_on_time for f in facts)
    overdue = sum(f.overdue_open for f in facts)
    assert (due, on_time, overdue) == (448, 348, 4)
    assert _overdue_days(AS_OF) == [5, 8, 9, 28]


def test_no_promise_is_overdue_by_more_than_weeks_on_any_date(default_demo: None) -> None:
    for days_back in (0, 30, 200, 400, 700):
        worst = _overdue_days(AS_OF - timedelta(days=days_back))
        assert worst and worst[-1] <= PROMISE_OVERDUE_MAX_DAYS, (days_back, worst)


def test_open_promises_past_due_are_recent(default_demo: None) -> None:
    late = Commitment.objects.filter(status=CommitmentStatus.OPEN, due__lt=AS_OF)
    assert min(late.values_list("due", flat=True)) >= AS_OF - timedelta(
        days=PROMISE_OVERDUE_MAX_DAYS
    )
