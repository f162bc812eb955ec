"""The agenda a manager can finish (exchange.md section 5), on small hand-built stories.

Priorities are pinned to the values the defaults of ``AgendaConfig`` give; the arithmetic is
spelled out beside each so that a change of weights is a visible, deliberate change.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from vinculo.commitments.models import Commitment, Complaint
from vinculo.growth.models import Holding, ProductLine
from vinculo.health.agenda import (
    AgendaConfig,
    AgendaItem,
    agenda_for,
    agenda_settings_problems,
    line_strength,
    priority,
    stake,
)
from vinculo.health.models import HealthSnapshot, Play, PlayKind, PlayStatus
from vinculo.health.tests.stories import AS_OF, Story, days_before
from vinculo.people.models import Colleague, Person
from vinculo.users.models import Role, Team, User

pytestmark = pytest.mark.django_db

CFG = AgendaConfig()


# --- helpers -----------------------------------------------------------------------------


def make_play(
    kind: str,
    owner: User | None,
    *,
    person: Person | None = None,
    account: Any = None,
    facts: dict[str, Any],
    raised_on: dt.date = AS_OF,
    **extra: Any,
) -> Play:
    return Play.objects.create(
        kind=kind,
        person=person,
        account=account,
        facts=facts,
        owner=owner,
        raised_on=raised_on,
        due=raised_on,
        **extra,
    )


def cadence_snapshot(person: Person, *, day: dt.date, since: int | None, every: int) -> None:
    HealthSnapshot.objects.create(
        person=person,
        as_of=day,
        overall=60,
        band="yellow",
        components={
            "cadence": {
                "value": 50,
                "facts": {"days_since": since, "every_days": every, "agreed": True},
            }
        },
    )


def silent() -> dict[str, Any]:
    return {"reasons": [{"rule": "unanswered", "count": 4}]}


def by_person(items: list[AgendaItem]) -> dict[str, AgendaItem]:
    return {i.person_name: i for i in items if i.person_id}


def my_book(username: str = "ana") -> tuple[Story, User]:
    """Ana signs in; her colleague record Luis owns the account Acme (tier b)."""
    user = User.objects.create(username=username, email=f"{username}@us.example")
    s = Story.new("Acme")
    luis = s.colleague("Luis")
    luis.user = user
    luis.save()
    s.account.owner = luis
    s.account.save()
    return s, user


# --- the arithmetic --------------------------------------------------------------------


def test_line_strength_weighs_severity_answer_and_lateness() -> None:
    high = {"severity": "high", "age": 3, "answered": False, "target": 7}
    assert line_strength(PlayKind.COMPLAINT_OPEN, high, CFG) == 85  # 75 + 10 unanswered
    late = {"severity": "critical", "age": 5, "answered": False, "target": 2}
    assert line_strength(PlayKind.COMPLAINT_OPEN, late, CFG) == 100  # 85 + 10 + 5
    answered = {"severity": "low", "age": 3, "answered": True, "target": 30}
    assert line_strength(PlayKind.COMPLAINT_OPEN, answered, CFG) == 30
    # cadence: 40 + 15 x (20 days late / twice the 30-day cadence)
    cadence = {"days_since": 50, "every_days": 30}
    assert line_strength(PlayKind.CADENCE_OVERDUE, cadence, CFG) == 45
    # promise: 55 + 25 x 10/30 days late; full points from 30 days on
    assert line_strength(PlayKind.PROMISE_OVERDUE, {"days_late": 10}, CFG) == 63
    assert line_strength(PlayKind.PROMISE_OVERDUE, {"days_late": 700}, CFG) == 80
    assert line_strength(PlayKind.GOING_SILENT, silent(), CFG) == 75


def test_stake_weighs_tier_value_role_and_falling_health() -> None:
    # tier a 1.0 x30 + value 250k/500k x30 + decision maker 1.0 x25 + fall 10/20 x15
    assert stake(
        tier="a",
        revenue=250_000,
        role="decision_maker",
        health_now=50,
        health_before=60,
        cfg=CFG,
    ) == pytest.approx(0.775)
    # tier c 0.3 x30, no revenue, a user 0.3 x25, health rising: no trend
    assert stake(
        tier="c", revenue=0, role="user", health_now=80, health_before=60, cfg=CFG
    ) == pytest.approx(0.165)
    # an account-level matter: role counts 0.6
    assert stake(
        tier="b", revenue=0, role=None, health_now=None, health_before=None, cfg=CFG
    ) == pytest.approx(0.33)


def test_priority_is_the_strongest_reason_plus_a_little_per_reason_scaled_by_stake() -> None:
    assert priority([85], 0.0, CFG) == 60  # 85 x 0.7
    assert priority([85], 1.0, CFG) == 85
    assert priority([85, 63], 0.255, CFG) == 68  # (85 + 3) x (0.7 + 0.3 x 0.255)
    assert priority([95, 80, 70, 60, 50], 1.0, CFG) == 100  # 95 + 9, capped
    assert priority([], 1.0, CFG) == 0


# --- one item per subject, strongest first, told once ----------------------------------


def test_one_item_per_person_with_every_reason_strongest_first_and_each_fact_once() -> None:
    s, ana = my_book()
    marta = s.person("Marta", decision_role="user")
    complaint = Complaint.objects.create(
        account=s.account, person=marta, opened=days_before(3), severity="high", summary="Roto"
    )
    make_play(
        PlayKind.COMPLAINT_OPEN,
        ana,
        person=marta,
        account=s.account,
        facts={
            "complaint": complaint.pk,
            "severity": "high",
            "age": 3,
            "answered": False,
            "target": 7,
            "text": "Roto",
        },
    )
    Commitment.objects.create(
        person=marta, text="Enviar oferta", made_on=days_before(30), due=days_before(10)
    )
    # Julia is overdue by one day since the engine last looked: the play speaks for it
    julia = s.person("Julia")
    cadence_snapshot(julia, day=days_before(5), since=26, every=30)
    make_play(
        PlayKind.CADENCE_OVERDUE,
        ana,
        person=julia,
        facts={"days_since": 31, "every_days": 30, "agreed": True},
    )

    with translation.override("en"):
        agenda = agenda_for(day=AS_OF, user=ana)

    items = by_person(agenda.items)
    assert list(items) == ["Marta", "Julia"]
    # The complaint's play and the complaint are one line; the promise has no play: its own
    assert [r.kind for r in items["Marta"].reasons] == ["complaint_open", "promise_overdue"]
    assert [r.strength for r in items["Marta"].reasons] == [85, 63]
    assert items["Marta"].reasons[1].text == (
        "Promise “Enviar oferta” is 10 days late (due 20 Jun 2026)."
    )
    # stake: tier b 0.6 x30 + no value + a user 0.3 x25 = 0.255; (85 + 3) x 0.7765
    assert items["Marta"].priority == 68
    assert items["Marta"].account_name == "Acme"
    assert [r.kind for r in items["Julia"].reasons] == ["cadence_overdue"]
    assert items["Julia"].channel == "call"  # no agreed channel, no live contact: a call


def test_a_contact_due_soon_or_late_since_the_engine_looked_is_its_own_line() -> None:
    s, ana = my_book()
    sofia = s.person("Sofía")
    cadence_snapshot(sofia, day=days_before(5), since=26, every=30)
    pablo = s.person("Pablo")
    cadence_snapshot(pablo, day=AS_OF, since=28, every=30)
    s.colleague("Luis")
    s.talk(days_before(28), ["Luis"], ["Pablo"], channel="video")
    lejos = s.person("Lejos")
    cadence_snapshot(lejos, day=AS_OF, since=10, every=30)  # due in 20 days: not yet

    with translation.override("es"):
        items = by_person(agenda_for(day=AS_OF, user=ana).items)

    assert set(items) == {"Sofía", "Pablo"}
    assert [r.text for r in items["Sofía"].reasons] == [
        "Contacto retrasado 1 día: el último contacto bidireccional fue hace 31 días; "
        "la cadencia es cada 30 días."
    ]
    assert items["Pablo"].reasons[0].text == (
        "Contacto previsto en 2 días: el último contacto bidireccional fue hace 28 días; "
        "la cadencia es cada 30 días."
    )
    assert items["Pablo"].channel == "video"  # their usual live channel
    assert items["Pablo"].plays == []


def test_a_snoozed_or_dismissed_play_about_a_complaint_keeps_it_off_the_agenda() -> None:
    s, ana = my_book()
    marta = s.person("Marta")
    complaint = Complaint.objects.create(
        account=s.account, person=marta, opened=days_before(3), severity="high", summary="Roto"
    )
    facts = {
        "complaint": complaint.pk,
        "severity": "high",
        "age": 3,
        "answered": False,
        "target": 7,
        "text": "Roto",
    }
    play = make_play(PlayKind.COMPLAINT_OPEN, ana, person=marta, facts=facts)
    play.status, play.snoozed_until = PlayStatus.SNOOZED, AS_OF + dt.timedelta(days=3)
    play.save()

    assert agenda_for(day=AS_OF, user=ana).items == []
    # the day the snooze ends, the play is back, and still told once
    [item] = agenda_for(day=AS_OF + dt.timedelta(days=3), user=ana).items
    assert item.plays == [play.pk] and len(item.reasons) == 1


def test_the_most_urgent_client_stories_come_first() -> None:
    s, ana = my_book()
    marta = s.person("Marta", decision_role="user")
    Complaint.objects.create(
        account=s.account, person=marta, opened=days_before(3), severity="high", summary="Roto"
    )
    pedro = s.person("Pedro", decision_role="decision_maker")
    make_play(PlayKind.GOING_SILENT, ana, person=pedro, facts=silent())
    sara = s.person("Sara", decision_role="user")
    make_play(
        PlayKind.CADENCE_OVERDUE,
        ana,
        person=sara,
        facts={"days_since": 50, "every_days": 30, "agreed": False},
    )
    tomas = s.person("Tomás", decision_role="influencer")
    make_play(PlayKind.LEVEL_DROPPED, ana, person=tomas, facts={"levelled": 3, "days": 180})
    make_play(
        PlayKind.BOW_TIE,
        ana,
        account=s.account,
        facts={"pair": ["Luis", "Marta"], "share": 0.9, "introduce": []},
    )

    agenda = agenda_for(day=AS_OF, user=ana)

    # An unanswered high complaint (85 x 0.7765), a decision maker going silent
    # (75 x (0.7 + 0.3 x 0.43)), the account's bow-tie (45 x (0.7 + 0.3 x 0.33)), the
    # cadence (45 x 0.7765), the level (40 x (0.7 + 0.3 x 0.355))
    assert [(i.person_name or i.account_name, i.priority) for i in agenda.items] == [
        ("Marta", 66),
        ("Pedro", 62),
        ("Acme", 36),
        ("Sara", 35),
        ("Tomás", 32),
    ]
    assert agenda.items[0].channel == "call" and agenda.items[1].channel == "call"
    assert agenda.items[2].person_id is None and agenda.items[2].channel == "meeting"


def test_value_tier_and_falling_health_lift_a_subject() -> None:
    s, ana = my_book()
    big = Story.new("Grande", tier="a")
    big.account.owner = s.account.owner
    big.account.save()
    line = ProductLine.objects.create(name="Envases")
    Holding.objects.create(
        account=big.account, product_line=line, year=AS_OF.year - 1, revenue=Decimal(500_000)
    )
    small = s.person("Pequeño")
    large = big.person("Grande")
    for person in (small, large):
        make_play(PlayKind.LEVEL_DROPPED, ana, person=person, facts={"levelled": 3, "days": 180})
    for day, overall in ((days_before(40), 80), (AS_OF, 60)):
        HealthSnapshot.objects.create(person=large, as_of=day, overall=overall, band="yellow")

    items = by_person(agenda_for(day=AS_OF, user=ana).items)

    # 30 + 30 + 0.3 x 25 + 15 (fell 20 points) = 82.5 %: 40 x (0.7 + 0.3 x 0.825) = 37.9
    assert items["Grande"].stake == pytest.approx(0.825)
    assert (items["Grande"].priority, items["Pequeño"].priority) == (38, 31)


# --- capacity, and every open play exactly once ----------------------------------------


def test_capacity_splits_today_from_later_and_every_open_play_is_in_exactly_one_item() -> None:
    s, ana = my_book()
    ana.daily_capacity = 2
    ana.save()
    plays = []
    for i in range(4):
        person = s.person(f"P{i}")
        plays.append(make_play(PlayKind.GOING_SILENT, ana, person=person, facts=silent()))
        plays.append(
            make_play(
                PlayKind.LEVEL_DROPPED, ana, person=person, facts={"levelled": 3, "days": 180}
            )
        )
    plays.append(
        make_play(
            PlayKind.BOW_TIE,
            ana,
            account=s.account,
            facts={"pair": ["Luis", "P0"], "share": 0.9, "introduce": []},
        )
    )
    # not open for her: done, snoozed past the day, raised after the day, someone else's
    make_play(PlayKind.NO_INITIATIVE, ana, account=s.account, facts={"days": 180}, status="done")
    make_play(
        PlayKind.MEETINGS_SHRINKING,
        ana,
        person=s.people["P0"],
        facts={"now": 20, "before": 40},
        status=PlayStatus.SNOOZED,
        snoozed_until=AS_OF + dt.timedelta(days=1),
    )
    make_play(
        PlayKind.SINGLE_CHANNEL,
        ana,
        person=s.people["P1"],
        facts={"count": 5, "days": 180},
        raised_on=AS_OF + dt.timedelta(days=1),
    )
    make_play(PlayKind.GOING_SILENT, User.objects.create(username="otro"), person=s.people["P2"],
              facts=silent())  # fmt: skip

    agenda = agenda_for(day=AS_OF, user=ana)

    assert (len(agenda.today), len(agenda.later)) == (2, 3)
    carried = Counter(pk for item in agenda.items for pk in item.plays)
    assert carried == Counter({play.pk: 1 for play in plays})
    subjects = [(i.person_id, i.account_id if i.person_id is None else None) for i in agenda.items]
    assert len(subjects) == len(set(subjects)) == 5
    priorities = [i.priority for i in agenda.items]
    assert priorities == sorted(priorities, reverse=True)


def test_nobody_elses_portfolio_shows() -> None:
    s, _ana = my_book()
    marta = s.person("Marta")
    Commitment.objects.create(person=marta, text="x", made_on=days_before(30), due=days_before(9))
    stranger = User.objects.create(username="otro")
    agenda = agenda_for(day=AS_OF, user=stranger)
    assert agenda.items == [] and agenda.for_ == "otro"


# --- a manager's agenda: the team's escalations ----------------------------------------


def test_a_manager_sees_red_accounts_critical_complaints_and_untouched_plays() -> None:
    norte = Team.objects.create(name="Norte")
    boss = User.objects.create(username="marta", role=Role.MANAGER, team=norte)
    s, lucia = my_book("lucia")
    lucia.team = norte
    lucia.save()
    s.colleagues["Luis"].name = "Lucía Fernández"
    s.colleagues["Luis"].save()
    HealthSnapshot.objects.create(account=s.account, as_of=days_before(1), overall=30, band="red")
    eva = s.person("Eva")
    Complaint.objects.create(
        account=s.account, person=eva, opened=days_before(2), severity="critical", summary="Paro"
    )
    Complaint.objects.create(  # not critical: the owner's matter
        account=s.account, person=eva, opened=days_before(2), severity="low", summary="Menor"
    )
    old = make_play(
        PlayKind.BOW_TIE,
        lucia,
        account=s.account,
        facts={"pair": ["Lucía", "Eva"], "share": 0.9, "introduce": []},
        raised_on=days_before(20),
    )
    raul = s.person("Raúl")
    late = make_play(
        PlayKind.PROMISE_OVERDUE,
        lucia,
        person=raul,
        facts={"commitment": 1, "text": "Oferta", "due": "2026-05-31", "days_late": 30},
    )
    make_play(PlayKind.GOING_SILENT, lucia, person=raul, facts=silent(), raised_on=days_before(2))
    # another team's red account is not hers
    sur = Story.new("Sur")
    sur.account.owner = Colleague.objects.create(name="James", team=Team.objects.create(name="S"))
    sur.account.save()
    HealthSnapshot.objects.create(account=sur.account, as_of=AS_OF, overall=10, band="red")

    with translation.override("es"):
        agenda = agenda_for(day=AS_OF, user=boss)

    items = {i.person_name or i.account_name: i for i in agenda.items}
    assert set(items) == {"Acme", "Eva", "Raúl"}
    # red: 60 + 20 x (1 - 30/40); the bow-tie untouched for 20 days: 45 + 10
    assert [r.kind for r in items["Acme"].reasons] == ["red_account", "untouched_play"]
    assert [r.strength for r in items["Acme"].reasons] == [65, 55]
    assert items["Acme"].reasons[0].text == (
        "La salud de la cuenta es 30, en rojo; su responsable es Lucía Fernández."
    )
    assert items["Acme"].plays == [old.pk]
    assert [r.kind for r in items["Eva"].reasons] == ["critical_complaint"]
    assert items["Eva"].reasons[0].text == (
        "Reclamación de gravedad crítica abierta desde hace 2 días, aún sin respuesta "
        "(responsable: Lucía Fernández): Paro"
    )
    # promised 30 days ago and still open: untouched for 30 days, though raised today
    assert items["Raúl"].plays == [late.pk]
    assert (
        items["Raúl"]
        .reasons[0]
        .text.startswith("Sin tocar por Lucía Fernández desde hace 30 días: ")
    )
    # the manager can read them, not act on the owner's plays
    assert not any(r.actionable for i in agenda.items for r in i.reasons)
    # and the owner's agenda is unchanged by the escalation
    assert {pk for i in agenda_for(day=AS_OF, user=lucia).items for pk in i.plays} >= {
        old.pk,
        late.pk,
    }


# --- a colleague who is not a user, and the JSON of exchange.md section 5 --------------


def test_colleague_mode_prints_the_contract_with_bundle_keys_in_spanish() -> None:
    s = Story.new("Acme")
    laura = s.colleague("Laura")
    s.account.owner = laura
    s.account.save()
    ana = s.person("Ana", decision_role="decision_maker")
    Commitment.objects.create(
        person=ana, account=s.account, text="Enviar oferta", made_on=days_before(30),
        due=days_before(10),
    )  # fmt: skip
    play = make_play(PlayKind.GOING_SILENT, None, person=ana, facts=silent())

    out = io.StringIO()
    call_command(
        "agenda", "--colleague", "LAURA@us.example", "--date", AS_OF.isoformat(),
        "--format", "json", "--lang", "es", stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())

    assert data == {
        "date": "2026-06-30",
        "for": "laura@us.example",
        "today": [
            {
                "person": "ana",
                "account": "acme",
                # (75 + 3) x (0.7 + 0.3 x (18 + 25) / 100)
                "priority": 65,
                "channel": "call",
                "reasons": [
                    {"kind": "going_silent", "text": data["today"][0]["reasons"][0]["text"]},
                    {
                        "kind": "promise_overdue",
                        "text": "La promesa «Enviar oferta» lleva 10 días de retraso "
                        "(vencía el 20/06/2026).",
                    },
                ],
                "action": data["today"][0]["action"],
                "plays": [play.pk],
            }
        ],
        "later": [],
    }
    assert data["today"][0]["reasons"][0]["text"]  # worded by the engine, in Spanish


def test_the_command_prints_a_table_and_refuses_unknown_people() -> None:
    s, ana = my_book()
    s.person("Marta")
    make_play(PlayKind.GOING_SILENT, ana, person=s.people["Marta"], facts=silent())
    out = io.StringIO()
    call_command(
        "agenda", "--user", "ana", "--date", AS_OF.isoformat(), "--format", "table",
        "--lang", "en", stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert text.startswith(
        "Agenda of ana@us.example on 2026-06-30: 1 for today (capacity 10), 0 later."
    )
    assert "Marta · Acme  [call]" in text
    # a colleague who signs in has the agenda of their user
    by_email = agenda_for(day=AS_OF, colleague_email="LUIS@us.example").as_json()
    by_user = agenda_for(day=AS_OF, user=ana).as_json()
    assert (by_email["today"], by_email["later"]) == (by_user["today"], by_user["later"])
    assert by_email["today"][0]["plays"] == [s.people["Marta"].plays.get().pk]
    # rows that did not come from a bundle are named by their ids (exchange.md section 5)
    marta = s.people["Marta"]
    marta.key, s.account.key = None, None
    marta.save(update_fields=["key"])
    s.account.save(update_fields=["key"])
    item = agenda_for(day=AS_OF, user=ana).as_json()["today"][0]
    assert (item["person"], item["account"]) == (marta.pk, s.account.pk)
    with pytest.raises(CommandError, match="no colleague"):
        call_command("agenda", "--colleague", "nadie@us.example", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no user"):
        call_command("agenda", "--user", "nadie", stdout=io.StringIO())


def test_the_reading_is_a_fixed_number_of_queries(django_assert_num_queries: Any) -> None:
    s, ana = my_book()
    for i in range(12):
        person = s.person(f"P{i}")
        cadence_snapshot(person, day=AS_OF, since=28, every=30)
        make_play(PlayKind.GOING_SILENT, ana, person=person, facts=silent())
        Complaint.objects.create(person=person, account=s.account, opened=days_before(1))
    # settings, colleague, plays, contacts due, promises, complaints; then the subjects'
    # jobs, people (names, plans, usual channel, health trend) and accounts
    with django_assert_num_queries(9):
        agenda = agenda_for(day=AS_OF, user=ana)
    assert len(agenda.items) == 12


def test_stored_agenda_settings_are_checked_and_applied() -> None:
    assert agenda_settings_problems({"untouched_days": 7, "tier_stake": {"a": 0.9}}) == []
    with translation.override("en"):
        assert agenda_settings_problems({"untouched": 7, "untouched_days": "soon"}) == [
            "Unknown agenda setting: untouched",
            "The agenda setting untouched_days needs a value like 14.",
        ]
        assert agenda_settings_problems([1]) == [
            "Write the agenda's settings as a JSON object: names and their values."
        ]
    cfg = AgendaConfig.from_overrides({"untouched_days": 7, "tier_stake": {"a": 0.9}})
    assert cfg.untouched_days == 7
    assert cfg.tier_stake == {"a": 0.9, "b": 0.6, "c": 0.3, "": 0.4}


def test_a_bad_stored_agenda_setting_is_skipped_not_fatal() -> None:
    cfg = AgendaConfig.from_overrides({"untouched_days": "soon", "trend_days": 7.5, "x": 1})
    assert (cfg.untouched_days, cfg.trend_days) == (14, 30)
    assert AgendaConfig.from_overrides({"value_full": 250000.0}).value_full == 250000.0


def test_two_plays_about_one_promise_are_both_listed() -> None:
    s, ana = my_book()
    marta = s.person("Marta")
    promise = Commitment.objects.create(
        person=marta, text="Oferta", made_on=days_before(30), due=days_before(10)
    )
    facts = {"commitment": promise.pk, "text": "Oferta", "due": "2026-06-20", "days_late": 10}
    overdue = make_play(PlayKind.PROMISE_OVERDUE, ana, person=marta, facts=facts)
    broken = make_play(PlayKind.PROMISE_BROKEN, ana, person=marta, facts=facts)

    [item] = agenda_for(day=AS_OF, user=ana).items

    assert item.plays == sorted([overdue.pk, broken.pk])
    assert [r.kind for r in item.reasons] == ["promise_broken", "promise_overdue"]
