"""A new fact updates the health of the people and account it touches, after commit."""

from __future__ import annotations

import pytest
from django.utils import timezone

from vinculo.commitments.services import commitment_record
from vinculo.health.models import HealthSnapshot, Play, PlayKind
from vinculo.health.services import health_update_for
from vinculo.health.tests.stories import Story, days_before
from vinculo.interactions.services import interaction_log
from vinculo.vocab import Channel, Function, Level

pytestmark = pytest.mark.django_db


def test_logging_an_interaction_updates_health_after_commit(
    django_capture_on_commit_callbacks: object,
) -> None:
    s = Story.new("Acme")
    ana = s.person("Ana", Function.PURCHASING)
    s.person("Pedro", Function.PRODUCTION)  # a colleague of Ana's at the account
    luis = s.colleague("Luis")
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # type: ignore[operator]
        interaction_log(
            started_at=timezone.now(),
            channel=Channel.MEETING,
            people=[ana],
            colleagues=[luis],
            summary="Revisamos el plan de expansión para el año que viene",
        )
    assert len(callbacks) == 1
    snapshot = HealthSnapshot.objects.get(person=ana, as_of=today)
    assert snapshot.components["cadence"]["facts"]["days_since"] == 0
    # The account and its other people were recomputed too.
    assert HealthSnapshot.objects.filter(account=s.account, as_of=today).exists()
    assert HealthSnapshot.objects.filter(person=s.people["Pedro"], as_of=today).exists()


def test_an_interaction_without_level_gets_a_suggested_one() -> None:
    s = Story.new("Acme")
    ana = s.person("Ana")
    interaction = interaction_log(
        started_at=timezone.now(),
        channel=Channel.CALL,
        people=[ana],
        summary="We discussed next year's roll-out plan and their goals",
    )
    assert interaction.level == Level.STRATEGIC
    assert interaction.level_suggested is True


def test_a_chosen_level_is_never_replaced_by_a_suggestion() -> None:
    s = Story.new("Acme")
    ana = s.person("Ana")
    interaction = interaction_log(
        started_at=timezone.now(),
        channel=Channel.CALL,
        people=[ana],
        level=Level.PERSONAL,
        summary="Pedido urgente y factura pendiente",
    )
    assert interaction.level == Level.PERSONAL
    assert interaction.level_suggested is False


def test_incremental_update_leaves_other_peoples_plays_alone() -> None:
    mine = Story.new("Mía")
    ana = mine.person("Ana")
    other = Story.new("Otra")
    eva = other.person("Eva")
    commitment_record(text="Oferta", made_on=days_before(30), due=days_before(10), person=eva)
    health_update_for(person_ids=[eva.pk], as_of=days_before(0))
    assert Play.objects.filter(kind=PlayKind.PROMISE_OVERDUE, person=eva).count() == 1
    health_update_for(person_ids=[ana.pk], as_of=days_before(0))
    # Eva's play is neither closed nor duplicated by a run about Ana.
    [play] = Play.objects.filter(kind=PlayKind.PROMISE_OVERDUE, person=eva)
    assert play.status == "open"
