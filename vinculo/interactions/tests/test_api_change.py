"""Correcting and deleting interactions over the API (v1): the same checks as logging one,
If-Match required, and everything that depends on interactions follows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from vinculo.apikit import last_day
from vinculo.factories import AccountFactory, ColleagueFactory, EmploymentFactory, PersonFactory
from vinculo.health.models import InteractionDaySummary
from vinculo.interactions import services
from vinculo.interactions.models import Interaction, InteractionPerson
from vinculo.interactions.services import interaction_log
from vinculo.people.models import ContactPlan
from vinculo.people.services import contact_plan_set
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import Role, User
from vinculo.users.services import api_token_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

JSON = "application/json"


@pytest.fixture
def client() -> Client:
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def owner(owner: User) -> User:
    """The administrator's view of the book: who may write is test_api_matrix.py's."""
    owner.role = Role.ADMIN
    owner.save(update_fields=["role"])
    return owner


def bearer(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)[1]}"}


@pytest.fixture
def refreshed(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, list[int]]]:
    """What the service asked the health engine to recompute after commit."""
    calls: list[dict[str, list[int]]] = []

    def record(*, person_ids: Any = (), account_ids: Any = ()) -> None:
        calls.append({"people": sorted(person_ids), "accounts": sorted(account_ids)})

    monkeypatch.setattr(services, "health_refresh_after_commit", record)
    return calls


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def call(db: None) -> Interaction:
    """A call with Ana (at Acme) on 3 March 2025, Luis on our side."""
    ana = PersonFactory(name="Ana")
    EmploymentFactory(person=ana, account=AccountFactory(name="Acme"), start=dt.date(2020, 1, 1))
    return interaction_log(
        started_at=_at(dt.date(2025, 3, 3)),
        channel="call",
        people=[ana],
        colleagues=[ColleagueFactory(name="Luis")],
        summary="Renovación del contrato",
        level="operational",
    )


def _path(interaction: Interaction) -> str:
    return f"/api/v1/interactions/{interaction.pk}"


def _summary_days(**subject: Any) -> list[dt.date]:
    return sorted(InteractionDaySummary.objects.filter(**subject).values_list("day", flat=True))


def test_a_correction_moves_the_account_summary_timeline_plan_and_health(
    client: Client, owner: User, call: Interaction, refreshed: list[dict[str, list[int]]]
) -> None:
    ana = call.person_links.get().person
    acme = call.account
    assert acme is not None
    # Eva, at Globex, was on the call too; Ana's plan is every 30 days
    eva = PersonFactory(name="Eva")
    globex = AccountFactory(name="Globex")
    EmploymentFactory(person=eva, account=globex, start=dt.date(2020, 1, 1))
    contact_plan_set(person=eva, every_days=30, next_due=dt.date(2025, 3, 1))
    headers = bearer(owner)
    etag = client.get(_path(call), **headers)["ETag"]  # type: ignore[arg-type]

    response = client.patch(
        _path(call),
        data={"started_at": "2025-03-10T09:30:00+01:00", "summary": "Renovación firmada",
              "people": [eva.pk]},
        content_type=JSON, HTTP_IF_MATCH=etag, **headers,
    )  # type: ignore[arg-type]  # fmt: skip

    assert response.status_code == 200, response.content
    body = response.json()
    assert response["ETag"] == '"v2"'
    assert (body["version"], body["people"], body["account_id"]) == (2, [eva.pk], globex.pk)
    assert (body["summary"], body["level"], body["level_suggested"]) == (
        "Renovación firmada", "operational", False,
    )  # fmt: skip
    call.refresh_from_db()
    assert (call.changed_by, call.version) == (owner, 2)
    # The daily summary left Ana and Acme and holds Eva and Globex on the new day
    assert _summary_days(person=ana) == _summary_days(account=acme) == []
    assert _summary_days(person=eva) == _summary_days(account=globex) == [dt.date(2025, 3, 10)]
    # The timeline line is Eva's now, and says what the interaction says
    [event] = TimelineEvent.objects.filter(kind=EventKind.INTERACTION_LOGGED)
    assert (event.person, event.account, event.data["text"]) == (eva, globex, "Renovación firmada")
    assert event.occurred_at == call.started_at
    # Eva's plan moved to the contact plus 30 days; health is recomputed for all four
    assert ContactPlan.objects.get(person=eva).next_due == dt.date(2025, 4, 9)
    assert refreshed[-1] == {"people": [ana.pk, eva.pk], "accounts": sorted([acme.pk, globex.pk])}


def test_an_empty_level_is_suggested_again_from_the_new_summary(
    client: Client, owner: User, call: Interaction
) -> None:
    response = client.patch(_path(call), data={"level": ""}, content_type=JSON,
                            HTTP_IF_MATCH='"v1"', **bearer(owner))  # type: ignore[arg-type]  # fmt: skip
    assert response.status_code == 200, response.content
    call.refresh_from_db()
    assert (call.level, call.level_suggested) == services.interaction_level(
        level="", summary="Renovación del contrato"
    )


def test_two_clients_correct_the_same_interaction_and_the_second_gets_412(
    client: Client, owner: User, call: Interaction
) -> None:
    headers = bearer(owner)
    etag = client.get(_path(call), **headers)["ETag"]  # type: ignore[arg-type]

    first = client.patch(_path(call), data={"duration_min": 30}, content_type=JSON,
                         HTTP_IF_MATCH=etag, **headers)  # type: ignore[arg-type]  # fmt: skip
    second = client.patch(_path(call), data={"duration_min": 90}, content_type=JSON,
                          HTTP_IF_MATCH=etag, **headers)  # type: ignore[arg-type]  # fmt: skip
    blind = client.patch(_path(call), data={"duration_min": 120}, content_type=JSON,
                         **headers)  # type: ignore[arg-type]  # fmt: skip

    assert (first.status_code, second.status_code, blind.status_code) == (200, 412, 428)
    assert second["ETag"] == '"v2"'
    call.refresh_from_db()
    assert (call.duration_min, call.version) == (30, 2)


def test_a_delete_removes_it_with_its_timeline_and_summary(
    client: Client, owner: User, call: Interaction, refreshed: list[dict[str, list[int]]]
) -> None:
    ana = call.person_links.get().person
    account = call.account_id
    headers = bearer(owner)

    blind = client.delete(_path(call), **headers)  # type: ignore[arg-type]
    stale = client.delete(_path(call), HTTP_IF_MATCH='"v7"', **headers)  # type: ignore[arg-type]
    assert (blind.status_code, stale.status_code) == (428, 412)
    assert Interaction.objects.filter(pk=call.pk).exists()

    done = client.delete(_path(call), HTTP_IF_MATCH='"v1"', **headers)  # type: ignore[arg-type]

    assert done.status_code == 204
    assert not Interaction.objects.filter(pk=call.pk).exists()
    assert not InteractionPerson.objects.exists()
    assert not TimelineEvent.objects.filter(kind=EventKind.INTERACTION_LOGGED).exists()
    assert _summary_days(person=ana) == _summary_days(account_id=account) == []
    assert refreshed[-1] == {"people": [ana.pk], "accounts": [account]}
    assert client.get(_path(call), **headers).status_code == 404  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "loc", "message"),
    [
        ({"people": []}, ["body", "people"], "Choose at least one person from the client's side."),
        ({"people": [999999]}, ["body", "people"], "There is nothing with id 999999."),
        ({"colleagues": []}, ["body", "colleagues"], "Choose at least one person from our side."),
        ({"colleagues": [999998]}, ["body", "colleagues"], "There is nothing with id 999998."),
        ({"started_at": "1989-12-31T10:00:00Z"}, ["body", "payload", "started_at"],
         "Value error, The date must be between 1990-01-01 and {last}."),
        ({"started_at": "{next_year}T10:00:00Z"}, ["body", "started_at"],
         "At most one year ahead."),
        ({"summary": "x" * 10_001}, ["body", "payload", "summary"],
         "String should have at most 10000 characters"),
    ],
)  # fmt: skip
def test_a_correction_is_checked_as_a_new_interaction_and_nothing_changes(
    client: Client, owner: User, call: Interaction, changes: dict[str, Any], loc: list[str],
    message: str,
) -> None:  # fmt: skip
    today = timezone.localdate()
    for key, value in changes.items():
        if isinstance(value, str):
            changes[key] = value.replace(
                "{next_year}", (today + dt.timedelta(days=400)).isoformat()
            )
    message = message.replace("{last}", last_day().isoformat())

    response = client.patch(_path(call), data=changes, content_type=JSON, HTTP_IF_MATCH='"v1"',
                            **bearer(owner))  # type: ignore[arg-type]  # fmt: skip

    assert response.status_code == 422, response.content
    [error] = response.json()["errors"]
    assert (error["loc"], error["msg"]) == (loc, message)
    call.refresh_from_db()
    assert (call.version, call.summary, call.started_at.date()) == (
        1, "Renovación del contrato", dt.date(2025, 3, 3),
    )  # fmt: skip
    assert InteractionPerson.objects.filter(interaction=call).count() == 1
