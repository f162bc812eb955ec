"""The agenda, the fairness report and health on a past date."""

from __future__ import annotations

import datetime as dt

import pytest

from vinculo.commitments.models import Commitment, Complaint
from vinculo.factories import UserFactory
from vinculo.growth.models import Concession
from vinculo.health.models import Play, PlayKind
from vinculo.health.selectors import agenda_for, fairness_report, health_on
from vinculo.health.services import health_recompute
from vinculo.health.tests.stories import AS_OF, Story, days_before
from vinculo.people.services import contact_plan_set
from vinculo.vocab import Channel

pytestmark = pytest.mark.django_db


def my_story() -> tuple[Story, object]:
    user = UserFactory(username="ana")
    s = Story.new("Mía")
    luis = s.colleague("Luis")
    luis.user = user
    luis.save()
    s.account.owner = luis
    s.account.save()
    return s, user


def test_agenda_merges_due_contacts_promises_complaints_and_plays_by_importance() -> None:
    s, user = my_story()
    ana = s.person("Ana")
    s.talk(days_before(40), ["Luis"], ["Ana"], channel=Channel.VIDEO)
    contact_plan_set(person=ana, every_days=30)
    Commitment.objects.create(
        person=ana,
        account=s.account,
        text="Enviar oferta",
        made_on=days_before(30),
        due=days_before(10),
    )
    Complaint.objects.create(
        account=s.account,
        person=ana,
        opened=days_before(2),
        severity="critical",
        summary="Pedido roto",
    )
    health_recompute(as_of=AS_OF)

    items = agenda_for(user, AS_OF)

    kinds = [i.kind for i in items]
    assert kinds[0] == "complaint_open"  # critical first
    assert {"contact_due", "promise_overdue", "play"} <= set(kinds)
    [due] = [i for i in items if i.kind == "contact_due"]
    assert due.facts == {"days_since": 40, "every_days": 30}
    assert due.channel == Channel.VIDEO  # no channel agreed: their usual live channel
    assert any(i.play_id and i.kind == "play" for i in items)


def test_agenda_shows_nothing_of_other_peoples_portfolios() -> None:
    s, _user = my_story()
    s.person("Ana")
    Commitment.objects.create(
        person=s.people["Ana"], text="x", made_on=days_before(30), due=days_before(10)
    )
    stranger = UserFactory(username="otro")
    assert agenda_for(stranger, AS_OF) == []


def test_agenda_query_count_does_not_grow_with_the_portfolio(
    django_assert_max_num_queries: object,
) -> None:
    s, user = my_story()
    for i in range(15):
        p = s.person(f"P{i}")
        s.talk(days_before(40 + i), ["Luis"], [f"P{i}"])
        contact_plan_set(person=p, every_days=30)
    health_recompute(as_of=AS_OF)
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        items = agenda_for(user, AS_OF)
    assert len([i for i in items if i.kind == "contact_due"]) == 15


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
