"""Who may call the API: sessions, bearer tokens, roles; and the token command."""

from __future__ import annotations

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from vinculo.people.models import Person
from vinculo.users.models import ApiToken, Role, User
from vinculo.users.services import api_token_create, api_token_revoke


@pytest.fixture
def client() -> Client:
    """Django's test client, asking for English as an API caller would."""
    return Client(headers={"accept-language": "en"})


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def owner(owner: User) -> User:
    """Ana with the administrator's view of the book: these tests are about how the API
    behaves; who sees what, role by role, is vinculo/access/tests (test_api_matrix.py)."""
    owner.role = Role.ADMIN
    owner.save(update_fields=["role"])
    return owner


NEW_PERSON = {"name": "Ana López", "emails": ["ana@cliente.example"]}


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/people"),
        ("get", "/api/v1/people/1"),
        ("post", "/api/v1/people"),
        ("get", "/api/v1/accounts"),
        ("get", "/api/v1/accounts/1"),
        ("post", "/api/v1/interactions"),
        ("post", "/api/v1/commitments"),
        ("post", "/api/v1/commitments/1/close"),
    ],
)
def test_every_endpoint_needs_auth(client: Client, method: str, path: str) -> None:
    response = getattr(client, method)(path, data={}, content_type="application/json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not signed in",
        "status": 401,
        "detail": "Sign in or send an API token.",
    }


def test_a_token_authenticates_its_user_and_is_marked_used(client: Client, owner: User) -> None:
    # Given a token made for Ana
    row, token = api_token_create(user=owner, name="ci")

    # When a script lists people and adds one with it (no session, no CSRF)
    listed = client.get("/api/v1/people", **bearer(token))  # type: ignore[arg-type]
    added = client.post(
        "/api/v1/people", data=NEW_PERSON, content_type="application/json", **bearer(token)
    )  # type: ignore[arg-type]

    # Then both work, as Ana
    assert listed.status_code == 200
    assert added.status_code == 201, added.content
    row.refresh_from_db()
    assert row.last_used_at is not None
    person = Person.objects.get(name="Ana López")
    assert person.timeline_events.get().actor == owner


def test_only_a_hash_of_the_token_is_stored(owner: User) -> None:
    row, token = api_token_create(user=owner)
    assert token.startswith("vin_")
    assert len(token) > 40
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    stored = json.dumps(list(ApiToken.objects.values()), default=str)
    assert token not in stored


@pytest.mark.parametrize("kind", ["unknown", "revoked", "inactive user", "not bearer", "tampered"])
def test_a_bad_token_is_refused_and_nothing_is_written(
    client: Client, owner: User, kind: str
) -> None:
    row, token = api_token_create(user=owner)
    headers = bearer(token)
    if kind == "unknown":
        headers = bearer("vin_" + "x" * 43)
    elif kind == "revoked":
        api_token_revoke(token=row)
    elif kind == "inactive user":
        owner.is_active = False
        owner.save(update_fields=["is_active"])
    elif kind == "not bearer":
        headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    else:
        headers = bearer(token[:-1] + ("A" if token[-1] != "A" else "B"))

    read = client.get("/api/v1/people", **headers)  # type: ignore[arg-type]
    write = client.post(
        "/api/v1/people", data=NEW_PERSON, content_type="application/json", **headers
    )  # type: ignore[arg-type]

    assert (read.status_code, write.status_code) == (401, 401)
    assert not Person.objects.exists()


def test_a_session_works_and_writes_need_the_csrf_token(owner: User) -> None:
    # Given Ana signed in in a browser that enforces CSRF like a real one
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)

    # When she reads, then writes without and with the CSRF token
    read = browser.get("/api/v1/people")
    forged = browser.post("/api/v1/people", data=NEW_PERSON, content_type="application/json")
    assert not Person.objects.exists()
    browser.get("/api/docs")  # any page sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    genuine = browser.post(
        "/api/v1/people", data=NEW_PERSON, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )

    # Then reading works, the forged write is refused, the genuine one goes through
    assert read.status_code == 200
    assert forged.status_code == 403
    assert genuine.status_code == 201
    assert Person.objects.count() == 1


@pytest.mark.parametrize("auth", ["session", "token"])
def test_a_viewer_reads_but_cannot_write(client: Client, viewer: User, auth: str) -> None:
    headers: dict[str, str] = {}
    if auth == "session":
        client.force_login(viewer)
    else:
        headers = bearer(api_token_create(user=viewer)[1])

    read = client.get("/api/v1/people", **headers)  # type: ignore[arg-type]
    write = client.post(
        "/api/v1/people", data=NEW_PERSON, content_type="application/json", **headers
    )  # type: ignore[arg-type]

    assert read.status_code == 200
    assert write.status_code == 403
    assert write.json()["detail"] == "Your role can read but not change data."
    assert not Person.objects.exists()


def test_the_documentation_is_for_signed_in_users(client: Client, viewer: User) -> None:
    assert client.get("/api/docs").status_code == 302
    client.force_login(viewer)
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/people", "/api/v1/people/{person_id}", "/api/v1/interactions"} <= set(
        schema["paths"]
    )
    assert "/api/v1/commitments/{commitment_id}/close" in schema["paths"]
    assert {"BearerTokenAuth", "SessionCsrfAuth"} <= set(schema["components"]["securitySchemes"])


class TestTokenCommand:
    def test_create_prints_a_working_token_once(self, owner: User, client: Client) -> None:
        out, err = StringIO(), StringIO()

        call_command(
            "api_token", "create", "ana", "--name", "nightly import", stdout=out, stderr=err
        )

        token = out.getvalue().strip()
        row = ApiToken.objects.get()
        assert (row.user, row.name) == (owner, "nightly import")
        assert row.digest == hashlib.sha256(token.encode()).hexdigest()
        assert token not in err.getvalue()
        assert client.get("/api/v1/people", **bearer(token)).status_code == 200  # type: ignore[arg-type]

    def test_list_and_revoke(self, owner: User, client: Client) -> None:
        row, token = api_token_create(user=owner, name="ci")
        out = StringIO()

        call_command("api_token", "list", stdout=out)
        assert f"{row.pk}\tana\tci\tactive" in out.getvalue()
        assert token not in out.getvalue()

        call_command("api_token", "revoke", str(row.pk), stdout=StringIO())
        row.refresh_from_db()
        assert row.revoked_at is not None
        assert client.get("/api/v1/people", **bearer(token)).status_code == 401  # type: ignore[arg-type]

    def test_unknown_user_is_an_error(self, db: None) -> None:
        with pytest.raises(CommandError, match="No user named 'nadie'"):
            call_command("api_token", "create", "nadie", stdout=StringIO(), stderr=StringIO())
        assert not ApiToken.objects.exists()
