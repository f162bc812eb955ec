"""Logging interactions over the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from vinculo.factories import AccountFactory, ColleagueFactory, EmploymentFactory, PersonFactory
from vinculo.interactions.models import Interaction
from vinculo.people.services import person_change_employment
from vinculo.timeline.models import TimelineEvent
from vinculo.users.models import Role, User

CHANNELS = "meeting, call, video, email, meal, event, message"


@pytest.fixture
def client() -> Client:
    return Client(headers={"accept-language": "en"})


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def owner(owner: User) -> User:
    """Ana with the administrator's view of the book: these tests are about how the API
    behaves; who sees what, role by role, is vinculo/access/tests (test_api_matrix.py)."""
    owner.role = Role.ADMIN
    owner.save(update_fields=["role"])
    return owner


def test_logging_a_meeting_after_a_move_goes_to_the_new_account(
    client: Client, owner: User
) -> None:
    # Given Ana, who moved from Acme to Globex on 1 June 2024, and our colleague Luis
    ana, luis = PersonFactory(), ColleagueFactory()
    acme, globex = AccountFactory(), AccountFactory()
    EmploymentFactory(person=ana, account=acme)
    person_change_employment(person=ana, new_account=globex, on=dt.date(2024, 6, 1))
    client.force_login(owner)

    # When meetings before and after the move are logged
    payload = {"channel": "meeting", "people": [ana.pk], "colleagues": [luis.pk]}
    before = client.post(
        "/api/v1/interactions",
        data={**payload, "started_at": "2024-05-20T10:00:00+02:00", "duration_min": 45},
        content_type="application/json",
    )
    after = client.post(
        "/api/v1/interactions",
        data={**payload, "started_at": "2024-06-20T10:00:00+02:00", "level": "strategic"},
        content_type="application/json",
    )

    # Then each went to the account of its date, with both sides
    assert (before.status_code, after.status_code) == (201, 201), before.content
    assert before.json()["account_id"] == acme.pk
    assert after.json()["account_id"] == globex.pk
    assert after.json()["people"] == [ana.pk]
    assert after.json()["colleagues"] == [luis.pk]
    assert Interaction.objects.get(pk=after.json()["id"]).created_by == owner


@pytest.mark.parametrize(
    ("changes", "loc", "message"),
    [
        ({"people": []}, ["body", "people"], "Choose at least one person from the client's side."),
        ({"people": [999999]}, ["body", "people"], "There is nothing with id 999999."),
        ({"colleagues": [999998]}, ["body", "colleagues"], "There is nothing with id 999998."),
        ({"colleagues": []}, ["body", "colleagues"], "Choose at least one person from our side."),
    ],
)
def test_invalid_interactions_get_422_and_nothing_is_written(
    client: Client, owner: User, changes: dict[str, object], loc: list[str], message: str
) -> None:
    ana, luis = PersonFactory(), ColleagueFactory()
    owner.role = Role.ADMIN  # the whole book: visibility is vinculo/access's tests
    owner.save(update_fields=["role"])
    client.force_login(owner)
    payload = {
        "started_at": "2024-05-20T10:00:00Z",
        "channel": "call",
        "people": [ana.pk],
        "colleagues": [luis.pk],
    }

    response = client.post(
        "/api/v1/interactions", data={**payload, **changes}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": loc, "msg": message, "type": "invalid"}]
    assert not Interaction.objects.exists()
    assert not TimelineEvent.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "kind"),
    [
        ({"channel": "pigeon"}, "channel", "enum"),
        ({"duration_min": -5}, "duration_min", "greater_than_equal"),
        ({"duration_min": 99_999_999}, "duration_min", "less_than_equal"),
        ({"duration_min": 2**64}, "duration_min", "less_than_equal"),
        ({"people": [2**63]}, "people", "less_than_equal"),
        ({"started_at": "8104-05-20T10:00:00Z"}, "started_at", "value_error"),
        ({"started_at": 9.3e-126}, "started_at", "value_error"),
    ],
)
def test_values_out_of_bounds_are_422_from_the_schema_and_nothing_is_written(
    client: Client, owner: User, changes: dict[str, object], field: str, kind: str
) -> None:
    # Before v1: 99,999,999 minutes and a start in year 8104 were stored; 2**64 was a 500.
    ana, luis = PersonFactory(), ColleagueFactory()
    owner.role = Role.ADMIN  # the whole book: visibility is vinculo/access's tests
    owner.save(update_fields=["role"])
    client.force_login(owner)
    payload = {
        "started_at": "2024-05-20T10:00:00Z",
        "channel": "call",
        "people": [ana.pk],
        "colleagues": [luis.pk],
    }

    response = client.post(
        "/api/v1/interactions", data={**payload, **changes}, content_type="application/json"
    )

    assert response.status_code == 422, response.content
    [error] = response.json()["errors"]
    assert error["loc"][:3] == ["body", "payload", field]
    assert error["type"] == kind
    assert not Interaction.objects.exists()


def test_a_viewer_cannot_log(client: Client, viewer: User) -> None:
    ana = PersonFactory()
    client.force_login(viewer)
    response = client.post(
        "/api/v1/interactions",
        data={"started_at": "2024-05-20T10:00:00Z", "channel": "call", "people": [ana.pk]},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Interaction.objects.exists()
