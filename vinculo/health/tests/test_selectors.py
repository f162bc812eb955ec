"""The fairness report and health on a past date."""

from __future__ import annotations

import datetime as dt

import pytest

from vinculo.growth.models import Concession
from vinculo.health.models import Play, PlayKind
from vinculo.health.selectors import fairness_report, health_on
from vinculo.health.services import health_recompute
from vinculo.health.tests.stories import AS_OF, Story, days_before

pytestmark = pytest.mark.django_db


def test_fairness_report_shows_distribution_and_history() -> None:
    friend = Story.new("Amigo")
    others = [Story.new(f"Par{i}") for i in range(5)]
    for n in (10, 100, 190):
        Concession.objects.create(account=friend.account, granted_on=days_before(n), kind="gift")
    Concession.objects.create(account=others[0].account, granted_on=days_before(5), kind="discount")
    report = fairness_report(AS_OF)
    [tier] = report["tiers"]
    assert tier["accounts"] == 6
    top = tier["rows"][0]
    assert top.account_id == friend.account.pk and top.flagged and top.habitual
    assert top.by_quarter == {"2026-Q2": 1, "2026-Q1": 1, "2025-Q4": 1}
    assert not any(r.flagged for r in tier["rows"][1:])


def test_health_on_a_past_date_is_a_query_of_stored_snapshots() -> None:
    s = Story.new("Historia")
    ana = s.person("Ana")
    s.colleague("Luis")
    s.talk(days_before(5), ["Luis"], ["Ana"])
    health_recompute(as_of=AS_OF - dt.timedelta(days=30))
    health_recompute(as_of=AS_OF)
    past = health_on(as_of=AS_OF - dt.timedelta(days=10), person=ana)
    assert past is not None and past.as_of == AS_OF - dt.timedelta(days=30)
    now = health_on(as_of=AS_OF, person=ana)
    assert now is not None and now.overall > past.overall
    assert Play.objects.filter(kind=PlayKind.CADENCE_OVERDUE).count() == 0
