"""The role matrix: every page, export and feed of the web, for each named actor (see
``actors.py``): what is allowed, what is denied (404 for a read of an object, 403 for an
action), that lists hold exactly the rows the actor may see, and that a denied write
changed nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vinculo.access import rules
from vinculo.access.models import AccountShare, Face, PersonalDataRead
from vinculo.access.tests.actors import Book
from vinculo.exchange.feeds import calendar_feed_create
from vinculo.health.insights import insights
from vinculo.health.models import Play, PlayStatus
from vinculo.interactions.models import Interaction
from vinculo.people.models import Colleague, ContactPlan, Person
from vinculo.users.models import User

pytestmark = pytest.mark.django_db

ACTORS = ("owner", "teammate", "other_team", "viewer", "manager", "other_manager", "admin")

# Who reads which person (and account): the people of each actor's scope.
SEES = {
    "owner": {"nuria"},
    "teammate": {"bruno"},
    "other_team": {"sergio"},
    "viewer": {"nuria", "bruno"},
    "manager": {"nuria", "bruno"},
    "other_manager": {"sergio"},
    "admin": {"nuria", "bruno", "sergio"},
}
ACCOUNT_OF = {"nuria": "norte_account", "bruno": "beta_account", "sergio": "sur_account"}
NAMES = {"nuria": "Nuria Norte", "bruno": "Bruno Beta", "sergio": "Sergio Sur"}
ACCOUNT_NAMES = {"nuria": "Acme Norte", "bruno": "Beta Norte", "sergio": "Sur Industrial"}
# Who sees Nuria's and Sergio's personal facts (the owner's team, not its viewer; admins).
FACTS = {"owner": {"nuria"}, "manager": {"nuria"}, "other_team": {"sergio"},
         "other_manager": {"sergio"}, "admin": {"nuria", "sergio"}}  # fmt: skip
WRITERS = {"owner", "teammate", "other_team", "manager", "other_manager", "admin"}


def signed(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def csv_names(response: Any) -> set[str]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    return {row[0] for row in rows[1:]}


# --- reads of one object: 200 or 404 -------------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("who", ["nuria", "bruno", "sergio"])
def test_person_and_account_pages_vcard_and_value_review(
    client: Client, book: Book, actor: str, who: str
) -> None:
    signed(client, book.actors()[actor])
    person: Person = getattr(book, who)
    account = getattr(book, ACCOUNT_OF[who])
    expected = 200 if who in SEES[actor] else 404
    urls = [
        f"/people/{person.pk}/",
        f"/people/{person.pk}/card.vcf",
        f"/accounts/{account.pk}/",
        f"/accounts/{account.pk}/value-review/",
        f"/accounts/{account.pk}/value-review.pdf",
    ]
    for url in urls:
        assert client.get(url).status_code == expected, (actor, url)


@pytest.mark.parametrize("actor", ACTORS)
def test_personal_facts_only_for_the_owners_team_and_admins(
    client: Client, book: Book, actor: str
) -> None:
    signed(client, book.actors()[actor])
    for who, fact in (("nuria", "Vegetariana"), ("sergio", "Loves jazz")):
        person = getattr(book, who)
        before = PersonalDataRead.objects.count()
        response = client.get(f"/people/{person.pk}/")
        if who not in SEES[actor]:
            assert response.status_code == 404
            continue
        html = response.content.decode()
        shown = who in FACTS.get(actor, set())
        assert (fact in html) is shown, (actor, who)
        assert ("Casada, una hija" in html or "Two sons" in html) is shown
        # Every read of them is recorded, once; none when nothing is shown.
        assert PersonalDataRead.objects.count() == before + (1 if shown else 0)
        card = client.get(f"/people/{person.pk}/card.vcf").content.decode()
        assert ("BDAY" in card) is shown


def test_viewer_does_not_read_personal_facts_on_the_person_page(client: Client, book: Book) -> None:
    """What was found: every signed-in user, the viewer included, read the facts."""
    html = signed(client, book.viewer).get(f"/people/{book.nuria.pk}/").content.decode()
    assert "Nuria Norte" in html
    assert "Vegetariana" not in html and "Casada, una hija" not in html
    assert not PersonalDataRead.objects.exists()


def test_a_read_of_personal_facts_is_recorded_with_who_whose_and_where(
    client: Client, book: Book
) -> None:
    signed(client, book.owner).get(f"/people/{book.nuria.pk}/")
    [read] = PersonalDataRead.objects.all()
    assert (read.user, read.username, read.person, read.face) == (
        book.owner,
        "ana",
        book.nuria,
        Face.WEB,
    )


def test_norte_account_manager_cannot_open_sur_people_or_accounts(
    client: Client, book: Book
) -> None:
    """What was found: an account manager of Norte opened Sur's people and accounts."""
    signed(client, book.owner)
    assert client.get(f"/people/{book.sergio.pk}/").status_code == 404
    assert client.get(f"/accounts/{book.sur_account.pk}/").status_code == 404
    assert "Sergio Sur" not in client.get("/", {"q": "sergio"}).content.decode()
    assert "Sur Industrial" not in client.get("/accounts/").content.decode()
    # Denied looks like absent: the same answer as an id that does not exist.
    assert client.get("/people/999999/").status_code == 404


