"""Each play kind on a small story, and the play lifecycle."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from vinculo.commitments.models import Commitment, Complaint, Initiative
from vinculo.growth.models import Concession, Holding, ProductLine, ValueItem
from vinculo.health.compute import compute
from vinculo.health.models import Play, PlayKind, PlayStatus
from vinculo.health.plays import Candidate, detect, reason_and_action
from vinculo.health.services import health_recompute
from vinculo.health.tests.stories import AS_OF, Story, days_before
from vinculo.people.models import Employment
from vinculo.people.services import contact_plan_set
from vinculo.vocab import AccountStatus, Channel, Direction, Function, Level

pytestmark = pytest.mark.django_db


def plays(kind: str, as_of: dt.date = AS_OF) -> list[Candidate]:
    return [c for c in detect(compute(as_of)) if c.kind == kind]


def test_cadence_overdue() -> None:
    s = Story.new("Acme")
    ana = s.person("Ana")
    s.colleague("Luis")
    s.talk(days_before(40), ["Luis"], ["Ana"])
    contact_plan_set(person=ana, every_days=30, agreed=True)
    [play] = plays(PlayKind.CADENCE_OVERDUE)
    assert play.person_id == ana.pk
    with translation.override("en"):
        reason, _action = reason_and_action(play.kind, play.facts)
    assert reason == "Last two-way contact 40 days ago; the cadence is every 30 days."


def test_not_overdue_within_the_cadence() -> None:
    s = Story.new("Acme")
    ana = s.person("Ana")
    s.colleague("Luis")
    s.talk(days_before(20), ["Luis"], ["Ana"])
    contact_plan_set(person=ana, every_days=30)
    assert plays(PlayKind.CADENCE_OVERDUE) == []


def test_going_silent_after_three_unanswered_contacts() -> None:
    s = Story.new("Silencio")
    ana = s.person("Ana")
    s.colleague("Luis")
    s.talk(days_before(60), ["Luis"], ["Ana"], direction=Direction.INBOUND, channel=Channel.EMAIL)
    for n in (30, 20, 10):
        s.talk(days_before(n), ["Luis"], ["Ana"], channel=Channel.EMAIL)
    found = [p for p in plays(PlayKind.GOING_SILENT) if p.person_id == ana.pk]
    assert found and found[0].facts["reasons"] == [{"rule": "unanswered", "count": 3}]


def test_going_silent_against_their_own_rhythm() -> None:
    s = Story.new("Ritmo")
    ana = s.person("Ana")
    s.colleague("Luis")
    # They wrote every ~20 days for most of a year, then nothing for 100 days.
    for n in range(100, 360, 20):
        s.talk(days_before(n), ["Luis"], ["Ana"], direction=Direction.INBOUND)
    [play] = [p for p in plays(PlayKind.GOING_SILENT) if p.person_id == ana.pk]
    assert play.facts["reasons"][0]["rule"] == "gap"
    assert play.facts["reasons"][0]["gap"] == 100


def test_meetings_shrinking() -> None:
    s = Story.new("Corto")
    s.person("Ana")
    s.colleague("Luis")
    for n in (200, 230, 260):
        s.talk(days_before(n), ["Luis"], ["Ana"], minutes=60)
    for n in (20, 50, 80):
        s.talk(days_before(n), ["Luis"], ["Ana"], minutes=20)
    [play] = plays(PlayKind.MEETINGS_SHRINKING)
    assert play.facts == {"now": 20, "before": 60, "count_now": 3, "count_before": 3, "days": 180}
    with translation.override("es"):
        reason, _action = reason_and_action(play.kind, play.facts)
    assert reason == (
        "Las reuniones son cada vez más cortas: 20 minutos de media en 3 reuniones de los "
        "últimos 180 días, frente a 60 minutos en 3 reuniones los 180 días anteriores."
    )


def test_level_dropped_when_only_operational() -> None:
    s = Story.new("Operativo")
    s.person("Ana")
    s.colleague("Luis")
    for n in (10, 40, 70):
        s.talk(days_before(n), ["Luis"], ["Ana"], level=Level.OPERATIONAL)
    found = plays(PlayKind.LEVEL_DROPPED)
    # Raised for the person and for their account.
    assert {(p.person_id, p.account_id) for p in found} == {
        (s.people["Ana"].pk, s.account.pk),
        (None, s.account.pk),
    }
    s.talk(days_before(5), ["Luis"], ["Ana"], level=Level.STRATEGIC)
    assert plays(PlayKind.LEVEL_DROPPED) == []


def test_single_channel() -> None:
    s = Story.new("Canal")
    s.person("Ana")
    s.colleague("Luis")
    for n in (10, 30, 50, 70):
        s.talk(days_before(n), ["Luis"], ["Ana"], channel=Channel.CALL)
    assert len(plays(PlayKind.SINGLE_CHANNEL)) == 1


def test_promise_overdue_and_broken() -> None:
    s = Story.new("Promesas")
    ana = s.person("Ana")
    Commitment.objects.create(
        person=ana,
        account=s.account,
        text="Enviar oferta",
        made_on=days_before(30),
        due=days_before(10),
    )
    Commitment.objects.create(
        person=ana,
        account=s.account,
        text="Demo",
        made_on=days_before(60),
        due=days_before(40),
        status="broken",
        closed_on=days_before(5),
    )
    # Kept on time: no play.
    Commitment.objects.create(
        person=ana,
        text="Llamar",
        made_on=days_before(30),
        due=days_before(20),
        status="kept",
        closed_on=days_before(21),
    )
    [overdue] = plays(PlayKind.PROMISE_OVERDUE)
    assert overdue.facts["text"] == "Enviar oferta" and overdue.facts["days_late"] == 10
    [broken] = plays(PlayKind.PROMISE_BROKEN)
    assert broken.facts["text"] == "Demo"


def test_a_promise_kept_after_the_date_was_still_overdue_at_the_date() -> None:
    s = Story.new("Tarde")
    ana = s.person("Ana")
    Commitment.objects.create(
        person=ana,
        text="Informe",
        made_on=days_before(30),
        due=days_before(10),
        status="kept",
        closed_on=AS_OF + dt.timedelta(days=3),
    )
    assert len(plays(PlayKind.PROMISE_OVERDUE)) == 1
    assert plays(PlayKind.PROMISE_OVERDUE, AS_OF + dt.timedelta(days=3)) == []


def test_complaint_open_without_answer() -> None:
    s = Story.new("Queja")
    ana = s.person("Ana")
    Complaint.objects.create(account=s.account, person=ana, opened=days_before(3), severity="high")
    Complaint.objects.create(
        account=s.account,
        person=ana,
        opened=days_before(3),
        severity="low",
        first_response=days_before(2),
    )
    found = plays(PlayKind.COMPLAINT_OPEN)
    assert [p.facts["severity"] for p in found] == ["high"]


def test_bow_tie_names_whom_to_introduce() -> None:
    s = Story.new("Lazo")
    s.person("Ana", Function.PURCHASING)
    s.person("Pedro", Function.PRODUCTION)
    s.colleague("Luis", Function.SALES)
    s.colleague("Marta", Function.TECHNICAL_SERVICE)
    s.every(10, 8, ["Luis"], ["Ana"])
    [play] = plays(PlayKind.BOW_TIE)
    assert play.facts["introduce"] == [
        {
            "ours": "Marta",
            "our_function": "technical_service",
            "theirs": "Pedro",
            "their_function": "production",
        }
    ]
    with translation.override("en"):
        _reason, action = reason_and_action(play.kind, play.facts)
    assert action == "Introduce our Marta (technical service) to their Pedro (production)."


def test_no_initiative() -> None:
    s = Story.new("Ideas")
    s.person("Ana")
    s.colleague("Luis")
    s.talk(days_before(5), ["Luis"], ["Ana"])
    Initiative.objects.create(account=s.account, proposed_on=days_before(400), text="Old idea")
    assert len(plays(PlayKind.NO_INITIATIVE)) == 1
    Initiative.objects.create(account=s.account, proposed_on=days_before(10), text="New idea")
    assert plays(PlayKind.NO_INITIATIVE) == []


def test_only_the_latest_meal_without_a_new_contact_raises_a_play() -> None:
    s = Story.new("Comidas")
    s.person("Ana")
    s.colleague("Luis")
    s.talk(days_before(200), ["Luis"], ["Ana"])
    s.talk(days_before(40), ["Luis"], ["Ana"], channel=Channel.MEAL)
    latest = s.talk(days_before(10), ["Luis"], ["Ana"], channel=Channel.MEAL)
    [play] = plays(PlayKind.MEAL_WITHOUT_NEW_CONTACT)
    assert play.facts["interaction"] == latest.pk


def test_a_short_pause_of_a_chatty_client_is_not_silence() -> None:
    s = Story.new("Charla")
    ana = s.person("Ana")
    s.colleague("Luis")
    for n in range(20, 360, 5):  # they write every 5 days; now 20 days without word
        s.talk(days_before(n), ["Luis"], ["Ana"], direction=Direction.INBOUND)
    assert [p for p in plays(PlayKind.GOING_SILENT) if p.person_id == ana.pk] == []


def test_meal_without_new_contact() -> None:
    s = Story.new("Comida")
    s.person("Ana")
    s.person("Nuevo")
    s.colleague("Luis")
    s.talk(days_before(200), ["Luis"], ["Ana"])
    old = s.talk(days_before(30), ["Luis"], ["Ana"], channel=Channel.MEAL)
    s.talk(days_before(20), ["Luis"], ["Ana", "Nuevo"], channel=Channel.MEAL)  # Nuevo is new
    [play] = plays(PlayKind.MEAL_WITHOUT_NEW_CONTACT)
    assert play.facts["interaction"] == old.pk


def test_contact_moved_warns_the_old_account_and_flags_the_new() -> None:
    old = Story.new("Antigua")
    ana = old.person("Ana", end=days_before(20))
    new = Story.new("Nueva")
    Employment.objects.create(person=ana, account=new.account, start=days_before(19))
    found = plays(PlayKind.CONTACT_MOVED)
    assert {(p.account_id, p.facts["side"]) for p in found} == {
        (old.account.pk, "lost"),
        (new.account.pk, "gained"),
    }


def test_value_not_communicated() -> None:
    s = Story.new("Valor")
    ValueItem.objects.create(account=s.account, date=days_before(60), kind="saving", amount=1000)
    ValueItem.objects.create(
        account=s.account, date=days_before(60), kind="time", communicated_on=days_before(30)
    )
    [play] = plays(PlayKind.VALUE_NOT_COMMUNICATED)
    assert play.facts["items"] == 1


def test_habitual_concessions_are_flagged_but_one_ordinary_concession_is_not() -> None:
    habitual = Story.new("Amigo")
    ordinary = Story.new("Normal")
    for n in (10, 100, 190):
        Concession.objects.create(
            account=habitual.account, granted_on=days_before(n), kind="discount"
        )
    Concession.objects.create(account=ordinary.account, granted_on=days_before(10), kind="discount")
    found = plays(PlayKind.CONCESSION_OUTLIER)
    assert [p.account_id for p in found] == [habitual.account.pk]
    assert found[0].facts["quarters"] == 3


def _tier_with_holdings(
    revenues: list[int], lines_per: list[int], last_status: str = AccountStatus.ACTIVE
) -> list[Story]:
    lines = [ProductLine.objects.create(name=f"Línea {i}") for i in range(4)]
    stories = []
    for i, (revenue, nlines) in enumerate(zip(revenues, lines_per, strict=True)):
        status = last_status if i == len(revenues) - 1 else AccountStatus.ACTIVE
        s = Story.new(f"Cliente{i}", wallet_yearly=Decimal(200_000), status=status)
        for line in lines[:nlines]:
            Holding.objects.create(
                account=s.account, product_line=line, year=AS_OF.year - 1, revenue=revenue
            )
            Holding.objects.create(
                account=s.account, product_line=line, year=AS_OF.year - 2, revenue=revenue
            )
        stories.append(s)
    return stories


def test_growth_opportunity_against_tier_peers() -> None:
    stories = _tier_with_holdings([50_000, 50_000, 50_000, 50_000, 2_000], [3, 3, 3, 3, 1])
    found = plays(PlayKind.GROWTH_OPPORTUNITY)
    assert [p.account_id for p in found] == [stories[-1].account.pk]


def test_reconsider_high_effort_low_value() -> None:
    stories = _tier_with_holdings([50_000, 50_000, 50_000, 50_000, 2_000], [3, 3, 3, 3, 3])
    costly = stories[-1]
    costly.person("Ana")
    costly.colleague("Luis")
    costly.every(5, 15, ["Luis"], ["Ana"])
    found = plays(PlayKind.RECONSIDER)
    assert [p.account_id for p in found] == [costly.account.pk]


# --- lifecycle ---------------------------------------------------------------------------


def overdue_story() -> tuple[Story, int]:
    s = Story.new("Ciclo")
    ana = s.person("Ana")
    s.colleague("Luis")
    s.talk(days_before(40), ["Luis"], ["Ana"])
    contact_plan_set(person=ana, every_days=30)
    return s, ana.pk


def cadence_plays(person_id: int) -> list[Play]:
    return list(Play.objects.filter(kind=PlayKind.CADENCE_OVERDUE, person_id=person_id))


def test_a_play_is_not_raised_again_while_the_condition_holds() -> None:
    _s, pid = overdue_story()
    health_recompute(as_of=AS_OF)
    health_recompute(as_of=AS_OF + dt.timedelta(days=1))
    [play] = cadence_plays(pid)
    assert play.status == PlayStatus.OPEN and play.raised_on == AS_OF
    assert play.facts["days_since"] == 41


def test_a_dismissed_play_stays_dismissed_until_the_facts_change() -> None:
    s, pid = overdue_story()
    health_recompute(as_of=AS_OF)
    Play.objects.filter(person_id=pid).update(status=PlayStatus.DISMISSED, dismissed_reason="x")
    health_recompute(as_of=AS_OF + dt.timedelta(days=5))
    assert [p.status for p in cadence_plays(pid)] == [PlayStatus.DISMISSED]
    # New facts: a contact, then overdue again later -> a new play.
    s.talk(AS_OF + dt.timedelta(days=6), ["Luis"], ["Ana"])
    health_recompute(as_of=AS_OF + dt.timedelta(days=50))
    statuses = sorted(p.status for p in cadence_plays(pid))
    assert statuses == [PlayStatus.DISMISSED, PlayStatus.OPEN]


def test_a_snoozed_play_comes_back_after_its_date() -> None:
    _s, pid = overdue_story()
    health_recompute(as_of=AS_OF)
    Play.objects.filter(person_id=pid).update(
        status=PlayStatus.SNOOZED, snoozed_until=AS_OF + dt.timedelta(days=7)
    )
    health_recompute(as_of=AS_OF + dt.timedelta(days=3))
    assert cadence_plays(pid)[0].status == PlayStatus.SNOOZED
    health_recompute(as_of=AS_OF + dt.timedelta(days=7))
    assert cadence_plays(pid)[0].status == PlayStatus.OPEN


def test_an_open_play_closes_when_its_condition_ends() -> None:
    s, pid = overdue_story()
    health_recompute(as_of=AS_OF)
    s.talk(AS_OF + dt.timedelta(days=1), ["Luis"], ["Ana"])
    report = health_recompute(as_of=AS_OF + dt.timedelta(days=2))
    assert cadence_plays(pid)[0].status == PlayStatus.DONE
    assert report.plays["closed"] == 1


# --- fewer false alarms ---------------------------------------------------------------------


def test_one_short_call_after_long_meetings_is_not_meetings_shrinking() -> None:
    s = Story.new("Llamada")
    s.person("Ana")
    s.colleague("Luis")
    for n in (200, 230, 260):
        s.talk(days_before(n), ["Luis"], ["Ana"], minutes=60)
    s.talk(days_before(5), ["Luis"], ["Ana"], channel=Channel.CALL, minutes=15)
    assert plays(PlayKind.MEETINGS_SHRINKING) == []
    # Two more short calls make it a trend.
    for n in (30, 60):
        s.talk(days_before(n), ["Luis"], ["Ana"], channel=Channel.CALL, minutes=15)
    [play] = plays(PlayKind.MEETINGS_SHRINKING)
    assert (play.facts["now"], play.facts["count_now"]) == (15, 3)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (
            AccountStatus.ACTIVE,
            {PlayKind.GROWTH_OPPORTUNITY, PlayKind.NO_INITIATIVE, PlayKind.RECONSIDER},
        ),
        (AccountStatus.LOST, set()),
    ],
)
def test_a_lost_account_raises_no_growth_initiative_or_reconsider_play(
    status: str, expected: set[str]
) -> None:
    # A costly account with little revenue, one product line, and no idea brought: when
    # active it calls for all three plays; once lost, for none.
    stories = _tier_with_holdings([50_000, 50_000, 50_000, 50_000, 2_000], [3, 3, 3, 3, 1], status)
    costly = stories[-1]
    costly.person("Ana")
    costly.colleague("Luis")
    costly.every(5, 15, ["Luis"], ["Ana"])
    kinds = (PlayKind.GROWTH_OPPORTUNITY, PlayKind.NO_INITIATIVE, PlayKind.RECONSIDER)
    found = [c for c in detect(compute(AS_OF)) if c.kind in kinds]
    assert {c.kind for c in found} == expected
    assert {c.account_id for c in found} <= {costly.account.pk}
