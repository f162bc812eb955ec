"""Relationship intelligence on the pages: the agenda and its play buttons, health on the
person and account pages, the fairness and portfolio reports, and the engine settings in
the admin. Query counts are pinned at two data sizes."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from vinculo.commitments.models import Complaint
from vinculo.factories import (
    AccountFactory,
    ColleagueFactory,
    EmploymentFactory,
    InteractionFactory,
    PersonFactory,
    UserFactory,
)
from vinculo.growth.models import Concession, Holding, ProductLine
from vinculo.health.admin import HealthSettingsForm
from vinculo.health.models import HealthSettings, HealthSnapshot, Play, PlayKind, PlayStatus
from vinculo.interactions.models import InteractionColleague, InteractionPerson
from vinculo.people.models import Account, Colleague, Person
from vinculo.users.models import Role, User
from vinculo.vocab import Function, Severity
from vinculo.web import charts, views

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_LANGUAGE": "en"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def today() -> dt.date:
    return timezone.localdate()


def shrinking_play(owner: User | None, person: Person, **extra: Any) -> Play:
    return Play.objects.create(
        kind=PlayKind.MEETINGS_SHRINKING,
        person=person,
        facts={"now": 43, "before": 60},
        owner=owner,
        due=today(),
        raised_on=today(),
        **extra,
    )


def snapshot(
    *, day: dt.date, overall: int, cadence: dict[str, int] | None = None, **subject: Any
) -> HealthSnapshot:
    return HealthSnapshot.objects.create(
        as_of=day,
        overall=overall,
        band="green" if overall >= 70 else "yellow" if overall >= 40 else "red",
        components={
            "cadence": {
                "value": 35,
                "facts": (cadence or {"days_since": 50, "every_days": 30}) | {"agreed": True},
            },
            "promises": {"value": 100, "facts": {"due": 0}},
        },
        **subject,
    )


def meet(person: Person, colleague: Colleague, account: Account, days_ago: int) -> None:
    interaction = InteractionFactory(
        started_at=timezone.now() - dt.timedelta(days=days_ago), account=account
    )
    InteractionPerson.objects.create(interaction=interaction, person=person)
    InteractionColleague.objects.create(interaction=interaction, colleague=colleague)


@pytest.fixture
def marta(colleague: Colleague) -> Person:
    acme = AccountFactory(name="Acme Ibérica", owner=colleague, tier="a")
    person = PersonFactory(name="Marta Ruiz", owner=colleague)
    EmploymentFactory(person=person, account=acme, function=Function.FINANCE)
    return person


# --- login and roles -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/agenda/", "/reports/fairness/", "/reports/portfolio/", "/plays/1/done/"]
)
def test_new_pages_need_login(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", ["/reports/fairness/", "/reports/portfolio/"])
def test_viewers_do_not_see_the_reports(client: Client, viewer: User, url: str) -> None:
    client.force_login(viewer)

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.ACCOUNT_MANAGER])
@pytest.mark.parametrize("url", ["/reports/fairness/", "/reports/portfolio/"])
def test_managers_and_account_managers_read_the_reports(
    client: Client, role: str, url: str
) -> None:
    client.force_login(UserFactory(role=role))

    assert client.get(url, **EN).status_code == 200


def test_agenda_is_first_in_the_nav(signed_in: Client) -> None:
    html = signed_in.get("/agenda/", **EN).content.decode()

    nav = html[html.index('aria-label="Main"') :]
    assert nav.index(">Agenda<") < nav.index(">People<") < nav.index(">Accounts<")
    assert 'href="/agenda/" aria-current="page"' in nav


# --- agenda ---------------------------------------------------------------------------


def test_agenda_empty_state(signed_in: Client) -> None:
    response = signed_in.get("/agenda/", **EN)

    assert response.status_code == 200
    assert b"Nothing needs you today" in response.content


def test_agenda_shows_plays_with_why_action_link_due_and_buttons(
    signed_in: Client, owner: User, marta: Person
) -> None:
    # Given a play for me about Marta
    play = shrinking_play(owner, marta)

    # When I open the agenda
    html = signed_in.get("/agenda/", **EN).content.decode()

    # Then the reason and the action are worded now from the facts, not the stored text
    assert "Meetings are getting shorter: 43 minutes on average, 60 before." in html
    assert "Propose a longer meeting with an agenda of their own priorities." in html
    assert "stored reason" not in html
    assert f'href="{marta.get_absolute_url()}"' in html
    assert '<span class="chip chip-kind-meetings_shrinking">Meetings shrinking</span>' in html
    assert f'hx-post="/plays/{play.pk}/done/"' in html
    # Snooze and Dismiss fetch their form when opened (without JavaScript: the play's page)
    assert f'hx-get="/plays/{play.pk}/?form=snooze"' in html
    assert f'hx-get="/plays/{play.pk}/?form=dismiss"' in html
    assert f'href="/plays/{play.pk}/#dismiss-{play.pk}"' in html
    hx = {"HTTP_HX_REQUEST": "true", **EN}
    snooze = signed_in.get(f"/plays/{play.pk}/", {"form": "snooze"}, **hx).content.decode()
    dismiss = signed_in.get(f"/plays/{play.pk}/", {"form": "dismiss"}, **hx).content.decode()
    page = signed_in.get(f"/plays/{play.pk}/", **EN).content.decode()
    assert f'hx-post="/plays/{play.pk}/snooze/"' in snooze and "<html" not in snooze
    assert f'hx-post="/plays/{play.pk}/dismiss/"' in dismiss
    # the snooze date defaults to a week later; the dismiss reason is required; the
    # opened form has the focus
    week = (today() + dt.timedelta(days=7)).isoformat()
    assert f'name="until" value="{week}" required autofocus>' in snooze
    assert re.search(
        r'<textarea id="dismiss-\d+" name="reason" rows="2" required autofocus>', dismiss
    )
    # the play's page has both forms, and says what the play is about
    assert f'name="until" value="{week}" required>' in page
    assert re.search(r'<textarea id="dismiss-\d+" name="reason" rows="2" required>', page)
    assert "Meetings are getting shorter" in page


def test_agenda_shows_one_card_per_person_with_every_reason_strongest_first(
    signed_in: Client, owner: User, colleague: Colleague, marta: Person
) -> None:
    # Given a play and a critical complaint about Marta, and a contact due soon with Luis
    play = shrinking_play(owner, marta)
    Complaint.objects.create(
        person=marta,
        account=marta.employments.get().account,
        opened=today() - dt.timedelta(days=3),
        severity=Severity.CRITICAL,
        summary="The line stopped",
    )
    luis = PersonFactory(name="Luis Ortega", owner=colleague)
    snapshot(day=today(), overall=40, person=luis, cadence={"days_since": 28, "every_days": 30})

    html = signed_in.get("/agenda/", **EN).content.decode()

    # Then Marta has one card with the complaint first, then the play; Luis comes after
    assert html.count('class="agenda-item ') == 2
    complaint = html.index(
        "Complaint of critical severity open for 3 days, not answered yet: The line stopped"
    )
    shrinking = html.index("Meetings are getting shorter")
    contact = html.index(
        "Contact due in 2 days: the last two-way contact was 28 days ago; "
        "the cadence is every 30 days."
    )
    assert complaint < shrinking < contact
    assert html.index("Marta Ruiz") < complaint and html.index("Luis Ortega") > shrinking
    # the play keeps its buttons, on its own line
    assert f'<li class="agenda-reason" id="play-{play.pk}">' in html
    assert "by call" in html
    assert "Today: 2 items (your capacity is 10)" in html


def test_agenda_splits_today_from_later_at_the_users_capacity(
    signed_in: Client, owner: User, colleague: Colleague, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner.daily_capacity = 2
    owner.save(update_fields=["daily_capacity"])
    for i in range(4):
        shrinking_play(owner, PersonFactory(name=f"Persona {i}", owner=colleague))
    monkeypatch.setattr(views, "AGENDA_LATER_SHOWN", 1)

    html = signed_in.get("/agenda/", **EN).content.decode()

    assert "Today: 2 items (your capacity is 2)" in html
    assert "Later: 2 more items" in html
    assert html.count('class="agenda-item ') == 3
    assert '<a href="?later=all">Show 1 more</a>' in html
    every = signed_in.get("/agenda/?later=all", **EN).content.decode()
    assert every.count('class="agenda-item ') == 4 and "Show 1 more" not in every


def test_viewer_sees_the_agenda_without_buttons(client: Client, viewer: User) -> None:
    person = PersonFactory(owner=ColleagueFactory(user=viewer))
    shrinking_play(viewer, person)
    client.force_login(viewer)

    html = client.get("/agenda/", **EN).content.decode()

    assert "Meetings are getting shorter" in html
    assert "/done/" not in html


@pytest.mark.parametrize("size", [3, 30])
def test_agenda_query_count_is_fixed(
    signed_in: Client, owner: User, colleague: Colleague, django_assert_num_queries, size: int
) -> None:
    account = AccountFactory(owner=colleague)
    for i in range(size):
        person = PersonFactory(name=f"Persona {i:03d}", owner=colleague)
        EmploymentFactory(person=person, account=account)
        snapshot(day=today(), overall=30 + i, person=person)
        shrinking_play(owner, person)
        Complaint.objects.create(person=person, opened=today(), summary=f"Queja {i}")

    # session, user, settings, colleague, plays, contacts due, promises, complaints, then
    # for the subjects: jobs, people (names, plans, usual channel, health trend), accounts;
    # the counts of the snoozed and dismissed (the link to them)
    with django_assert_num_queries(12):
        response = signed_in.get("/agenda/")

    assert response.status_code == 200
    # one card per person, with the play and the complaint on it
    assert response.content.count(b'class="agenda-item ') == size
    assert response.content.count(b'class="agenda-reason"') == 2 * size


# --- the play buttons -----------------------------------------------------------------


def test_done_with_htmx_closes_the_play_and_answers_with_a_status(
    signed_in: Client, owner: User, marta: Person
) -> None:
    play = shrinking_play(owner, marta)

    response = signed_in.post(f"/plays/{play.pk}/done/", **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="play-{play.pk}"' in html
    assert 'role="status"' in html and "Marked as done." in html
    play.refresh_from_db()
    assert play.status == PlayStatus.DONE


def test_snooze_until_a_date(signed_in: Client, owner: User, marta: Person) -> None:
    play = shrinking_play(owner, marta)
    until = today() + dt.timedelta(days=10)

    response = signed_in.post(f"/plays/{play.pk}/snooze/", {"until": until.isoformat()}, **HTMX)

    assert response.status_code == 200
    assert b"Snoozed until" in response.content
    play.refresh_from_db()
    assert (play.status, play.snoozed_until) == (PlayStatus.SNOOZED, until)


@pytest.mark.parametrize("until", ["", "not a date", "2000-01-01"])
def test_snooze_needs_a_later_date(
    signed_in: Client, owner: User, marta: Person, until: str
) -> None:
    play = shrinking_play(owner, marta)

    response = signed_in.post(f"/plays/{play.pk}/snooze/", {"until": until}, **HTMX)

    # The error goes to the play's error line; the play stays open
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#play-{play.pk}-error"
    assert response["HX-Reswap"] == "innerHTML"
    play.refresh_from_db()
    assert play.status == PlayStatus.OPEN


def test_dismiss_needs_a_reason(signed_in: Client, owner: User, marta: Person) -> None:
    play = shrinking_play(owner, marta)

    response = signed_in.post(f"/plays/{play.pk}/dismiss/", {"reason": "  "}, **HTMX)

    assert b"Say why the play does not apply." in response.content
    assert response["HX-Retarget"] == f"#play-{play.pk}-error"
    play.refresh_from_db()
    assert play.status == PlayStatus.OPEN

    response = signed_in.post(
        f"/plays/{play.pk}/dismiss/", {"reason": "She is on leave until March"}, **HTMX
    )

    assert b"Dismissed." in response.content
    play.refresh_from_db()
    assert (play.status, play.dismissed_reason) == (
        PlayStatus.DISMISSED,
        "She is on leave until March",
    )


def test_a_closed_play_cannot_be_closed_again(
    signed_in: Client, owner: User, marta: Person
) -> None:
    play = shrinking_play(owner, marta, status=PlayStatus.DONE)

    response = signed_in.post(f"/plays/{play.pk}/dismiss/", {"reason": "x"}, **HTMX)

    assert b"This play is already closed." in response.content
    play.refresh_from_db()
    assert play.status == PlayStatus.DONE


def test_without_htmx_the_buttons_redirect_to_the_agenda_with_a_message(
    signed_in: Client, owner: User, marta: Person
) -> None:
    play = shrinking_play(owner, marta)

    response = signed_in.post(f"/plays/{play.pk}/done/", follow=True, **EN)

    assert response.redirect_chain == [("/agenda/", 302)]
    assert b"Marked as done." in response.content


@pytest.mark.parametrize("action", ["done", "snooze", "dismiss"])
def test_viewers_get_403_and_nothing_changes(
    client: Client, viewer: User, marta: Person, action: str
) -> None:
    play = shrinking_play(viewer, marta)
    client.force_login(viewer)

    response = client.post(
        f"/plays/{play.pk}/{action}/",
        {"until": (today() + dt.timedelta(days=9)).isoformat(), "reason": "no"},
    )

    assert response.status_code == 403
    play.refresh_from_db()
    assert play.status == PlayStatus.OPEN


@pytest.mark.parametrize("action", ["done", "snooze", "dismiss"])
def test_only_the_owner_may_act_others_get_404(
    client: Client, teammate: User, owner: User, marta: Person, action: str
) -> None:
    play = shrinking_play(owner, marta)
    client.force_login(teammate)

    response = client.post(
        f"/plays/{play.pk}/{action}/",
        {"until": (today() + dt.timedelta(days=9)).isoformat(), "reason": "no"},
    )

    assert response.status_code == 404
    play.refresh_from_db()
    assert play.status == PlayStatus.OPEN


def test_play_buttons_are_post_only_and_need_csrf(owner: User, marta: Person) -> None:
    play = shrinking_play(owner, marta)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    assert client.get(f"/plays/{play.pk}/done/").status_code == 405
    assert client.post(f"/plays/{play.pk}/done/").status_code == 403
    play.refresh_from_db()
    assert play.status == PlayStatus.OPEN


# --- health on the person and account pages -------------------------------------------


def test_person_page_shows_health_components_history_and_plays(
    signed_in: Client, owner: User, marta: Person
) -> None:
    for days_ago, overall in [(200, 90), (120, 80), (60, 50), (0, 45)]:
        snapshot(day=today() - dt.timedelta(days=days_ago), overall=overall, person=marta)
    shrinking_play(owner, marta)

    html = signed_in.get(marta.get_absolute_url(), **EN).content.decode()

    # the latest score and its band
    assert re.search(r'class="health-score badge-yellow"><span class="health-number">45<', html)
    # each component as a labelled bar with its sentence
    assert 'aria-valuenow="35"' in html and ">Cadence<" in html
    assert "Last two-way contact 50 days ago; agreed cadence: 30 days." in html
    assert "No promises due." in html
    # the sparkline has the three snapshots of the last 180 days, not the older one
    points = re.search(r'<polyline points="([^"]+)"', html)
    assert points is not None and len(points.group(1).split()) == 3
    assert "between 45 and 80" in html
    # and the open play with its action and buttons (it is mine)
    assert "Propose a longer meeting" in html
    assert "/done/" in html


def test_person_page_without_health(signed_in: Client, marta: Person) -> None:
    html = signed_in.get(marta.get_absolute_url(), **EN).content.decode()

    assert "Health has not been computed yet." in html
    assert "No open plays." in html
    assert "<polyline" not in html


def test_account_page_shows_coverage_class_and_graph(
    signed_in: Client, colleague: Colleague, marta: Person
) -> None:
    acme = marta.employments.get().account
    snap = snapshot(day=today(), overall=72, account=acme)
    snap.components["_extra"] = {"coverage": "bow-tie"}
    snap.save()
    luis = PersonFactory(name="Luis Ortega")
    EmploymentFactory(person=luis, account=acme, function=Function.PRODUCTION)
    pedro = ColleagueFactory(name="Pedro Técnico", function=Function.TECHNICAL_SERVICE)
    for days_ago in range(1, 7):
        meet(marta, colleague, acme, days_ago)
    meet(luis, pedro, acme, 3)
    meet(luis, pedro, acme, 300)  # too old to count

    html = signed_in.get(acme.get_absolute_url(), **EN).content.decode()

    assert "Bow-tie" in html
    svg = html[
        html.index("data-coverage-graph") : html.index("</svg>", html.index("data-coverage-graph"))
    ]
    for text in [
        "Ana Owner",
        "Sales",
        "Pedro Técnico",
        "Technical service",
        "Marta Ruiz",
        "Finance",
        "Luis Ortega",
        "Production",
    ]:
        assert f">{text}<" in svg
    widths = [float(w) for w in re.findall(r'stroke-width="([\d.]+)"', svg)]
    assert widths == [10.0, round(1.5 + 8.5 * (1 / 6) ** 0.5, 1)]
    assert "Ana Owner \N{EN DASH} Marta Ruiz: 6 interactions" in svg
    assert "Pedro Técnico \N{EN DASH} Luis Ortega: 1 interaction<" in svg


@pytest.mark.parametrize("size", [3, 30])
def test_health_panels_keep_a_fixed_query_count(
    signed_in: Client, owner: User, colleague: Colleague, django_assert_num_queries, size: int
) -> None:
    acme = AccountFactory(owner=colleague)
    person = PersonFactory(owner=colleague)
    EmploymentFactory(person=person, account=acme)
    meet(person, colleague, acme, 1)
    for i in range(size):
        snapshot(day=today() - dt.timedelta(days=i), overall=40 + i, person=person)
        snapshot(day=today() - dt.timedelta(days=i), overall=40 + i, account=acme)
        other = PersonFactory()
        EmploymentFactory(person=other, account=acme)
        shrinking_play(owner, other, account=acme)
        meet(other, colleague, acme, i + 1)
    for i in range(size):
        Play.objects.create(
            kind=PlayKind.NO_INITIATIVE,
            person=person,
            facts={"days": 180},
            owner=owner,
            raised_on=today(),
            due=today() + dt.timedelta(days=i),
        )

    # the page's own queries (no timeline events: one fewer than test_detail_pages' pin)
    # and four for health: the engine's settings, the year's history (the panel's 180
    # days and the chart from one read), latest snapshot, plays with their owner and
    # person; the account page also reads its coverage pairs, its staff's functions and
    # the names on both sides (the engine's own coverage). The person's contacts by month
    # one; the account's product lines and concessions two (its value items are read
    # once for their section and the ledger); the audit trail one each; the five item
    # sections (web.item_views.sections). The read check is in the profile's query.
    with django_assert_num_queries(20):
        assert signed_in.get(person.get_absolute_url()).status_code == 200
    with django_assert_num_queries(25):
        assert signed_in.get(acme.get_absolute_url()).status_code == 200


# --- fairness ---------------------------------------------------------------------------


def fairness_book(n: int) -> list[Account]:
    """``n`` tier-B accounts with equal revenue; the first gets concessions in three
    quarters (habitual)."""
    line = ProductLine.objects.create(name="Line")
    accounts = [AccountFactory(name=f"Cuenta {i:03d}", tier="b") for i in range(n)]
    Holding.objects.bulk_create(
        Holding(account=a, product_line=line, year=today().year - 1, revenue=Decimal(1_000_000))
        for a in accounts
    )
    for months_ago in (0, 3, 6):
        Concession.objects.create(
            account=accounts[0],
            granted_on=today() - dt.timedelta(days=30 * months_ago),
            kind="discount",
        )
    Concession.objects.create(account=accounts[1], granted_on=today(), kind="gift")
    return accounts


def test_fairness_report_flags_first_with_quarters_and_reason(signed_in: Client) -> None:
    accounts = fairness_book(6)

    html = signed_in.get("/reports/fairness/", **EN).content.decode()

    assert "Tier B" in html
    assert "1 flagged" in html
    table = html[html.index("<tbody>") :]
    assert (
        table.index(accounts[0].name)
        < table.index(accounts[1].name)
        < table.index(accounts[2].name)
    )
    assert "Exceptions in 3 of the last 4 quarters" in html
    # the four quarters are the columns, oldest first
    quarters = re.findall(r'<th scope="col" class="num">(\d{4}-Q\d)</th>', html)
    assert len(quarters) == 4 and quarters == sorted(quarters)
    # the strip plot: one dot per account, the flagged one marked, and the median line
    assert html.count('class="dot') == 6
    assert html.count("dot-flagged") == 1
    assert 'class="median"' in html


def test_fairness_report_empty(signed_in: Client) -> None:
    html = signed_in.get("/reports/fairness/", **EN).content.decode()

    assert "No accounts yet" in html


@pytest.mark.parametrize("size", [5, 40])
def test_fairness_query_count_is_fixed(
    signed_in: Client, django_assert_num_queries, size: int
) -> None:
    fairness_book(size)

    # session, user, the engine's settings, concessions, accounts with revenue, and the
    # concessions of the flagged accounts (listed under each)
    with django_assert_num_queries(6):
        assert signed_in.get("/reports/fairness/").status_code == 200


# --- portfolio --------------------------------------------------------------------------


def test_portfolio_places_each_account_and_names_its_quadrant(
    signed_in: Client, colleague: Colleague
) -> None:
    line = ProductLine.objects.create(name="Line")
    big = AccountFactory(name="Big Revenue SA")
    other_big = AccountFactory(name="Other Big SA")
    busy = AccountFactory(name="Busy Little SL")
    AccountFactory(name="Quiet Little SL")
    Holding.objects.create(
        account=big, product_line=line, year=today().year - 1, revenue=Decimal(900_000)
    )
    Holding.objects.create(
        account=other_big, product_line=line, year=today().year - 1, revenue=Decimal(800_000)
    )
    Holding.objects.create(
        account=busy, product_line=line, year=today().year - 1, revenue=Decimal(10_000)
    )
    for days_ago in range(1, 6):
        InteractionFactory(
            account=busy,
            started_at=timezone.now() - dt.timedelta(days=days_ago),
            duration_min=120,
        )
    InteractionFactory(account=big, started_at=timezone.now(), duration_min=60)

    html = signed_in.get("/reports/portfolio/", **EN).content.decode()

    assert html.count("<circle cx=") == 4
    rows = {
        name: word
        for name, word in re.findall(
            r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>'
            r'.*?<span class="tag q-\w+">(\w+)</span>',
            html,
            re.S,
        )
    }
    assert rows == {
        "Big Revenue SA": "invest",
        "Other Big SA": "invest",
        "Busy Little SL": "reconsider",
        "Quiet Little SL": "maintain",
    }
    assert ">10.0<" in html  # hours with the busy one


def test_portfolio_empty(signed_in: Client) -> None:
    html = signed_in.get("/reports/portfolio/", **EN).content.decode()

    assert "No accounts yet." in html
    assert "<svg" not in html.split("<main", 1)[1]


@pytest.mark.parametrize("size", [3, 40])
def test_portfolio_query_count_is_fixed(
    signed_in: Client, django_assert_num_queries, size: int
) -> None:
    for i in range(size):
        account = AccountFactory()
        InteractionFactory(account=account, started_at=timezone.now(), duration_min=i)

    # session, user, the engine's settings, accounts with effort and value
    with django_assert_num_queries(4):
        assert signed_in.get("/reports/portfolio/").status_code == 200


# --- engine settings in the admin ----------------------------------------------------------


def test_health_settings_form_refuses_unknown_names() -> None:
    form = HealthSettingsForm(data={"overrides": '{"recent_days": 60, "made_up": 1}'})

    assert not form.is_valid()
    assert form.errors["overrides"] == ["made_up: unknown setting."]


def test_health_settings_form_accepts_engine_names() -> None:
    form = HealthSettingsForm(
        data={"overrides": '{"recent_days": 60, "person_weights": {"cadence": 30}}'}
    )

    assert form.is_valid(), form.errors
    row = form.save()
    assert row.overrides == {"recent_days": 60, "person_weights": {"cadence": 30}}


def test_health_settings_in_the_admin(client: Client) -> None:
    admin_user = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    assert HealthSettings in site._registry

    response = client.get("/admin/health/healthsettings/add/", **EN)
    assert response.status_code == 200
    assert b"Known names:" in response.content and b"recent_days" in response.content

    response = client.post("/admin/health/healthsettings/add/", {"overrides": '{"nope": 1}'}, **EN)
    assert response.status_code == 200
    assert b"nope: unknown setting." in response.content
    assert not HealthSettings.objects.exists()


# --- chart geometry -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (0.3, 0.5), (7, 10), (12, 20), (2400, 2500), (60_001, 100_000)]
)
def test_nice_max(value: float, top: float) -> None:
    assert charts.nice_max(value) == top


def test_sparkline_uses_a_fixed_0_to_100_scale() -> None:
    start = dt.date(2026, 1, 1)
    line = charts.sparkline(
        [(start, 100), (start + dt.timedelta(days=10), 0)],
        start=start,
        end=start + dt.timedelta(days=10),
        width=106,
        height=56,
    )

    assert line is not None
    assert line.points == "3.0,3.0 103.0,53.0"
    assert (line.low, line.high) == (0, 100)
    assert charts.sparkline([], start=start, end=start) is None


def test_fairness_lists_what_each_flagged_account_was_conceded(signed_in: Client) -> None:
    accounts = fairness_book(6)
    Concession.objects.filter(account=accounts[0]).update(
        policy="List price for tier B", approved_by="Marta Gil", size_pct=Decimal("12.5")
    )

    html = signed_in.get("/reports/fairness/", **EN).content.decode()

    assert f"What {accounts[0].name} was conceded: 3 concessions" in html
    assert html.count("List price for tier B") == 3
    assert html.count("Marta Gil") == 3
    assert "12.5 %" in html
    # the account that is not flagged has no such list
    assert f"What {accounts[1].name} was conceded" not in html


def test_fairness_does_not_plot_an_account_without_revenue_at_the_axis_end(
    signed_in: Client,
) -> None:
    accounts = fairness_book(6)
    broke = AccountFactory(name="Sin Ingresos", tier="b")
    Concession.objects.create(account=broke, granted_on=today(), kind="gift")

    html = signed_in.get("/reports/fairness/", **EN).content.decode()

    # six dots for the accounts with revenue, none for the one without (it had one at
    # the axis maximum, as if it were the worst of the tier)
    assert html.count('class="dot') == 6
    assert "<title>Sin Ingresos:" not in html
    table = html[html.index("<tbody>") :]
    assert "Sin Ingresos" in table and "no revenue" in table
    assert len(accounts) == 6


def test_portfolio_leaves_out_lost_accounts(signed_in: Client) -> None:
    line = ProductLine.objects.create(name="Line")
    for name, status in (("Activa SA", "active"), ("Perdida SA", "lost")):
        account = AccountFactory(name=name, status=status)
        Holding.objects.create(
            account=account, product_line=line, year=today().year - 1, revenue=Decimal(5000)
        )

    html = signed_in.get("/reports/portfolio/", **EN).content.decode()

    assert "Activa SA" in html
    assert "Perdida SA" not in html
    assert html.count("<circle cx=") == 1


def test_chart_ticks_follow_the_page_language() -> None:
    from django.utils import translation

    from vinculo.web import charts

    with translation.override("es"):
        es = charts.strip([("a", 2.5, False), ("b", 10.0, False)], median=2.5, axis_max=10)
        big = charts.scatter([charts.Dot(1.5, 0, "a", 2_500_000)], x_split=1, y_split=1)
    with translation.override("en"):
        en = charts.strip([("a", 2.5, False), ("b", 10.0, False)], median=2.5, axis_max=10)
    assert [label for _x, label in es.ticks] == ["0", "2,5", "5", "7,5", "10"]
    assert [label for _x, label in en.ticks] == ["0", "2.5", "5", "7.5", "10"]
    assert [label for _y, label in big.y_ticks][1] == "625k"
    assert [label for _x, label in big.x_ticks][1] == "0,5"