def test_a_shared_account_opens_it_and_its_people_to_that_user(client: Client, book: Book) -> None:
    AccountShare.objects.create(account=book.sur_account, user=book.owner)
    signed(client, book.owner)
    assert client.get(f"/accounts/{book.sur_account.pk}/").status_code == 200
    html = client.get(f"/people/{book.sergio.pk}/").content.decode()
    assert "Sergio Sur" in html
    # Shared, but Sergio's personal facts stay with his owner's team (Sur).
    assert "Loves jazz" not in html


# --- lists and their exports: exactly the visible rows -------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
def test_lists_and_exports_hold_exactly_the_visible_rows(
    client: Client, book: Book, actor: str
) -> None:
    signed(client, book.actors()[actor])
    people = {NAMES[w] for w in SEES[actor]}
    accounts = {ACCOUNT_NAMES[w] for w in SEES[actor]}
    page = client.get("/").content.decode()
    for who, name in NAMES.items():
        assert (name in page) is (who in SEES[actor]), (actor, name)
    listed = client.get("/accounts/").content.decode()
    for who, name in ACCOUNT_NAMES.items():
        assert (name in listed) is (who in SEES[actor]), (actor, name)
    assert csv_names(client.get("/people/export.csv")) == people
    assert csv_names(client.get("/accounts/export.csv")) == accounts
    xlsx = client.get("/people/export.xlsx")
    assert xlsx.status_code == 200
    cards = b"".join(client.get("/people/export.vcf").streaming_content).decode()
    assert {line[3:] for line in cards.splitlines() if line.startswith("FN:")} == people
    # Birthdays only where the actor may see personal facts.
    assert cards.count("BDAY") == len(FACTS.get(actor, set()) & SEES[actor])


def test_a_card_export_records_each_birthday_read_at_once(client: Client, book: Book) -> None:
    signed(client, book.admin)
    b"".join(client.get("/people/export.vcf").streaming_content)
    reads = PersonalDataRead.objects.filter(face=Face.EXPORT)
    assert sorted(reads.values_list("person__name", flat=True)) == ["Nuria Norte", "Sergio Sur"]


def test_scoped_narrows_every_kind_of_row(book: Book) -> None:
    assert set(rules.scoped(book.owner, Play.objects.all())) == {book.norte_play}
    assert set(rules.scoped(book.other_team, Play.objects.all())) == {book.sur_play}
    assert rules.scoped(book.admin, Play.objects.all()).count() == 3
    from vinculo.commitments.models import Commitment

    assert not rules.scoped(book.owner, Commitment.objects.all()).exists()
    assert rules.scoped(book.other_manager, Commitment.objects.all()).count() == 1
    with pytest.raises(TypeError):
        rules.scoped(book.owner, User.objects.all())


def test_an_inactive_user_sees_nothing(book: Book) -> None:
    book.admin.is_active = False
    assert not rules.visible_people(book.admin).exists()
    book.owner.is_active = False
    assert not rules.visible_accounts(book.owner).exists()


# --- writes: 403 / 404 and nothing changed -------------------------------------------------


def interaction_post(person: Person, colleague: Colleague) -> dict[str, Any]:
    return {
        "colleagues": [colleague.pk],  # someone of ours was there (a shared check)
        "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "duration_min": 30,
        "channel": "meeting",
        "direction": "outbound",
        "level": "",
        "summary": "Hablamos",
        "people": [person.pk],
    }


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("who", ["nuria", "sergio"])
def test_log_interaction_only_on_people_one_may_change(
    client: Client, book: Book, actor: str, who: str
) -> None:
    signed(client, book.actors()[actor])
    person = getattr(book, who)
    before = Interaction.objects.count()
    response = client.post("/interactions/new/", interaction_post(person, book.ana))
    if actor not in WRITERS:
        assert response.status_code == 403
    elif who not in SEES[actor]:
        assert response.status_code == 404
    else:
        assert response.status_code == 302
        assert Interaction.objects.count() == before + 1
        return
    assert Interaction.objects.count() == before


