"""Health components and coverage classes on small hand-built stories."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from vinculo.health.compute import compute
from vinculo.health.models import HealthSettings, HealthSnapshot
from vinculo.health.services import engine_config, health_settings_update
from vinculo.health.tests.stories import AS_OF, Story, days_before
from vinculo.health.words import explain
from vinculo.interactions.services import interaction_log
from vinculo.people.services import contact_plan_set
from vinculo.vocab import Channel, Direction, Function, Level

pytestmark = pytest.mark.django_db


def bow_tie() -> Story:
    s = Story.new("Lazo")
    s.person("Ana", Function.PURCHASING, "decision_maker")
    s.person("Pedro", Function.PRODUCTION)
    s.colleague("Luis", Function.SALES)
    s.colleague("Marta", Function.TECHNICAL_SERVICE)
    s.every(10, 12, ["Luis"], ["Ana"])
    return s


def diamond() -> Story:
    s = Story.new("Rombo")
    s.person("Eva", Function.PURCHASING, "decision_maker")
    s.person("Juan", Function.PRODUCTION)
    s.person("Rosa", Function.FINANCE)
    s.colleague("Luis", Function.SALES)
    s.colleague("Marta", Function.TECHNICAL_SERVICE)
    s.every(20, 4, ["Luis"], ["Eva"])
    s.every(21, 4, ["Marta"], ["Juan"])
    s.every(22, 4, ["Luis"], ["Rosa"])
    s.every(23, 3, ["Marta"], ["Eva"])
    return s


def test_one_pair_carrying_the_relationship_is_a_bow_tie() -> None:
    s = bow_tie()
    result = compute(AS_OF)
    health = result.accounts[s.account.pk]
    assert health.extra["coverage"] == "bow-tie"
    facts = health.components["coverage"].facts
    assert facts["top_pair_share"] == 1.0
    assert facts["people"] == 1 and facts["colleagues"] == 1


def test_many_to_many_across_functions_is_a_diamond() -> None:
    s = diamond()
    result = compute(AS_OF)
    assert result.accounts[s.account.pk].extra["coverage"] == "diamond"
    assert result.accounts[s.account.pk].components["coverage"].value == 100


def test_two_people_with_a_dominant_pair_is_transitional() -> None:
    s = Story.new("Transición")
    s.person("Eva", Function.PURCHASING)
    s.person("Juan", Function.PRODUCTION)
    s.colleague("Luis", Function.SALES)
    s.colleague("Marta", Function.TECHNICAL_SERVICE)
    s.every(10, 6, ["Luis"], ["Eva"])
    s.every(11, 4, ["Marta"], ["Juan"])
    assert compute(AS_OF).accounts[s.account.pk].extra["coverage"] == "transitional"


def test_nothing_after_the_date_changes_the_result() -> None:
    s = diamond()
    before = compute(AS_OF)
    # Later facts of every kind: contacts, a new person, a complaint.
    s.person("Nuevo", Function.IT, start=AS_OF + dt.timedelta(days=1))
    s.talk(AS_OF + dt.timedelta(days=1), ["Luis"], ["Eva"], channel=Channel.EMAIL)
    s.talk(AS_OF + dt.timedelta(days=3), ["Marta"], ["Nuevo"])
    from vinculo.commitments.services import complaint_open

    complaint_open(opened=AS_OF + dt.timedelta(days=2), account=s.account, severity="high")
    after = compute(AS_OF)
    for pid, health in before.people.items():
        assert after.people[pid].overall == health.overall
        assert {n: c.value for n, c in after.people[pid].components.items()} == {
            n: c.value for n, c in health.components.items()
        }
    assert after.accounts[s.account.pk].overall == before.accounts[s.account.pk].overall
    assert after.accounts[s.account.pk].components["voice"].value == 100


def test_cadence_is_explained_with_the_days_and_the_agreed_cadence() -> None:
    s = Story.new("Cadencia")
    ana = s.person("Ana")
    s.colleague("Luis")
    s.talk(days_before(94), ["Luis"], ["Ana"])
    contact_plan_set(person=ana, every_days=30, agreed=True)
    cadence = compute(AS_OF).people[ana.pk].components["cadence"]
    assert cadence.facts == {"days_since": 94, "every_days": 30, "agreed": True}
    assert cadence.value == 0
    with translation.override("en"):
        assert explain("cadence", cadence.facts) == (
            "Last two-way contact 94 days ago; agreed cadence: 30 days."
        )
    with translation.override("es"):
        text = explain("cadence", cadence.facts)
    assert "94" in text and "30" in text


def test_an_outbound_email_is_not_a_two_way_contact() -> None:
    s = Story.new("Correo")
    ana = s.person("Ana")
    s.colleague("Luis")
    s.talk(days_before(50), ["Luis"], ["Ana"])
    s.talk(days_before(5), ["Luis"], ["Ana"], channel=Channel.EMAIL)
    assert compute(AS_OF).people[ana.pk].components["cadence"].facts["days_since"] == 50


def test_level_counts_strategic_and_satisfaction_conversations() -> None:
    s = Story.new("Nivel")
    ana = s.person("Ana")
    s.colleague("Luis")
    for i in range(4):
        s.talk(days_before(10 + i), ["Luis"], ["Ana"], level=Level.OPERATIONAL)
    s.talk(days_before(20), ["Luis"], ["Ana"], level=Level.STRATEGIC)
    level = compute(AS_OF).people[ana.pk].components["level"]
    assert level.facts["levelled"] == 5 and level.facts["high"] == 1
    # 20 % against a 30 % target.
    assert level.value == 67


def test_decision_makers_weigh_more_in_the_account() -> None:
    s = Story.new("Pesos")
    boss = s.person("Jefa", Function.MANAGEMENT, "decision_maker")
    s.person("Usuario", Function.PRODUCTION, "user")
    s.colleague("Luis")
    s.every(7, 10, ["Luis"], ["Jefa"])  # the boss is looked after; the user is not
    result = compute(AS_OF)
    people = result.accounts[s.account.pk].components["people"]
    boss_health = result.people[boss.pk].overall
    user_health = result.people[s.people["Usuario"].pk].overall
    assert people.value == round((3 * boss_health + user_health) / 4)


def test_frequency_compares_the_last_90_days_with_the_90_before() -> None:
    s = Story.new("Frecuencia")
    ana = s.person("Ana")
    s.colleague("Luis")
    for i in range(2):
        s.talk(days_before(10 + i), ["Luis"], ["Ana"], direction=Direction.INBOUND)
    for i in range(8):
        s.talk(days_before(100 + i), ["Luis"], ["Ana"])
    freq = compute(AS_OF).people[ana.pk].components["frequency"]
    assert freq.facts["recent"] == 2 and freq.facts["prior"] == 8
    assert freq.value == 25


def test_a_bad_setting_is_refused_and_a_bad_stored_one_never_breaks_a_write(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with translation.override("es"), pytest.raises(ValidationError) as error:
        health_settings_update(overrides={"person_weights": 5})
    assert error.value.message_dict == {
        "overrides": [
            'person_weights: se esperaba un objeto de nombres y números, como {"cadence": 25}.'
        ]
    }
    assert not HealthSettings.objects.exists()
    # A value stored before the checks existed (or by hand in the database) is skipped.
    HealthSettings.objects.create(overrides={"person_weights": 5, "green_from": 90})
    s = Story.new("Acme")
    ana = s.person("Ana")
    luis = s.colleague("Luis")
    with django_capture_on_commit_callbacks(execute=True):
        interaction_log(
            started_at=timezone.now(), channel=Channel.MEETING, people=[ana], colleagues=[luis]
        )
    snapshot = HealthSnapshot.objects.get(person=ana, as_of=timezone.localdate())
    assert snapshot.components["cadence"]["value"] == 100
    assert engine_config().green_from == 90


def test_the_settings_check_covers_the_agendas_section_too() -> None:
    with translation.override("en"), pytest.raises(ValidationError) as error:
        health_settings_update(overrides={"recent_days": 60, "agenda": [1]})
    assert error.value.message_dict == {
        "overrides": ["Write the agenda's settings as a JSON object: names and their values."]
    }
    health_settings_update(overrides={"recent_days": 60, "agenda": {"untouched_days": 7}})
    assert engine_config().recent_days == 60
