"""The manager's pages: team, complaints inbox, promises board, concerns, health settings
(branch pages, issue 13): what they show and their pinned query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from vinculo.commitments.models import Commitment, Complaint, Concern
from vinculo.factories import AccountFactory, PersonFactory, UserFactory
from vinculo.health.models import HealthSettings, HealthSnapshot
from vinculo.people.models import Colleague
from vinculo.users.models import Role, User

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ES = {"HTTP_ACCEPT_LANGUAGE": "es"}


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def manager(client: Client) -> Client:
    # The administrator's view of the book: these tests' data has no owners, and who sees
    # what, role by role, is vinculo/access/tests/test_matrix.py.
    client.force_login(UserFactory(username="marta", role=Role.ADMIN))
    return client


def complaints_book(n: int) -> None:
    account = AccountFactory(name="Acme")
    person = PersonFactory(name="Lía Gómez")
    for i in range(n):
        Complaint.objects.create(
            account=account,
            person=person,
            opened=today() - dt.timedelta(days=10 + i),
            severity="critical" if i == 0 else "low",
            summary=f"Queja {i}",
            first_response=None if i == 0 else today() - dt.timedelta(days=9 + i),
        )


def test_complaints_inbox_times_against_targets(manager: Client) -> None:
    complaints_book(2)

    en = manager.get("/reports/complaints/", **EN).content.decode()
    es = manager.get("/reports/complaints/", **ES).content.decode()

    # the critical one: no answer after 10 days against a 2-day target
    assert "none yet" in en and "10 days open" in en and "/ 2</span>" in en
    # the low one answered after 1 day (target 30)
    assert ">1 day <span" in en.replace("\n", "")
    assert "Crítica" in es and "Queja 0" in es


def test_promises_board_marks_the_late_ones(manager: Client) -> None:
    person = PersonFactory(name="Lía Gómez")
    Commitment.objects.create(
        person=person,
        text="Send the offer",
        made_on=today() - dt.timedelta(days=5),
        due=today() - dt.timedelta(days=1),
    )
    Commitment.objects.create(person=person, text="Visit the plant", made_on=today())
    Commitment.objects.create(
        person=person, text="Kept one", made_on=today(), status="kept", closed_on=today()
    )

    html = manager.get("/reports/promises/", **EN).content.decode()

    assert "1 day late" in html
    assert html.index("Send the offer") < html.index("Visit the plant")
    assert "Kept one" not in html


def test_concerns_lists_the_open_ones(manager: Client) -> None:
    person = PersonFactory(name="Lía Gómez")
    Concern.objects.create(person=person, topic="Plazos de entrega", opened=today())
    Concern.objects.create(person=person, topic="Ya resuelto", opened=today(), resolved=today())

    html = manager.get("/reports/concerns/", **ES).content.decode()

    assert "Plazos de entrega" in html and "Ya resuelto" not in html


def test_team_page_counts_per_account_manager(manager: Client) -> None:
    ana = UserFactory(username="ana2", first_name="Ana", role=Role.ACCOUNT_MANAGER)
    colleague = Colleague.objects.create(name="Ana", email="ana2@us.example", user=ana)
    account = AccountFactory(name="Acme", owner=colleague)
    HealthSnapshot.objects.create(as_of=today(), account=account, overall=20, band="red")
    Complaint.objects.create(account=account, opened=today(), severity="critical")

    html = manager.get("/reports/team/", **EN).content.decode()
    row = html[html.index('<th scope="row">Ana</th>') :]

    assert '<td data-label="Red accounts" class="num late">1</td>' in row
    assert '<td data-label="Critical complaints" class="num late">1</td>' in row


@pytest.mark.parametrize("size", [2, 20])
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/reports/complaints/", 4),
        ("/reports/promises/", 3),
        ("/reports/concerns/", 3),
        ("/reports/team/", 7),
    ],
)
def test_manager_pages_query_count_is_fixed(
    manager: Client, django_assert_num_queries, size: int, url: str, queries: int
) -> None:
    complaints_book(size)
    for i in range(size):
        UserFactory(username=f"am{i}", role=Role.ACCOUNT_MANAGER)

    with django_assert_num_queries(queries):
        assert manager.get(url).status_code == 200


def test_viewers_and_account_managers_do_not_change_settings(
    client: Client, viewer: User, owner: User
) -> None:
    for user in (viewer, owner):
        client.force_login(user)
        assert client.get("/settings/health/").status_code == 403


def form(**changes: str) -> dict[str, str]:
    """The settings form as the page fills it with the defaults, with some changes."""
    from vinculo.health.config import EngineConfig
    from vinculo.web.report_views import SCALARS, TABLES

    cfg = EngineConfig()
    values = {name: str(getattr(cfg, name)) for name in SCALARS}
    for table in TABLES:
        for key, value in getattr(cfg, table).items():
            values[f"{table}.{key}"] = str(value)
    return values | changes


def test_settings_preview_counts_band_changes_and_saves(manager: Client) -> None:
    page = manager.get("/settings/health/", **EN).content.decode()
    assert 'name="person_weights.cadence"' in page and 'value="25"' in page
    person = PersonFactory()
    HealthSnapshot.objects.create(
        as_of=today(),
        person=person,
        overall=65,
        band="yellow",
        components={"cadence": {"value": 65, "facts": {}}},
    )

    preview = manager.post("/settings/health/", form(green_from="60", action="preview"), **EN)
    text = preview.content.decode()
    assert "1 people and 0 accounts would change band" in text, text[text.index("<main") :][:1500]
    assert not HealthSettings.objects.exists()

    saved = manager.post("/settings/health/", form(green_from="60", action="save"), **EN)
    assert saved.status_code == 302
    assert HealthSettings.objects.get().overrides == {"green_from": 60}


def test_settings_refuse_what_the_engine_refuses(manager: Client) -> None:
    response = manager.post("/settings/health/", form(yellow_from="80", action="save"), **EN)

    assert response.status_code == 200
    assert "must not be above green_from" in response.content.decode()
    assert not HealthSettings.objects.exists()


def test_settings_page_query_count_is_fixed(manager: Client, django_assert_num_queries) -> None:
    for _i in range(5):
        HealthSnapshot.objects.create(
            as_of=today(), person=PersonFactory(), overall=50, band="yellow"
        )

    # session, user, the stored settings
    with django_assert_num_queries(3):
        assert manager.get("/settings/health/").status_code == 200
    # the preview also reads the latest day and that day's snapshots
    with django_assert_num_queries(5):
        assert manager.post("/settings/health/", form(action="preview")).status_code == 200