def test_norte_account_manager_cannot_log_an_interaction_with_sur(
    client: Client, book: Book
) -> None:
    """What was found: Norte's account manager logged interactions on Sur's people."""
    signed(client, book.owner)
    before = Interaction.objects.count()
    # Mixed with one of their own: still refused whole.
    data = interaction_post(book.nuria, book.ana)
    data["people"] = [book.nuria.pk, book.sergio.pk]
    assert client.post("/interactions/new/", data).status_code == 404
    assert Interaction.objects.count() == before
    # Nor does the form show Sur's people, by id, by account or by search.
    form = client.get("/interactions/new/", {"person": book.sergio.pk}).content.decode()
    assert "Sergio Sur" not in form
    assert client.get("/interactions/new/", {"account": book.sur_account.pk}).status_code == 404
    options = client.get("/interactions/people-options/", {"q": "Sur"}).content.decode()
    assert "Sergio Sur" not in options
    assert (
        "Nuria Norte"
        in client.get("/interactions/people-options/", {"q": "Nuria"}).content.decode()
    )


@pytest.mark.parametrize("actor", ACTORS)
def test_play_actions(client: Client, book: Book, actor: str) -> None:
    user = book.actors()[actor]
    signed(client, user)
    for play in (book.norte_play, book.sur_play):
        response = client.post(f"/plays/{play.pk}/done/")
        play.refresh_from_db()
        if actor == "viewer":
            assert response.status_code == 403
        elif play.owner_id == user.pk:
            assert response.status_code == 302 and play.status == PlayStatus.DONE
            continue
        else:
            assert response.status_code == 404
        assert play.status == PlayStatus.OPEN


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("who", ["nuria", "sergio"])
def test_item_forms_only_on_people_one_may_change(
    client: Client, book: Book, actor: str, who: str
) -> None:
    """web/item_views.py: add a promise to a person, resolve Sergio's complaint."""
    from vinculo.commitments.models import Commitment, Complaint

    today = timezone.localdate().isoformat()
    new = {"person": getattr(book, who).pk, "text": "Llamar el lunes", "made_on": today}
    before = Commitment.objects.count()
    signed(client, book.actors()[actor])
    responses = [
        client.get("/items/promises/new/", {"person": new["person"]}),
        client.post("/items/promises/new/", new),
    ]
    complaint = Complaint.objects.get(person=book.sergio)
    if who == "sergio":
        url = f"/items/complaints/{complaint.pk}/close/"
        responses += [client.get(url), client.post(url, {"resolved": today})]
    complaint.refresh_from_db()
    if who not in SEES[actor]:
        assert {r.status_code for r in responses} == {404}
    elif actor not in WRITERS:
        assert {r.status_code for r in responses} == {403}
    else:
        assert [r.status_code for r in responses[::2]] == [200] * len(responses[::2])
        assert {r.status_code for r in responses[1::2]} == {302}
        assert Commitment.objects.count() == before + 1
        assert complaint.resolved == (timezone.localdate() if who == "sergio" else None)
        return
    assert Commitment.objects.count() == before
    assert complaint.resolved is None


# --- agenda, feed, reports, imports --------------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
def test_agenda_and_calendar_feed_hold_only_the_actors_scope(
    client: Client, book: Book, actor: str
) -> None:
    user = book.actors()[actor]
    html = signed(client, user).get("/agenda/").content.decode()
    _feed, token = calendar_feed_create(user=user)
    feed = client.get(f"/calendar/{token}.ics").content.decode()
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    for who, name in NAMES.items():
        if who not in SEES[actor]:
            assert name not in html, (actor, name)
            assert name not in feed, (actor, name)
    # Ana's promise to Sergio is another team's now: not on her agenda.
    # (Carlos, whose client Sergio is, has it.)
    assert ("Enviar la oferta" in html) is (actor == "other_team"), actor


@pytest.mark.parametrize("actor", ACTORS)
def test_reports(client: Client, book: Book, actor: str) -> None:
    signed(client, book.actors()[actor])
    for url in ("/reports/fairness/", "/reports/portfolio/"):
        response = client.get(url)
        if actor == "viewer":
            assert response.status_code == 403
            continue
        assert response.status_code == 200
        html = response.content.decode()
        for who, name in ACCOUNT_NAMES.items():
            assert (name in html) is (who in SEES[actor]), (actor, url, name)


@pytest.mark.parametrize("actor", ACTORS)
def test_imports_and_review_are_for_sales_operations(
    client: Client, book: Book, actor: str
) -> None:
    signed(client, book.actors()[actor])
    expected = 200 if actor in {"manager", "other_manager", "admin"} else 403
    assert client.get("/imports/").status_code == expected
    assert client.get("/review/").status_code == expected


