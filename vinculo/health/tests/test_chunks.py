"""A full run in chunks of accounts concludes exactly what one pass over everything does."""

from __future__ import annotations

import datetime as dt

import pytest

from vinculo.growth.models import Concession
from vinculo.health import services
from vinculo.health.models import HealthSnapshot, Play
from vinculo.health.services import health_recompute
from vinculo.health.tests.stories import AS_OF, Story, days_before
from vinculo.people.models import Employment, Person
from vinculo.vocab import Function

pytestmark = pytest.mark.django_db


def build() -> None:
    bow = Story.new("Lazo")
    bow.person("Ana", Function.PURCHASING)
    bow.person("Pedro", Function.PRODUCTION)
    bow.colleague("Luis")
    bow.colleague("Marta", Function.TECHNICAL_SERVICE)
    bow.every(10, 8, ["Luis"], ["Ana"])
    old = Story.new("Antigua")
    eva = old.person("Eva", end=days_before(20))
    new = Story.new("Nueva")
    Employment.objects.create(person=eva, account=new.account, start=days_before(19))
    old.colleague("Luis")
    old.talk(days_before(60), ["Luis"], ["Eva"])
    friend = Story.new("Amigo")
    for n in (10, 100, 190):
        Concession.objects.create(account=friend.account, granted_on=days_before(n), kind="gift")
    for i in range(4):
        Story.new(f"Par{i}")
    Person.objects.create(name="Sin empleo")


def state() -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    snapshots = set(
        HealthSnapshot.objects.values_list("as_of", "person_id", "account_id", "overall", "band")
    )
    plays = set(Play.objects.values_list("kind", "person_id", "account_id", "status"))
    return snapshots, plays


def test_chunks_of_one_account_give_the_same_health_and_plays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build()
    health_recompute(as_of=AS_OF)
    whole = state()
    HealthSnapshot.objects.all().delete()
    Play.objects.all().delete()

    monkeypatch.setattr(services, "RECOMPUTE_CHUNK_ACCOUNTS", 1)
    report = health_recompute(as_of=AS_OF)
    assert state() == whole
    assert report.people == Person.objects.count()
    # Running again in chunks closes nothing another chunk raised.
    again = health_recompute(as_of=AS_OF + dt.timedelta(days=1))
    assert again.plays["closed"] == 0
    assert {p[:3] for p in whole[1]} <= set(
        Play.objects.filter(status="open").values_list("kind", "person_id", "account_id")
    )
