"""The same rules over the REST API (v1), with a bearer token per named actor: what each may
read, that denied reads are 404, denied writes 403 or 404 and change nothing, and that the
API's reads of personal facts are recorded like the web's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from vinculo.access.models import PersonalDataRead
from vinculo.access.tests.actors import Book
from vinculo.commitments.models import Commitment
from vinculo.interactions.models import Interaction
from vinculo.interactions.services import interaction_log
from vinculo.users.services import api_token_create

pytestmark = pytest.mark.django_db


def _as(book: Book, actor: str) -> dict[str, Any]:
    _row, token = api_token_create(user=book.actors()[actor])
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _names(client: Client, auth: dict[str, Any], path: str) -> list[str]:
    response = client.get(path, {"limit": 100}, **auth)
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["items"])


@pytest.mark.parametrize(
    ("actor", "people", "accounts"),
    [
        ("owner", ["Nuria"], ["Acme Norte"]),
        ("teammate", ["Bruno"], ["Beta Norte"]),
        ("other_team", ["Sergio"], ["Sur Industrial"]),
        ("viewer", ["Bruno", "Nuria"], ["Acme Norte", "Beta Norte"]),
        ("manager", ["Bruno", "Nuria"], ["Acme Norte", "Beta Norte"]),
        ("other_manager", ["Sergio"], ["Sur Industrial"]),
        ("admin", ["Bruno", "Nuria", "Sergio"], ["Acme Norte", "Beta Norte", "Sur Industrial"]),
    ],
)
def test_lists_hold_exactly_the_visible_rows(
    client: Client, book: Book, actor: str, people: list[str], accounts: list[str]
) -> None:
    auth = _as(book, actor)
    assert [n.split()[0] for n in _names(client, auth, "/api/v1/people")] == people
    assert _names(client, auth, "/api/v1/accounts") == accounts


def test_other_teams_people_are_404_and_their_promises_cannot_be_closed(
    client: Client, book: Book
) -> None:
    auth = _as(book, "owner")
    assert client.get(f"/api/v1/people/{book.sergio.pk}", **auth).status_code == 404
    assert client.get(f"/api/v1/accounts/{book.sur_account.pk}", **auth).status_code == 404
    promise = Commitment.objects.filter(person=book.sergio).get()
    response = client.post(
        f"/api/v1/commitments/{promise.pk}/close",
        {"status": "kept", "closed_on": "2026-11-30"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code in (403, 404)
    promise.refresh_from_db()
    assert promise.closed_on is None


def test_a_viewer_cannot_write_and_nothing_changes(client: Client, book: Book) -> None:
    auth = _as(book, "viewer")
    before = book.nuria.version
    response = client.patch(
        f"/api/v1/people/{book.nuria.pk}",
        {"notes": "changed"},
        content_type="application/json",
        HTTP_IF_MATCH=f'"v{before}"',
        **auth,
    )
    assert response.status_code == 403
    book.nuria.refresh_from_db()
    assert (book.nuria.notes, book.nuria.version) == ("", before)


def test_personal_facts_over_the_api_follow_the_rule_and_are_recorded(
    client: Client, book: Book
) -> None:
    shown = client.get(f"/api/v1/people/{book.nuria.pk}", **_as(book, "manager")).json()
    hidden = client.get(f"/api/v1/people/{book.nuria.pk}", **_as(book, "viewer")).json()
    assert (shown["family"], shown["personal_facts_visible"]) == ("Casada, una hija", True)
    assert (hidden["family"], hidden["personal_facts_visible"]) == (None, False)
    reads = list(PersonalDataRead.objects.values_list("username", "person_id", "face"))
    assert reads == [(book.manager.get_username(), book.nuria.pk, "api")]


@pytest.mark.parametrize(("actor", "status"), [("viewer", 403), ("owner", 200), ("admin", 200)])
def test_insights_as_the_web_reports(client: Client, book: Book, actor: str, status: int) -> None:
    response = client.get("/api/v1/insights", **_as(book, actor))
    assert response.status_code == status
    if status == 200:
        keys = {row["key"] for row in response.json()["accounts"]}

        def key(account: Any) -> str:  # the bundle key, else "account-<id>"
            return account.key or f"account-{account.pk}"

        every = {key(book.norte_account), key(book.beta_account), key(book.sur_account)}
        assert keys == ({key(book.norte_account)} if actor == "owner" else every)


def _call_with_nuria(book: Book) -> Interaction:
    """A call Ana (our side) had with Nuria, of team Norte."""
    return interaction_log(
        started_at=dt.datetime(2025, 3, 3, 10, tzinfo=dt.UTC),
        channel="call",
        people=[book.nuria],
        colleagues=[book.ana],
        summary="Renovación",
    )


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("owner", 200),
        ("teammate", 404),
        ("other_team", 404),
        ("viewer", 403),
        ("manager", 200),
        ("other_manager", 404),
        ("admin", 200),
    ],
)
def test_an_interaction_is_corrected_or_deleted_only_by_who_may_write_on_its_people(
    client: Client, book: Book, actor: str, status: int
) -> None:
    call = _call_with_nuria(book)
    auth = _as(book, actor)
    path = f"/api/v1/interactions/{call.pk}"

    patched = client.patch(
        path, {"summary": "changed"}, content_type="application/json", HTTP_IF_MATCH='"v1"',
        **auth,
    )  # fmt: skip
    call.refresh_from_db()
    allowed = status == 200
    assert (call.summary, call.version) == (("changed", 2) if allowed else ("Renovación", 1))
    deleted = client.delete(path, HTTP_IF_MATCH=f'"v{call.version}"', **auth)

    assert (patched.status_code, deleted.status_code) == (status, 204 if allowed else status)
    assert Interaction.objects.filter(pk=call.pk).exists() is not allowed


def test_a_correction_cannot_bring_in_someone_the_caller_may_not_write_on(
    client: Client, book: Book
) -> None:
    call = _call_with_nuria(book)
    response = client.patch(
        f"/api/v1/interactions/{call.pk}", {"people": [book.nuria.pk, book.sergio.pk]},
        content_type="application/json", HTTP_IF_MATCH='"v1"', **_as(book, "owner"),
    )  # fmt: skip
    assert response.status_code == 422  # Sergio is not visible to Ana: unknown, not forbidden
    call.refresh_from_db()
    assert list(call.person_links.values_list("person_id", flat=True)) == [book.nuria.pk]
    assert call.version == 1