def test_a_manager_cannot_merge_another_teams_person(client: Client, book: Book) -> None:
    signed(client, book.manager)
    before = Person.objects.count()
    response = client.post("/review/merge/", {"keep": book.nuria.pk, "remove": book.sergio.pk})
    assert response.status_code == 404
    assert Person.objects.count() == before


def test_insights_for_a_user_hold_only_their_scope(book: Book) -> None:
    today = timezone.localdate()
    everything = insights(today)
    assert len(everything["people"]) == 3
    mine = insights(today, user=book.owner)
    assert [p["key"] for p in mine["people"]] == [f"person-{book.nuria.pk}"]
    assert [a["key"] for a in mine["accounts"]] == [f"account-{book.norte_account.pk}"]
    assert insights(today, user=book.viewer)["people"] != []
    assert not rules.can_read_reports(book.viewer)


# --- the cost: a constant number of queries more ------------------------------------------


def test_person_page_costs_no_query_more_for_a_user_with_a_scope(
    client: Client, book: Book
) -> None:
    """The read check and whether the reader may see the personal facts are part of the
    profile's query; when the person has personal facts, the read record is one insert,
    for an admin and an account manager alike."""
    url = f"/people/{book.nuria.pk}/"
    counts = {}
    for name in ("admin", "owner"):
        client.force_login(book.actors()[name])
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[name] = len(queries)
    # None more: whether they may see the facts is read with the profile (access.rules.
    # with_personal_facts_flag) and the audit trail's values reuse that decision.
    assert counts["owner"] == counts["admin"]


def test_dates_do_not_matter_to_scope(book: Book) -> None:
    """A job that ended takes the person out of the account's scope."""
    book.nuria.owner = None
    book.nuria.save()
    assert rules.can_read_person(book.owner, book.nuria)
    book.nuria.employments.update(end=timezone.localdate() - dt.timedelta(days=1))
    assert not rules.can_read_person(book.owner, book.nuria)
    assert rules.can_read_person(book.admin, book.nuria)


# --- the person page's write side (vinculo.web.person_edit) --------------------------------


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("who", ["nuria", "sergio"])
@pytest.mark.parametrize("what", ["profile", "job-change", "plan"])
def test_person_edit_forms_only_for_who_may_change_the_person(
    client: Client, book: Book, actor: str, who: str, what: str
) -> None:
    signed(client, book.actors()[actor])
    person: Person = getattr(book, who)
    url = f"/people/{person.pk}/{what}/"
    before = (person.version, person.phones, person.employments.count())
    posts = {
        "profile": {"version": person.version, "name": "Cambiado", "legal_basis": "consent"},
        "job-change": {"on": "2026-01-01", "function": "other"},
        "plan": {"version": 0, "every_days": 9},
    }
    got, posted = client.get(url), client.post(url, posts[what])
    if who not in SEES[actor]:
        assert (got.status_code, posted.status_code) == (404, 404), (actor, url)
    elif actor not in WRITERS:
        assert (got.status_code, posted.status_code) == (403, 403), (actor, url)
    else:
        assert (got.status_code, posted.status_code) == (200, 302), (actor, url)
        return
    person.refresh_from_db()
    assert (person.version, person.phones, person.employments.count()) == before
    assert person.name == NAMES[who]
    assert not person.employments.filter(end__isnull=False).exists()
    assert not ContactPlan.objects.filter(person=person).exists()


def test_the_person_page_offers_the_edit_forms_to_writers_only(client: Client, book: Book) -> None:
    nuria = book.nuria
    for actor, offered in (("viewer", False), ("owner", True), ("manager", True)):
        html = signed(client, book.actors()[actor]).get(f"/people/{nuria.pk}/").content.decode()
        for what in ("profile", "job-change", "plan"):
            assert (f'href="/people/{nuria.pk}/{what}/"' in html) is offered, (actor, what)


def test_the_profile_form_shows_personal_facts_to_their_team_and_records_the_read(
    client: Client, book: Book
) -> None:
    # Carlos (Sur) reads Nuria through a share, but her facts stay with Norte.
    AccountShare.objects.create(account=book.norte_account, user=book.other_team)
    html = signed(client, book.other_team).get(f"/people/{book.nuria.pk}/profile/").content
    assert b"Vegetariana" not in html and b'name="tastes"' not in html
    assert not PersonalDataRead.objects.exists()

    html = signed(client, book.owner).get(f"/people/{book.nuria.pk}/profile/").content
    assert b"Vegetariana" in html
    [read] = PersonalDataRead.objects.all()
    assert (read.user, read.person, read.face) == (book.owner, book.nuria, Face.WEB)
