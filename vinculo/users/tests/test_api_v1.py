"""API v1: bounds (no input is a 5xx), versions (ETag / If-Match), cursor pages over the
visible set, Idempotency-Key, problems, the rate limit, the schema by token, the docs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from vinculo.access import rules
from vinculo.factories import AccountFactory, ColleagueFactory, EmploymentFactory, PersonFactory
from vinculo.people.models import Person
from vinculo.users.models import IdempotencyKey, Role, User
from vinculo.users.services import api_token_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def owner(owner: User) -> User:
    """Ana with the administrator's view of the book: these tests are about how the API
    behaves; who sees what, role by role, is vinculo/access/tests (test_api_matrix.py)."""
    owner.role = Role.ADMIN
    owner.save(update_fields=["role"])
    return owner


BIG = 2**63  # one above the largest id SQLite and PostgreSQL can hold


@pytest.fixture
def client() -> Client:
    return Client(headers={"accept-language": "en"})


def bearer(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)[1]}"}


# -- bounds: these were 500s or were stored before v1 -------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/people?page=9223372036854775807",
        "/api/v1/people?page_size=9223372036854775807",
        "/api/v1/accounts?page=99999999999999999999",
    ],
)
def test_a_huge_page_number_is_ignored_not_a_500(client: Client, owner: User, path: str) -> None:
    PersonFactory(name="Ana")
    response = client.get(path, **bearer(owner))  # type: ignore[arg-type]
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/people/{BIG}",
        f"/api/v1/accounts/{BIG * 4}",
        f"/api/v1/people?owner_id={BIG}",
        f"/api/v1/interactions?person_id={BIG}",
        "/api/v1/people?limit=9223372036854775807",
        "/api/v1/people/0",
    ],
)
def test_ids_and_sizes_beyond_their_range_are_a_422_problem(
    client: Client, owner: User, path: str
) -> None:
    response = client.get(path, **bearer(owner))  # type: ignore[arg-type]
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Invalid data"


@pytest.mark.parametrize(
    "value", ["9.3e-126", "0", "1700000000", "2024-02-30", "1989-12-31", "2999-01-01"]
)
def test_a_date_must_be_a_real_day_written_as_such_and_in_range(
    client: Client, owner: User, value: str
) -> None:
    # Before v1, ?date=9.3e-126 was read as 1970-01-01 (a Unix timestamp).
    response = client.get("/api/v1/agenda", {"date": value}, **bearer(owner))  # type: ignore[arg-type]
    assert response.status_code == 422


def test_a_date_in_range_is_accepted(client: Client, owner: User) -> None:
    response = client.get("/api/v1/agenda", {"date": "2026-06-30"}, **bearer(owner))  # type: ignore[arg-type]
    assert response.status_code == 200
    assert response.json()["date"] == "2026-06-30"


def test_text_the_database_cannot_hold_is_a_422(client: Client, owner: User) -> None:
    for name in ["Ana\x00", "Ana\ud800"]:
        response = client.post(
            "/api/v1/people", data={"name": name}, content_type="application/json",
            **bearer(owner),
        )  # type: ignore[arg-type]  # fmt: skip
        assert response.status_code == 422
    response = client.get("/api/v1/people", {"q": "a\x00b"}, **bearer(owner))  # type: ignore[arg-type]
    assert response.status_code == 422
    assert not Person.objects.exists()


# -- the schema, the docs and the old addresses -------------------------------------------


def test_the_schema_answers_a_bearer_token_not_only_a_session(client: Client, owner: User) -> None:
    anonymous = client.get("/api/openapi.json")
    with_token = client.get("/api/openapi.json", **bearer(owner))  # type: ignore[arg-type]

    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/problem+json"
    assert with_token.status_code == 200
    schema = with_token.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/people/{person_id}" in schema["paths"]
    patch = schema["paths"]["/api/v1/people/{person_id}"]["patch"]
    assert {"400", "401", "403", "404", "412", "422", "428", "429", "500"} <= set(
        patch["responses"]
    )
    assert "application/problem+json" in patch["responses"]["412"]["content"]
    assert "application/problem+json" in patch["responses"]["428"]["content"]
    if_match = next(p for p in patch["parameters"] if p["name"] == "If-Match")
    assert (if_match["in"], if_match["required"]) == ("header", True)
    delete = schema["paths"]["/api/v1/employments/{employment_id}"]["delete"]
    assert {"412", "428"} <= set(delete["responses"])
    assert next(p for p in delete["parameters"] if p["name"] == "If-Match")["required"] is True
    post = schema["paths"]["/api/v1/people"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in post["parameters"]}


def test_the_docs_are_served_from_our_own_static_files_under_the_csp(
    client: Client, owner: User
) -> None:
    client.force_login(owner)
    page = client.get("/api/docs")

    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # no inline code: the settings are a JSON data block
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_the_old_addresses_redirect_permanently_to_v1(client: Client, owner: User) -> None:
    response = client.get("/api/people?q=ana", **bearer(owner))  # type: ignore[arg-type]
    assert response.status_code == 308
    assert response["Location"] == "/api/v1/people?q=ana"
    post = client.post("/api/people", data={}, content_type="application/json")
    assert (post.status_code, post["Location"]) == (308, "/api/v1/people")


def test_an_unsupported_method_is_a_405_problem_with_allow(client: Client, owner: User) -> None:
    ana = PersonFactory()
    response = client.put(f"/api/v1/people/{ana.pk}", data={}, content_type="application/json",
                          **bearer(owner))  # type: ignore[arg-type]  # fmt: skip
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}


# -- versions ------------------------------------------------------------------------------


def test_two_clients_edit_the_same_person_and_the_second_gets_412(
    client: Client, owner: User, teammate: User
) -> None:
    ana = PersonFactory(name="Ana", phones="600 000 000")
    teammate.role = Role.ADMIN  # two administrators: both may edit Ana
    teammate.save(update_fields=["role"])
    first, second = bearer(owner), bearer(teammate)
    path = f"/api/v1/people/{ana.pk}"

    # Both read Ana, and get the same ETag
    etag_1 = client.get(path, **first)["ETag"]  # type: ignore[arg-type]
    etag_2 = client.get(path, **second)["ETag"]  # type: ignore[arg-type]
    assert etag_1 == etag_2 == '"v1"'

    # The first changes her phone
    one = client.patch(path, data={"phones": "611 111 111"}, content_type="application/json",
                       HTTP_IF_MATCH=etag_1, **first)  # type: ignore[arg-type]  # fmt: skip
    # The second, still holding the old ETag, tries to change her name
    two = client.patch(path, data={"name": "Ana María"}, content_type="application/json",
                       HTTP_IF_MATCH=etag_2, **second)  # type: ignore[arg-type]  # fmt: skip
    # A third sends no If-Match at all
    blind = client.patch(path, data={"name": "Anita"}, content_type="application/json",
                         **second)  # type: ignore[arg-type]  # fmt: skip

    assert one.status_code == 200
    assert one["ETag"] == '"v2"'
    assert two.status_code == 412
    assert two["Content-Type"] == "application/problem+json"
    assert two["ETag"] == '"v2"'
    assert two.json()["detail"].startswith("Changed by ")
    problem = blind.json()
    assert (blind.status_code, blind["Content-Type"], problem["status"]) == (
        428, "application/problem+json", 428,
    )  # fmt: skip
    assert (problem["title"], problem["detail"]) == (
        "If-Match required",
        "Send If-Match with the ETag you read, so that no one else's change is overwritten.",
    )
    ana.refresh_from_db()
    assert (ana.name, ana.phones, ana.version) == ("Ana", "611 111 111", 2)


def test_patch_with_if_match_changes_only_the_fields_sent(client: Client, owner: User) -> None:
    ana = PersonFactory(name="Ana", phones="600")
    response = client.patch(f"/api/v1/people/{ana.pk}", data={"notes": "Prefiere llamadas"},
                            content_type="application/json", HTTP_IF_MATCH='"v1"',
                            **bearer(owner))  # type: ignore[arg-type]  # fmt: skip
    assert response.status_code == 200
    ana.refresh_from_db()
    assert (ana.name, ana.phones, ana.notes) == ("Ana", "600", "Prefiere llamadas")


@pytest.mark.parametrize("if_match", [None, "", "*"])
def test_patch_and_delete_without_an_etag_are_428_in_the_callers_language(
    owner: User, if_match: str | None
) -> None:
    ana = PersonFactory(name="Ana")
    job = EmploymentFactory(person=ana, account=AccountFactory(), title="CTO")
    headers: dict[str, Any] = bearer(owner)
    if if_match is not None:
        headers["HTTP_IF_MATCH"] = if_match
    spanish = Client(headers={"accept-language": "es"})

    patched = spanish.patch(f"/api/v1/people/{ana.pk}", data={"name": "X"},
                            content_type="application/json", **headers)  # fmt: skip
    deleted = spanish.delete(f"/api/v1/employments/{job.pk}", **headers)

    for response in (patched, deleted):
        assert response.status_code == 428
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"] == (
            "Envía If-Match con la ETag que leíste, para no sobrescribir el cambio de otra persona."
        )
    ana.refresh_from_db()
    assert (ana.name, ana.version) == ("Ana", 1)
    assert ana.employments.get() == job


def test_an_if_match_that_is_no_etag_of_ours_is_412(client: Client, owner: User) -> None:
    ana = PersonFactory(name="Ana")
    response = client.patch(f"/api/v1/people/{ana.pk}", data={"name": "X"},
                            content_type="application/json", HTTP_IF_MATCH="garbage",
                            **bearer(owner))  # type: ignore[arg-type]  # fmt: skip
    assert response.status_code == 412
    ana.refresh_from_db()
    assert ana.name == "Ana"


# -- access ---------------------------------------------------------------------------------


def test_a_client_pages_through_exactly_the_people_it_may_see(
    client: Client, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [PersonFactory(name=f"Persona {n:02}") for n in range(23)]
    visible = {p.pk for p in people if p.pk % 3 != 0}
    monkeypatch.setattr(rules, "visible_people", lambda user: Person.objects.filter(pk__in=visible))
    headers = bearer(owner)

    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        query: dict[str, Any] = {"limit": 4, "ordering": "-name"}
        if cursor:
            query["cursor"] = cursor
        body = client.get("/api/v1/people", query, **headers).json()  # type: ignore[arg-type]
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == len(set(seen))
    assert set(seen) == visible
    assert pages == -(-len(visible) // 4)
    names = [Person.objects.get(pk=pk).name for pk in seen]
    assert names == sorted(names, reverse=True)
    # A hidden person is not found, not forbidden
    hidden = next(p for p in people if p.pk not in visible)
    assert client.get(f"/api/v1/people/{hidden.pk}", **headers).status_code == 404  # type: ignore[arg-type]


def test_a_forged_cursor_is_a_400(client: Client, owner: User) -> None:
    response = client.get("/api/v1/people", {"cursor": "eyJrIjpbIngiLDFdfQ"}, **bearer(owner))  # type: ignore[arg-type]
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_personal_facts_only_through_the_rule(
    client: Client, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = PersonFactory(name="Ana", family="Dos hijas", birthday=dt.date(1980, 5, 1))
    headers = bearer(owner)
    shown = client.get(f"/api/v1/people/{ana.pk}", **headers).json()  # type: ignore[arg-type]
    monkeypatch.setattr(rules, "can_see_personal_facts", lambda user, person: False)
    hidden = client.get(f"/api/v1/people/{ana.pk}", **headers).json()  # type: ignore[arg-type]
    refused = client.patch(f"/api/v1/people/{ana.pk}", data={"family": "x"},
                           content_type="application/json", HTTP_IF_MATCH='"v1"',
                           **headers)  # type: ignore[arg-type]  # fmt: skip

    assert (shown["family"], shown["birthday"], shown["personal_facts_visible"]) == (
        "Dos hijas", "1980-05-01", True,
    )  # fmt: skip
    assert (hidden["family"], hidden["birthday"], hidden["personal_facts_visible"]) == (
        None, None, False,
    )  # fmt: skip
    assert refused.status_code == 403
    ana.refresh_from_db()
    assert ana.family == "Dos hijas"


def test_a_denied_write_is_403_and_changes_nothing(client: Client, viewer: User) -> None:
    # Ana is of the viewer's team, so the viewer reads her but may not change anything.
    ana = PersonFactory(name="Ana", owner=ColleagueFactory(team=viewer.team))
    headers = bearer(viewer)

    patched = client.patch(f"/api/v1/people/{ana.pk}", data={"name": "X"},
                           content_type="application/json", HTTP_IF_MATCH='"v1"',
                           **headers)  # type: ignore[arg-type]  # fmt: skip
    promised = client.post("/api/v1/commitments", data={"text": "x", "person_id": ana.pk},
                           content_type="application/json", **headers)  # type: ignore[arg-type]  # fmt: skip

    assert (patched.status_code, promised.status_code) == (403, 403)
    ana.refresh_from_db()
    assert (ana.name, ana.version) == ("Ana", 1)
    assert not ana.commitments.exists()


# -- Idempotency-Key and the rate limit -----------------------------------------------------


def test_the_same_idempotency_key_replays_the_first_answer(client: Client, owner: User) -> None:
    headers = {**bearer(owner), "HTTP_IDEMPOTENCY_KEY": "create-ana-1"}
    body = {"name": "Ana"}

    first = client.post("/api/v1/people", data=body, content_type="application/json", **headers)  # type: ignore[arg-type]
    again = client.post("/api/v1/people", data=body, content_type="application/json", **headers)  # type: ignore[arg-type]
    other = client.post("/api/v1/people", data={"name": "Bea"}, content_type="application/json",
                        **headers)  # type: ignore[arg-type]  # fmt: skip

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert list(Person.objects.values_list("name", flat=True)) == ["Ana"]
    assert IdempotencyKey.objects.count() == 1


def test_keys_belong_to_their_token(client: Client, owner: User) -> None:
    body = {"name": "Ana"}
    for _ in range(2):
        headers = {**bearer(owner), "HTTP_IDEMPOTENCY_KEY": "same"}
        response = client.post("/api/v1/people", data=body, content_type="application/json",
                               **headers)  # type: ignore[arg-type]  # fmt: skip
        assert response.status_code == 201
    assert Person.objects.count() == 2


def test_the_rate_limit_is_per_token_with_retry_after(
    client: Client, owner: User, settings: Any
) -> None:
    settings.VINCULO_API_RATE = 3
    mine, other = bearer(owner), bearer(owner)

    answers = [client.get("/api/v1/people", **mine).status_code for _ in range(4)]  # type: ignore[arg-type]
    limited = client.get("/api/v1/people", **mine)  # type: ignore[arg-type]

    assert answers == [200, 200, 200, 429]
    assert limited["Content-Type"] == "application/problem+json"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert client.get("/api/v1/people", **other).status_code == 200  # type: ignore[arg-type]


# -- the token page ---------------------------------------------------------------------------


def test_a_user_makes_uses_and_revokes_a_token_on_the_page(client: Client, owner: User) -> None:
    client.force_login(owner)
    assert 'href="/account/api-tokens/"' in client.get("/").content.decode()

    made = client.post("/account/api-tokens/", {"action": "create", "name": "CI"})
    token = made.context["new_token"]
    assert token.startswith("vin_")
    assert made["Cache-Control"] == "no-store"
    row = owner.api_tokens.get()
    assert row.name == "CI" and token not in row.digest

    # Shown once: the list afterwards does not contain it
    listed = client.get("/account/api-tokens/")
    assert token not in listed.content.decode()

    api = Client()
    assert api.get("/api/v1/people", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None
    assert row.last_used_at.strftime("%d") in client.get("/account/api-tokens/").content.decode()

    client.post("/account/api-tokens/", {"action": "revoke", "token_id": row.pk})
    assert api.get("/api/v1/people", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_nobody_revokes_someone_elses_token(client: Client, owner: User, teammate: User) -> None:
    row, _token = api_token_create(user=teammate)
    client.force_login(owner)
    response = client.post("/account/api-tokens/", {"action": "revoke", "token_id": row.pk})
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


def test_problems_speak_the_language_of_the_request(owner: User) -> None:
    spanish = Client(headers={"accept-language": "es"})
    response = spanish.get(f"/api/v1/people/{BIG - 1}", **bearer(owner))  # type: ignore[arg-type]
    assert response.status_code == 404
    assert response.json()["detail"] == "Aquí no hay nada, o no puede verlo."
    assert response.json()["title"] == "No encontrado"


def test_a_refusal_for_the_circumstances_is_not_replayed(
    client: Client, owner: User, viewer: User
) -> None:
    # A forbidden create under a key does not stop the same key from working later
    token = api_token_create(user=viewer)[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": "k1"}
    refused = client.post("/api/v1/people", data={"name": "Ana"},
                          content_type="application/json", **headers)  # type: ignore[arg-type]  # fmt: skip
    assert refused.status_code == 403
    assert not IdempotencyKey.objects.exists()
