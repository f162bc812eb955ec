"""Time travel, the health history, the person's contacts over time, the account's growth
and ledger, and the styled error pages (branch pages, issue 13)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from vinculo.factories import AccountFactory, InteractionFactory, PersonFactory
from vinculo.growth.models import Concession, Holding, ProductLine, ValueItem
from vinculo.health.models import HealthSnapshot, Play, PlayStatus
from vinculo.interactions.models import InteractionPerson
from vinculo.users.models import User

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ES = {"HTTP_ACCEPT_LANGUAGE": "es"}


def today() -> dt.date:
    return timezone.localdate()


def snap(day: dt.date, overall: int, **subject) -> HealthSnapshot:
    band = "green" if overall >= 70 else "yellow" if overall >= 40 else "red"
    return HealthSnapshot.objects.create(
        as_of=day,
        overall=overall,
        band=band,
        components={"cadence": {"value": overall, "facts": {"days_since": 1, "every_days": 30}}},
        **subject,
    )


def test_account_time_travel_shows_the_snapshot_of_that_date(signed_in: Client) -> None:
    acme = AccountFactory(name="Acme")
    snap(today() - dt.timedelta(days=70), 31, account=acme)
    snap(today() - dt.timedelta(days=7), 82, account=acme)
    Play.objects.create(
        kind="no_initiative",
        account=acme,
        facts={"days": 90},
        raised_on=today() - dt.timedelta(days=80),
        status=PlayStatus.OPEN,
    )
    asked = today() - dt.timedelta(days=60)

    html = signed_in.get(f"{acme.get_absolute_url()}?as_of={asked.isoformat()}", **EN)
    page = html.content.decode()
    travel = page[page.index('id="time-travel"') :]

    # the latest snapshot on or before the date: 31, not today's 82
    assert '<span class="health-number">31</span>' in travel
    assert "Last two-way contact 1 day ago" in travel
    assert "No new idea or proposal brought in the last 90 days." in travel
    # the history chart has both points
    assert page.count('class="history-dot"') == 2


def test_time_travel_refuses_a_future_date_and_a_non_date(signed_in: Client) -> None:
    acme = AccountFactory(name="Acme")
    later = (today() + dt.timedelta(days=3)).isoformat()
    for value in (later, "yesterday"):
        page = signed_in.get(f"{acme.get_absolute_url()}?as_of={value}", **EN).content.decode()
        assert "Choose a date in the past, up to today." in page


def test_time_travel_before_any_snapshot_says_so_in_spanish(signed_in: Client) -> None:
    person = PersonFactory(name="Lía")
    page = signed_in.get(f"{person.get_absolute_url()}?as_of=2025-03-04", **ES).content.decode()

    assert "No se calculó la salud el 04/03/2025 ni antes." in page


def test_person_contacts_over_time(signed_in: Client) -> None:
    person = PersonFactory(name="Lía")
    for days_ago, channel, minutes, place in (
        (3, "meeting", 60, "Their office"),
        (4, "meeting", 30, "Their office"),
        (40, "email", 0, ""),
    ):
        interaction = InteractionFactory(
            started_at=timezone.now() - dt.timedelta(days=days_ago),
            channel=channel,
            duration_min=minutes,
            place=place,
        )
        InteractionPerson.objects.create(interaction=interaction, person=person)

    page = signed_in.get(person.get_absolute_url(), **EN).content.decode()
    section = page[page.index('id="person-time-title"') :]

    assert "Contacts per month" in section
    assert section.count('class="bar-rect"') >= 24  # 12 months of contacts, 12 of length
    assert "Meeting</span>" in section and "2 · 67 %" in section
    assert "Their office</span>" in section and "2 · 100 %" in section


def test_account_growth_ledger_and_concessions(signed_in: Client) -> None:
    acme = AccountFactory(name="Acme", wallet_yearly=Decimal(1_000_000))
    line = ProductLine.objects.create(name="Adhesivos")
    year = today().year - 1
    Holding.objects.create(account=acme, product_line=line, year=year, revenue=Decimal(298768))
    ValueItem.objects.create(
        account=acme, date=today(), kind="saving", amount=Decimal(12000), evidence="Audit"
    )
    Concession.objects.create(
        account=acme,
        granted_on=today(),
        kind="discount",
        size_pct=Decimal(5),
        policy="Tier list price",
        approved_by="Marta Gil",
    )

    en = signed_in.get(acme.get_absolute_url(), **EN).content.decode()
    es = signed_in.get(acme.get_absolute_url(), **ES).content.decode()

    assert "Adhesivos" in en and "298,768" in en and "30 %" in en
    assert "298\xa0768" in es  # Django's Spanish groups with a no-break space
    assert "Tier list price" in en and "Marta Gil" in en
    assert "Audit" in en and "not yet" in en


@pytest.mark.parametrize("size", [2, 20])
def test_time_travel_query_count_is_fixed(
    signed_in: Client, django_assert_num_queries, size: int
) -> None:
    acme = AccountFactory(name="Acme")
    for week in range(size):
        snap(today() - dt.timedelta(weeks=week), 50 + week % 40, account=acme)
    asked = (today() - dt.timedelta(days=30)).isoformat()

    # the account page without timeline events or people (as test_detail_pages pins it,
    # less its timeline's interactions) plus the chosen date's snapshot and its plays
    with django_assert_num_queries(20):
        assert signed_in.get(acme.get_absolute_url()).status_code == 200
    with django_assert_num_queries(22):
        assert signed_in.get(f"{acme.get_absolute_url()}?as_of={asked}").status_code == 200


def test_403_is_styled_and_translated(client: Client, viewer: User) -> None:
    client.force_login(viewer)

    es = client.get("/reports/fairness/", **ES)
    en = client.get("/reports/fairness/", **EN)

    assert es.status_code == en.status_code == 403
    assert "No puedes abrir esta página" in es.content.decode()
    assert "You cannot open this page" in en.content.decode()
    assert "Forbidden" not in en.content.decode()
    assert 'class="topbar"' in en.content.decode()


def test_404_is_styled_and_translated(signed_in: Client) -> None:
    response = signed_in.get("/accounts/999999/", **ES)

    assert response.status_code == 404
    assert "Esta página no existe" in response.content.decode()


@override_settings(DEBUG=False)
def test_500_page_renders_without_a_request() -> None:
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("es"):
        html = render_to_string("500.html")
    assert "Algo ha fallado por nuestra parte" in html


def test_agenda_heading_date_in_each_language(signed_in: Client) -> None:
    import re

    es = signed_in.get("/agenda/", **ES).content.decode()
    en = signed_in.get("/agenda/", **EN).content.decode()

    # "miércoles, 2 de diciembre" (it was "miércoles 2 diciembre"); "Wednesday, 2 December"
    assert re.search(r"Lo que te necesita el \w+, \d{1,2} de \w+, lo más importante", es)
    assert re.search(r"What needs you on \w+, \d{1,2} [A-Z]\w+, most important first", en)


def test_english_short_dates_are_one_style() -> None:
    from django.utils import translation
    from django.utils.formats import date_format

    with translation.override("en"):
        assert date_format(dt.date(2026, 11, 20), "SHORT_DATE_FORMAT") == "20 Nov 2026"
        assert date_format(dt.date(2024, 1, 14), "DATE_FORMAT") == "14 January 2024"
    with translation.override("es"):
        assert date_format(dt.date(2026, 11, 20), "SHORT_DATE_FORMAT") == "20/11/2026"
