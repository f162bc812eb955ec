"""Every write the engine reads goes through a service that takes the actor, records a
timeline event and, after commit, refreshes the health of what it touched."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from vinculo.commitments.services import (
    concern_open,
    concern_resolve,
    initiative_decide,
    initiative_record,
)
from vinculo.growth.services import (
    concession_record,
    holding_set,
    product_line_create,
    value_item_record,
)
from vinculo.health.models import HealthSnapshot
from vinculo.interactions.services import interaction_log
from vinculo.people.models import Account, Person
from vinculo.people.services import (
    account_create,
    account_update,
    contact_plan_set,
    employment_end,
    employment_start,
    employment_update,
    person_change_employment,
    person_create,
)
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import User
from vinculo.vocab import Channel, ConcessionKind, Outcome, ValueKind

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def ana_at_acme() -> tuple[Person, Account]:
    acme = account_create(name="Acme")
    ana = person_create(name="Ana López")
    employment_start(person=ana, account=acme, start=dt.date(2024, 1, 1))
    return ana, acme


def _written(capture: Any, write: Callable[[], object]) -> tuple[set[int | None], set[int | None]]:
    """Run a write, commit it, and return the (people, accounts) with a snapshot today."""
    HealthSnapshot.objects.all().delete()
    with capture(execute=True):
        write()
    today = timezone.localdate()
    snapshots = HealthSnapshot.objects.filter(as_of=today)
    return (
        set(snapshots.filter(person__isnull=False).values_list("person_id", flat=True)),
        set(snapshots.filter(account__isnull=False).values_list("account_id", flat=True)),
    )


def _last_event() -> TimelineEvent:
    event = TimelineEvent.objects.order_by("-id").first()
    assert event is not None
    return event


@pytest.mark.parametrize(
    ("kind", "write"),
    [
        (
            EventKind.CONCERN_OPENED,
            lambda ana, acme, actor: concern_open(
                topic="Retrasos en las entregas", opened=TODAY, person=ana, actor=actor
            ),
        ),
        (
            EventKind.INITIATIVE_RECORDED,
            lambda ana, acme, actor: initiative_record(
                text="Plan de mantenimiento", proposed_on=TODAY, person=ana, actor=actor
            ),
        ),
        (
            EventKind.HOLDING_SET,
            lambda ana, acme, actor: holding_set(
                account=acme,
                product_line=product_line_create(name="Hardware"),
                year=2026,
                revenue=Decimal("1200.50"),
                actor=actor,
            ),
        ),
        (
            EventKind.CONCESSION_RECORDED,
            lambda ana, acme, actor: concession_record(
                account=acme,
                person=ana,
                granted_on=TODAY,
                kind=ConcessionKind.DISCOUNT,
                size_pct=Decimal(5),
                actor=actor,
            ),
        ),
        (
            EventKind.VALUE_RECORDED,
            lambda ana, acme, actor: value_item_record(
                account=acme, person=ana, date=TODAY, kind=ValueKind.SAVING, actor=actor
            ),
        ),
        (
            EventKind.CONTACT_PLAN_SET,
            lambda ana, acme, actor: contact_plan_set(person=ana, every_days=30, actor=actor),
        ),
        (
            EventKind.ACCOUNT_UPDATED,
            lambda ana, acme, actor: account_update(account=acme, tier="a", actor=actor),
        ),
        (
            EventKind.EMPLOYMENT_UPDATED,
            lambda ana, acme, actor: employment_update(
                employment=ana.employments.get(), decision_role="decision_maker", actor=actor
            ),
        ),
    ],
)
def test_the_write_records_its_actor_and_refreshes_the_account_and_person(
    django_capture_on_commit_callbacks: Any,
    ana_at_acme: tuple[Person, Account],
    owner: User,
    kind: str,
    write: Callable[[Person, Account, User], object],
) -> None:
    # Given Ana at Acme
    ana, acme = ana_at_acme
    # When the write is done by a user and committed
    people, accounts = _written(django_capture_on_commit_callbacks, lambda: write(ana, acme, owner))
    # Then the timeline says what happened and who did it
    event = _last_event()
    assert (event.kind, event.actor_id) == (kind, owner.pk)
    assert event.account_id in (acme.pk, None)
    # And Ana and Acme have today's health (Ana's account brings her in, and she Acme)
    assert people == {ana.pk}
    assert accounts == {acme.pk}


def test_resolving_a_concern_and_deciding_an_initiative_are_recorded(
    ana_at_acme: tuple[Person, Account], owner: User
) -> None:
    ana, _acme = ana_at_acme
    concern = concern_open(topic="Retrasos", opened=dt.date(2026, 5, 1), person=ana)
    initiative = initiative_record(text="Plan", proposed_on=dt.date(2026, 5, 1), person=ana)

    concern_resolve(concern=concern, resolved=dt.date(2026, 5, 20), actor=owner)
    initiative_decide(
        initiative=initiative, outcome=Outcome.ACCEPTED, value=Decimal(900), actor=owner
    )

    kinds = list(
        TimelineEvent.objects.filter(person=ana, actor=owner)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [EventKind.CONCERN_RESOLVED, EventKind.INITIATIVE_DECIDED]
    concern.refresh_from_db()
    initiative.refresh_from_db()
    assert concern.resolved == dt.date(2026, 5, 20)
    assert (initiative.outcome, initiative.value) == (Outcome.ACCEPTED, Decimal(900))


def test_a_move_refreshes_both_accounts_and_moves_the_interactions_of_the_new_job(
    django_capture_on_commit_callbacks: Any, ana_at_acme: tuple[Person, Account], owner: User
) -> None:
    # Given Ana at Acme, with a call logged on 10 March 2026
    ana, acme = ana_at_acme
    globex = account_create(name="Globex")
    call = interaction_log(
        started_at=dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC), channel=Channel.CALL, people=[ana]
    )
    assert call.account_id == acme.pk
    # When it turns out she moved to Globex on 1 March
    people, accounts = _written(
        django_capture_on_commit_callbacks,
        lambda: person_change_employment(
            person=ana, new_account=globex, on=dt.date(2026, 3, 1), actor=owner
        ),
    )
    # Then the call counts for Globex, both accounts are refreshed, and the timeline has both
    call.refresh_from_db()
    assert call.account_id == globex.pk
    assert accounts == {acme.pk, globex.pk}
    assert people == {ana.pk}
    kinds = list(
        TimelineEvent.objects.filter(person=ana, actor=owner)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [EventKind.EMPLOYMENT_ENDED, EventKind.EMPLOYMENT_STARTED]


def test_ending_a_job_twice_is_refused_in_spanish(ana_at_acme: tuple[Person, Account]) -> None:
    from django.core.exceptions import ValidationError
    from django.utils import translation

    ana, _acme = ana_at_acme
    job = ana.employments.get()
    employment_end(employment=job, end=dt.date(2026, 1, 31))
    with translation.override("es"), pytest.raises(ValidationError) as error:
        employment_end(employment=job, end=dt.date(2026, 2, 28))
    assert error.value.message_dict == {"end": ["Este empleo ya ha terminado."]}
    job.refresh_from_db()
    assert job.end == dt.date(2026, 1, 31)
