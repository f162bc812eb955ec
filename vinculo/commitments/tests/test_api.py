"""The promise ledger over the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from vinculo.commitments.models import Commitment
from vinculo.commitments.services import commitment_record
from vinculo.factories import AccountFactory, EmploymentFactory, PersonFactory
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import Role, User
from vinculo.users.services import api_token_create


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


@pytest.fixture
def promise() -> Commitment:
    return commitment_record(
        text="Enviar la oferta", made_on=dt.date(2024, 3, 1), due=dt.date(2024, 3, 10),
        person=PersonFactory(),
    )  # fmt: skip


def test_record_then_close_late_with_a_token(client: Client, owner: User) -> None:
    # Given Ana at Acme and a script with Ana's owner's token
    ana, acme = PersonFactory(), AccountFactory()
    EmploymentFactory(person=ana, account=acme)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=owner)[1]}"}

    # When it records a promise to Ana and later closes it as kept, after the due date
    made = client.post(
        "/api/v1/commitments",
        data={"text": "Enviar la oferta", "made_on": "2024-03-01", "due": "2024-03-10",
              "person_id": ana.pk},
        content_type="application/json", **headers,
    )  # type: ignore[arg-type]  # fmt: skip
    closed = client.post(
        f"/api/v1/commitments/{made.json()['id']}/close",
        data={"status": "kept", "closed_on": "2024-03-12"},
        content_type="application/json", **headers,
    )  # type: ignore[arg-type]  # fmt: skip

    # Then the account came from Ana's job, and the ledger says kept late
    assert made.status_code == 201, made.content
    assert made.json()["account_id"] == acme.pk
    assert closed.status_code == 200, closed.content
    assert (closed.json()["status"], closed.json()["closed_on"]) == ("kept_late", "2024-03-12")
    assert TimelineEvent.objects.filter(kind=EventKind.COMMITMENT_CLOSED, actor=owner).count() == 1


def test_renegotiating_without_a_new_due_date_is_a_422(
    client: Client, owner: User, promise: Commitment
) -> None:
    client.force_login(owner)

    response = client.post(
        f"/api/v1/commitments/{promise.pk}/close",
        data={"status": "renegotiated", "closed_on": "2024-03-10"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["body", "new_due"], "msg": "A renegotiated promise needs a new due date.",
         "type": "invalid"}
    ]  # fmt: skip
    promise.refresh_from_db()
    assert (promise.status, promise.closed_on) == ("open", None)


def test_a_promise_to_nobody_is_a_422(client: Client, owner: User) -> None:
    client.force_login(owner)
    response = client.post(
        "/api/v1/commitments", data={"text": "Llamar"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["msg"] == "Say to whom: a person, an account or both."
    assert not Commitment.objects.exists()


def test_a_viewer_cannot_record_or_close(client: Client, viewer: User, promise: Commitment) -> None:
    client.force_login(viewer)

    made = client.post(
        "/api/v1/commitments",
        data={"text": "Llamar", "person_id": promise.person_id},
        content_type="application/json",
    )
    closed = client.post(
        f"/api/v1/commitments/{promise.pk}/close",
        data={"status": "broken"},
        content_type="application/json",
    )

    assert (made.status_code, closed.status_code) == (403, 403)
    assert Commitment.objects.count() == 1
    promise.refresh_from_db()
    assert promise.status == "open"


def test_closing_an_unknown_promise_is_a_404(client: Client, owner: User) -> None:
    client.force_login(owner)
    response = client.post(
        "/api/v1/commitments/999999/close", data={"status": "kept"}, content_type="application/json"
    )
    assert response.status_code == 404
