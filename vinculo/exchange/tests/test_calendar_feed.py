"""The calendar feed (M17): a secret, revocable address; the agenda in the user's language;
parsed back by icalendar and read by a calendar client library."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
import pytest
import recurring_ical_events
from django.test import Client
from django.utils import timezone, translation

from vinculo.commitments.services import commitment_record
from vinculo.exchange.feeds import calendar_feed_create
from vinculo.exchange.models import CalendarFeed
from vinculo.factories import (
    AccountFactory,
    ColleagueFactory,
    EmploymentFactory,
    PersonFactory,
)
from vinculo.health.models import HealthSnapshot, Play, PlayKind
from vinculo.health.plays import reason_and_action
from vinculo.people.models import Colleague, Person
from vinculo.users.models import User

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def marta(colleague: Colleague) -> Person:
    acme = AccountFactory(name="Acme Ibérica", owner=colleague)
    person = PersonFactory(name="Marta Ruiz", owner=colleague)
    EmploymentFactory(person=person, account=acme)
    return person


def agenda_of(owner: User, person: Person) -> None:
    """A play, a late promise and one due in ten days, about one person."""
    Play.objects.create(
        kind=PlayKind.MEETINGS_SHRINKING,
        person=person,
        facts={"now": 43, "before": 60},
        owner=owner,
        due=today(),
        raised_on=today(),
    )
    made = today() - dt.timedelta(days=30)
    commitment_record(
        text="Enviar la oferta revisada", made_on=made, due=today() - dt.timedelta(days=4),
        person=person,
    )  # fmt: skip
    commitment_record(
        text="Visitar la planta de Vigo", made_on=made, due=today() + dt.timedelta(days=10),
        person=person,
    )  # fmt: skip


def contact_soon(person: Person) -> None:
    """Last two-way contact 28 days ago, every 30: due in two days."""
    HealthSnapshot.objects.create(
        as_of=today(),
        overall=60,
        band="yellow",
        person=person,
        components={"cadence": {"value": 60, "facts": {"days_since": 28, "every_days": 30}}},
    )


def feed_url(user: User) -> str:
    _feed, token = calendar_feed_create(user=user)
    return f"/calendar/{token}.ics"


def test_feed_parses_back_and_lists_the_agenda_in_spanish(
    client: Client, owner: User, colleague: Colleague, marta: Person
) -> None:
    agenda_of(owner, marta)
    luis = PersonFactory(name="Luis Ortega", owner=colleague)
    contact_soon(luis)
    url = feed_url(owner)

    response = client.get(url)  # no session: a calendar client

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    # One event per agenda item (a person, every reason a line), one per deadline ahead
    assert sorted(events) == [
        "Contacto pendiente: Luis Ortega",
        "Promesa atrasada: Marta Ruiz (Acme Ibérica) (y 1 más)",
        "Vence una promesa: Marta Ruiz (Acme Ibérica)",
    ]
    marta_item = events["Promesa atrasada: Marta Ruiz (Acme Ibérica) (y 1 más)"]
    assert marta_item.start == today()  # the agenda is of today, all day
    assert marta_item.end == today() + dt.timedelta(days=1)
    description = str(marta_item["DESCRIPTION"])
    assert description.startswith("Promesa atrasada: La promesa «Enviar la oferta revisada»")
    with translation.override("es"):
        reason, _action = reason_and_action(PlayKind.MEETINGS_SHRINKING, {"now": 43, "before": 60})
    assert f"\nReuniones cada vez más cortas: {reason}\n" in description
    assert "\nSugerido: Cúmplela ya" in description
    assert description.endswith("\nCanal: Llamada")
    assert str(marta_item["URL"]) == f"http://testserver/people/{marta.pk}/"
    assert str(events["Contacto pendiente: Luis Ortega"]["DESCRIPTION"]).startswith(
        "Contacto pendiente: "
    )
    upcoming = events["Vence una promesa: Marta Ruiz (Acme Ibérica)"]
    assert upcoming.start == today() + dt.timedelta(days=10)
    assert str(upcoming["DESCRIPTION"]) == "Prometimos: «Visitar la planta de Vigo»."
    # One VTIMEZONE, of the installation's zone, with its daylight-saving rules
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Madrid"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Madrid"
    assert str(calendar["UID"]) == f"agenda-u{owner.pk}@testserver"
    assert response.content.count(b"X-WR-CALNAME") == 1
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    assert zone.to_tz().utcoffset(dt.datetime(2026, 7, 1)) == dt.timedelta(hours=2)
    assert zone.to_tz().utcoffset(dt.datetime(2026, 1, 1)) == dt.timedelta(hours=1)


def test_feed_uids_are_stable_and_per_user(client: Client, owner: User, marta: Person) -> None:
    agenda_of(owner, marta)
    url = feed_url(owner)

    first = icalendar.Calendar.from_ical(client.get(url).content)
    second = icalendar.Calendar.from_ical(client.get(url).content)

    uids = [str(e["UID"]) for e in first.walk("VEVENT")]
    assert uids == [str(e["UID"]) for e in second.walk("VEVENT")]
    assert len(set(uids)) == 2
    assert all(re.fullmatch(rf"[a-z0-9-]+-u{owner.pk}@testserver", uid) for uid in uids)
    assert f"agenda-person-{marta.pk}-u{owner.pk}@testserver" in uids


def test_a_calendar_client_library_reads_the_feed(
    client: Client, owner: User, marta: Person
) -> None:
    agenda_of(owner, marta)

    calendar = icalendar.Calendar.from_ical(client.get(feed_url(owner)).content)
    in_two_weeks = recurring_ical_events.of(calendar).between(
        today(), today() + dt.timedelta(days=14)
    )
    on_day_ten = recurring_ical_events.of(calendar).at(today() + dt.timedelta(days=10))

    assert len(in_two_weeks) == 2
    assert [str(e["SUMMARY"]) for e in on_day_ten] == [
        "Vence una promesa: Marta Ruiz (Acme Ibérica)"
    ]


def test_feed_is_in_the_users_language(
    client: Client, owner: User, colleague: Colleague, marta: Person
) -> None:
    agenda_of(owner, marta)
    contact_soon(PersonFactory(name="Luis Ortega", owner=colleague))
    owner.language = "en"
    owner.save(update_fields=["language"])

    calendar = icalendar.Calendar.from_ical(client.get(feed_url(owner)).content)

    summaries = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert summaries == [
        "Contact due: Luis Ortega",
        "Promise due: Marta Ruiz (Acme Ibérica)",
        "Promise overdue: Marta Ruiz (Acme Ibérica) (and 1 more)",
    ]


def test_revoked_or_replaced_or_unknown_address_is_404(client: Client, owner: User) -> None:
    old = feed_url(owner)
    new = feed_url(owner)  # making a new address revokes the old one

    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert client.get(new).status_code == 404


def test_another_users_address_shows_only_their_items(
    client: Client, owner: User, teammate: User, marta: Person
) -> None:
    agenda_of(owner, marta)
    berta = ColleagueFactory(name="Berta", user=teammate)
    luis = PersonFactory(name="Luis Ortega", owner=berta)
    commitment_record(
        text="Llamar a Luis", made_on=today(), due=today() + dt.timedelta(days=3), person=luis
    )

    theirs = icalendar.Calendar.from_ical(client.get(feed_url(teammate)).content)

    assert [str(e["SUMMARY"]) for e in theirs.walk("VEVENT")] == ["Vence una promesa: Luis Ortega"]


def test_only_the_digest_is_stored(owner: User) -> None:
    feed, token = calendar_feed_create(user=owner)

    assert token not in feed.digest
    assert len(feed.digest) == 64
    assert CalendarFeed.objects.filter(user=owner, revoked_at__isnull=True).count() == 1


def test_settings_page_shows_the_address_once_and_revokes(signed_in: Client, owner: User) -> None:
    empty = signed_in.get("/calendar/").content.decode()
    assert "No tienes dirección de calendario" in empty

    made = signed_in.post("/calendar/", {"action": "create"})
    html = made.content.decode()
    match = re.search(r'value="(http://testserver/calendar/[^"]+\.ics)"', html)
    assert match is not None
    assert made["Cache-Control"] == "no-store"
    address = match[1].removeprefix("http://testserver")
    assert signed_in.get(address).status_code == 200
    again = signed_in.get("/calendar/").content.decode()
    assert address not in again  # shown once
    assert "Tienes una dirección que funciona" in again

    revoked = signed_in.post("/calendar/", {"action": "revoke"}, follow=True)
    assert "La dirección del calendario ya no funciona." in revoked.content.decode()
    assert signed_in.get(address).status_code == 404


def test_settings_page_needs_login(client: Client) -> None:
    assert client.get("/calendar/").status_code == 302
    assert client.post("/calendar/", {"action": "create"}).status_code == 302
    assert not CalendarFeed.objects.exists()


@pytest.mark.parametrize("size", [2, 20])
def test_feed_query_count_is_fixed(
    client: Client, owner: User, colleague: Colleague, django_assert_num_queries, size: int
) -> None:
    for i in range(size):
        agenda_of(owner, PersonFactory(name=f"Persona {i}", owner=colleague))
    url = feed_url(owner)

    # the address, its last read; the agenda (health.agenda.agenda_for: its settings, the
    # reader, plays, due contacts, promises, complaints, red accounts, the subjects' facts);
    # the deadlines (the reader, the promises)
    with django_assert_num_queries(12):
        response = client.get(url)

    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 2 * size
    # Past the daily capacity (10) the agenda's "later" items are still there, last in rank
    later = [e for e in events if e.get("PRIORITY") == 9]
    assert len(later) == max(0, size - owner.daily_capacity)


def test_settings_page_query_count(
    signed_in: Client, owner: User, django_assert_num_queries
) -> None:
    calendar_feed_create(user=owner)

    # session, user, the live address
    with django_assert_num_queries(3):
        assert signed_in.get("/calendar/").status_code == 200
