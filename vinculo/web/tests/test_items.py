"""A person's and account's items from the web (web/item_views.py): promises, complaints,
concerns, initiatives and value items added, changed and closed; the services' words in
both languages; a stale save; escaping; the pages' pinned queries; and Done on a Today
complaint or promise play resolving or closing it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative
from vinculo.commitments.services import commitment_update
from vinculo.factories import AccountFactory, EmploymentFactory, PersonFactory, UserFactory
from vinculo.growth.models import ValueItem
from vinculo.health.models import Play, PlayKind, PlayStatus
from vinculo.people.models import Account, Colleague, Person
from vinculo.users.models import User

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ES = {"HTTP_ACCEPT_LANGUAGE": "es"}
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def acme(colleague: Colleague) -> Account:
    return AccountFactory(name="Acme Ibérica", owner=colleague)


@pytest.fixture
def marta(acme: Account, colleague: Colleague) -> Person:
    person = PersonFactory(name="Marta Ruiz", owner=colleague)
    EmploymentFactory(person=person, account=acme)
    return person


@pytest.fixture
def ana(client: Client, owner: User, colleague: Colleague) -> Client:
    """Signed in as Ana, an account manager who owns Acme and Marta."""
    client.force_login(owner)
    return client


def today() -> dt.date:
    return timezone.localdate()


def iso(day: dt.date) -> str:
    return day.isoformat()


def saved(client: Client, url: str, data: dict[str, Any]) -> None:
    """A plain POST (no JavaScript) that went through: redirected back to the page."""
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


# --- add, change, close: each kind's happy path (plain POST + redirect) ------------------


def test_record_change_and_close_a_promise(ana: Client, marta: Person, acme: Account) -> None:
    due = today() + dt.timedelta(days=7)
    response = ana.post(
        "/items/promises/new/",
        {"person": marta.pk, "text": "  Send the price list ", "made_on": iso(today()),
         "due": iso(due)},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/people/{marta.pk}/#items-promises"
    promise = Commitment.objects.get()
    assert (promise.text, promise.made_on, promise.due, promise.person, promise.account) == (
        "Send the price list", today(), due, marta, acme,
    )  # fmt: skip
    assert promise.colleague is not None and promise.colleague.name == "Ana Owner"

    later = due + dt.timedelta(days=3)
    response = ana.post(
        f"/items/promises/{promise.pk}/change/",
        {"person": marta.pk, "text": "Send the new price list", "due": iso(later), "version": 1},
    )
    assert response.status_code == 302
    promise.refresh_from_db()
    assert (promise.text, promise.due, promise.version) == ("Send the new price list", later, 2)

    response = ana.post(
        f"/items/promises/{promise.pk}/close/",
        {"person": marta.pk, "status": "kept", "closed_on": iso(today())},
    )
    assert response.status_code == 302
    promise.refresh_from_db()
    assert (promise.status, promise.closed_on) == ("kept", today())


def test_open_change_and_resolve_a_complaint(ana: Client, marta: Person, acme: Account) -> None:
    opened = today() - dt.timedelta(days=2)
    saved(
        ana,
        "/items/complaints/new/",
        {"person": marta.pk, "summary": "Late delivery", "severity": "high",
         "category": "logistics", "opened": iso(opened)},
    )  # fmt: skip
    complaint = Complaint.objects.get()
    assert (complaint.summary, complaint.severity, complaint.account, complaint.opened) == (
        "Late delivery", "high", acme, opened,
    )  # fmt: skip
    saved(
        ana,
        f"/items/complaints/{complaint.pk}/change/",
        {"person": marta.pk, "summary": "Late delivery, twice", "severity": "critical",
         "category": "logistics", "version": 1},
    )  # fmt: skip
    saved(
        ana,
        f"/items/complaints/{complaint.pk}/close/",
        {"person": marta.pk, "resolved": iso(today()), "resolution": "Express resend",
         "satisfaction_after": 4},
    )  # fmt: skip
    complaint.refresh_from_db()
    assert (complaint.severity, complaint.summary, complaint.resolved) == (
        "critical", "Late delivery, twice", today(),
    )  # fmt: skip
    assert (complaint.resolution, complaint.satisfaction_after) == ("Express resend", 4)


def test_open_change_and_resolve_a_concern(ana: Client, marta: Person) -> None:
    saved(
        ana,
        "/items/concerns/new/",
        {"person": marta.pk, "topic": "Energy costs", "opened": iso(today())},
    )
    concern = Concern.objects.get()
    saved(
        ana,
        f"/items/concerns/{concern.pk}/change/",
        {"person": marta.pk, "topic": "Energy costs in winter", "version": 1},
    )
    saved(
        ana, f"/items/concerns/{concern.pk}/close/", {"person": marta.pk, "resolved": iso(today())}
    )
    concern.refresh_from_db()
    assert (concern.topic, concern.resolved) == ("Energy costs in winter", today())


def test_record_change_and_decide_an_initiative(ana: Client, marta: Person) -> None:
    saved(
        ana,
        "/items/initiatives/new/",
        {"person": marta.pk, "text": "Pilot on line 2", "proposed_on": iso(today()),
         "value": "1200.50"},
    )  # fmt: skip
    initiative = Initiative.objects.get()
    saved(
        ana,
        f"/items/initiatives/{initiative.pk}/change/",
        {"person": marta.pk, "text": "Pilot on lines 2 and 3", "value": "2400", "version": 1},
    )
    saved(
        ana,
        f"/items/initiatives/{initiative.pk}/close/",
        {"person": marta.pk, "outcome": "accepted", "value": "2500"},
    )
    initiative.refresh_from_db()
    assert (initiative.text, initiative.outcome, initiative.value) == (
        "Pilot on lines 2 and 3", "accepted", Decimal("2500.00"),
    )  # fmt: skip


def test_record_change_and_tell_a_value_item_from_the_account_page(
    ana: Client, acme: Account
) -> None:
    response = ana.post(
        "/items/value/new/",
        {"account": acme.pk, "evidence": "Scrap down 4%", "kind": "saving", "amount": "8000",
         "date": iso(today())},
    )  # fmt: skip
    assert response["Location"] == f"/accounts/{acme.pk}/#items-value"
    item = ValueItem.objects.get()
    assert (item.account, item.person, item.kind, item.amount) == (
        acme, None, "saving", Decimal("8000.00"),
    )  # fmt: skip
    saved(
        ana,
        f"/items/value/{item.pk}/change/",
        {"account": acme.pk, "evidence": "Scrap down 5%", "kind": "saving", "amount": "9000",
         "date": iso(today()), "version": 1},
    )  # fmt: skip
    saved(
        ana, f"/items/value/{item.pk}/close/", {"account": acme.pk, "communicated_on": iso(today())}
    )
    item.refresh_from_db()
    assert (item.evidence, item.amount, item.communicated_on) == (
        "Scrap down 5%", Decimal("9000.00"), today(),
    )  # fmt: skip


def test_value_from_a_person_without_a_company_is_refused_in_words(ana: Client, colleague) -> None:
    loner = PersonFactory(name="Sin Empresa", owner=colleague)
    response = ana.post(
        "/items/value/new/",
        {"person": loner.pk, "kind": "saving", "date": iso(today())},
        **EN,
    )
    assert response.status_code == 200
    assert "Value is delivered to a company: this person has no current one." in (
        response.content.decode()
    )
    assert not ValueItem.objects.exists()


# --- htmx: partials swapped in place ------------------------------------------------------


def test_htmx_add_returns_the_section_with_the_new_item_and_a_message(
    ana: Client, marta: Person
) -> None:
    form = ana.get("/items/promises/new/", {"person": marta.pk}, **HX, **EN).content.decode()
    assert form.startswith("<form") or "<form" in form.split("\n", 2)[1]
    assert 'hx-target="#items-promises"' in form
    assert f'name="person" value="{marta.pk}"' in form
    assert "autofocus" in form and "<html" not in form

    response = ana.post(
        "/items/promises/new/",
        {"person": marta.pk, "text": "Call back on Monday", "made_on": iso(today())},
        **HX,
        **EN,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card items" id="items-promises"')
    assert "Call back on Monday" in html and "Promise recorded." in html


def test_htmx_refused_form_comes_back_into_its_slot_focused_on_the_error(
    ana: Client, marta: Person
) -> None:
    response = ana.post(
        "/items/promises/new/",
        {"person": marta.pk, "text": " ", "made_on": iso(today()), "due": "2000-01-01"},
        **HX,
        **EN,
    )
    html = response.content.decode()
    assert response["HX-Retarget"] == "#items-promises-form"
    assert response["HX-Reswap"] == "innerHTML"
    assert "Write what was promised." in html
    assert "A promise cannot be due before it was made." in html
    # The first field with an error has the focus; what was typed stays.
    assert html.count("autofocus") == 1
    assert html.index("autofocus") < html.index('name="made_on"')
    assert 'value="2000-01-01"' in html
    assert not Commitment.objects.exists()


# --- the services' words, in Spanish and English -----------------------------------------


WORDS = {
    "en": ["Write what was promised.", "A promise cannot be due before it was made.",
           "This field is required.", "Satisfaction goes from 1 to 5."],
    "es": ["Escribe qué se prometió.", "Una promesa no puede vencer antes de hacerse.",
           "Este campo es obligatorio.", "La satisfacción va de 1 a 5."],
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_services_words_in_both_languages(ana: Client, marta: Person, language: str) -> None:
    complaint = Complaint.objects.create(person=marta, opened=today(), summary="Broken part")
    resolve = f"/items/complaints/{complaint.pk}/close/"
    posts = [
        ("/items/promises/new/", {"text": "", "made_on": iso(today()), "due": "2000-01-01"}),
        (resolve, {"resolved": ""}),
        (resolve, {"resolved": iso(today()), "satisfaction_after": 9}),
    ]
    html = "".join(
        ana.post(url, {"person": marta.pk, **data}, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        for url, data in posts
    )
    for text in WORDS[language]:
        assert text in html, text
    complaint.refresh_from_db()
    assert (Commitment.objects.count(), complaint.resolved) == (0, None)


def test_closing_a_closed_promise_is_refused_in_words(ana: Client, marta: Person) -> None:
    promise = Commitment.objects.create(
        person=marta, text="Done already", made_on=today(), status="kept", closed_on=today()
    )
    response = ana.post(
        f"/items/promises/{promise.pk}/close/",
        {"person": marta.pk, "status": "broken", "closed_on": iso(today())},
        **EN,
    )
    assert "This promise is already closed as “Kept”." in response.content.decode()
    promise.refresh_from_db()
    assert promise.status == "kept"


# --- two people, one record --------------------------------------------------------------


def test_a_stale_save_is_refused_keeps_what_was_typed_and_saves_after_review(
    ana: Client, marta: Person
) -> None:
    promise = Commitment.objects.create(person=marta, text="Send samples", made_on=today())
    berta = UserFactory(username="berta", first_name="Berta", last_name="Gil")
    commitment_update(commitment=promise, actor=berta, version=1, text="Send ten samples")

    typed = {"person": marta.pk, "text": "Send samples by courier", "due": "", "version": 1}
    response = ana.post(f"/items/promises/{promise.pk}/change/", typed, **EN)

    assert response.status_code == 200
    html = response.content.decode()
    # Who changed it and when, what was typed, and the version to save over after review.
    for text in ("Changed by Berta Gil at ", "review their change and save again.",
                 "Send samples by courier", 'name="version" value="2"'):  # fmt: skip
        assert text in html, text
    promise.refresh_from_db()
    assert (promise.text, promise.version) == ("Send ten samples", 2)

    typed["version"] = 2
    assert ana.post(f"/items/promises/{promise.pk}/change/", typed).status_code == 302
    promise.refresh_from_db()
    assert (promise.text, promise.version) == ("Send samples by courier", 3)


def test_a_stale_save_in_spanish(ana: Client, marta: Person) -> None:
    concern = Concern.objects.create(person=marta, topic="Precios", opened=today())
    berta = UserFactory(username="berta", first_name="Berta", last_name="Gil")
    from vinculo.commitments.services import concern_update

    concern_update(concern=concern, actor=berta, version=1, topic="Precios de la energía")
    response = ana.post(
        f"/items/concerns/{concern.pk}/change/",
        {"person": marta.pk, "topic": "Plazos", "version": 1},
        **ES,
    )
    html = response.content.decode()
    assert "Cambiado por Berta Gil el " in html
    assert "revisa su cambio y vuelve a guardar." in html
    concern.refresh_from_db()
    assert concern.topic == "Precios de la energía"


# --- access ------------------------------------------------------------------------------


def test_a_viewer_gets_403_and_an_outsider_404_and_nothing_changes(
    client: Client, viewer: User, outsider: User, marta: Person, owner: User
) -> None:
    promise = Commitment.objects.create(person=marta, text="Keep me", made_on=today())
    viewer.team = owner.team
    viewer.save(update_fields=["team"])
    posts = [
        ("/items/promises/new/", {"person": marta.pk, "text": "x", "made_on": iso(today())}),
        (f"/items/promises/{promise.pk}/change/", {"text": "changed", "version": 1}),
        (f"/items/promises/{promise.pk}/close/", {"status": "broken", "closed_on": iso(today())}),
    ]
    for user, status in ((viewer, 403), (outsider, 404)):
        client.force_login(user)
        for url, data in posts:
            assert client.post(url, data).status_code == status, (user, url)
            assert client.get(url, {"person": marta.pk}).status_code == status, (user, url)
    promise.refresh_from_db()
    assert (promise.text, promise.status, promise.version) == ("Keep me", "open", 1)
    assert Commitment.objects.count() == 1


def test_an_unknown_kind_is_404(ana: Client, marta: Person) -> None:
    assert ana.get("/items/holdings/new/", {"person": marta.pk}).status_code == 404


# --- what the pages show -----------------------------------------------------------------


def test_script_in_free_text_is_escaped(ana: Client, marta: Person) -> None:
    evil = "<script>alert('x')</script>"
    for url, data in (
        ("/items/promises/new/", {"text": evil, "made_on": iso(today())}),
        ("/items/complaints/new/", {"summary": evil, "severity": "low", "opened": iso(today())}),
        ("/items/concerns/new/", {"topic": evil, "opened": iso(today())}),
        ("/items/initiatives/new/", {"text": evil, "proposed_on": iso(today())}),
        ("/items/value/new/", {"evidence": evil, "kind": "time", "date": iso(today())}),
    ):
        assert ana.post(url, {"person": marta.pk, **data}).status_code == 302, url
    html = ana.get(f"/people/{marta.pk}/").content.decode()
    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") >= 5


def test_person_page_lists_each_kind_with_its_actions(
    ana: Client, marta: Person, acme: Account
) -> None:
    Commitment.objects.create(person=marta, text="Open promise", made_on=today())
    Commitment.objects.create(
        person=marta, text="Long kept", made_on=today() - dt.timedelta(days=400),
        status="kept", closed_on=today() - dt.timedelta(days=300),
    )  # fmt: skip
    Complaint.objects.create(person=marta, opened=today(), severity="critical", summary="Noisy")
    html = ana.get(f"/people/{marta.pk}/", **EN).content.decode()
    for text in ("Promises", "Complaints", "Concerns", "Initiatives", "Value delivered",
                 "Open promise", "Noisy", "Critical", "No open concerns.",
                 "No pending initiatives.", "Record a promise", "Resolve"):  # fmt: skip
        assert text in html, text
    promises = html[html.index('id="items-promises"') :]
    promises = promises[: promises.index("</section>")]
    assert "Open promise" in promises
    assert "Long kept" not in promises  # closed long ago: the reports and the timeline have it
    assert "critical" not in html.replace("tag-severity-critical", "")


def test_a_viewer_sees_the_items_without_the_buttons(
    client: Client, viewer: User, owner: User, marta: Person
) -> None:
    viewer.team = owner.team
    viewer.save(update_fields=["team"])
    Commitment.objects.create(person=marta, text="Visible promise", made_on=today())
    client.force_login(viewer)
    html = client.get(f"/people/{marta.pk}/", **EN).content.decode()
    assert "Visible promise" in html
    assert "Record a promise" not in html and "/items/" not in html


def _fill(person: Person, account: Account, n: int) -> None:
    for i in range(n):
        Commitment.objects.create(person=person, account=account, text=f"P{i}", made_on=today())
        Complaint.objects.create(person=person, account=account, opened=today(), summary=f"C{i}")
        Concern.objects.create(person=person, account=account, topic=f"K{i}", opened=today())
        Initiative.objects.create(person=person, account=account, text=f"I{i}",
                                  proposed_on=today())  # fmt: skip
        ValueItem.objects.create(person=person, account=account, date=today(), kind="time")


@pytest.mark.parametrize("size", [1, 30])
def test_person_page_queries_are_fixed_whatever_the_items(
    ana: Client, marta: Person, acme: Account, django_assert_num_queries: Any, size: int
) -> None:
    _fill(marta, acme, size)
    ana.get(f"/people/{marta.pk}/")  # warm the session
    # The page's own for this book (no timeline page to load: see test_detail_pages),
    # with one query for each of the five kinds, whatever their number.
    with django_assert_num_queries(17):
        assert ana.get(f"/people/{marta.pk}/").status_code == 200


@pytest.mark.parametrize("size", [1, 30])
def test_account_page_queries_are_fixed_whatever_the_items(
    ana: Client, marta: Person, acme: Account, django_assert_num_queries: Any, size: int
) -> None:
    _fill(marta, acme, size)
    ana.get(f"/accounts/{acme.pk}/")
    # The value items are read once, for their section and the ledger.
    with django_assert_num_queries(20):
        assert ana.get(f"/accounts/{acme.pk}/").status_code == 200


# --- Today: Done on a complaint or a promise play ----------------------------------------


def _complaint_play(owner: User, marta: Person, acme: Account) -> tuple[Complaint, Play]:
    complaint = Complaint.objects.create(
        person=marta, account=acme, opened=today() - dt.timedelta(days=3),
        severity="high", summary="Wrong invoice",
    )  # fmt: skip
    play = Play.objects.create(
        kind=PlayKind.COMPLAINT_OPEN, person=marta, account=acme, owner=owner, raised_on=today(),
        facts={"complaint": complaint.pk, "severity": "high", "age": 3, "answered": False,
               "target": 10, "text": "Wrong invoice"},
    )  # fmt: skip
    return complaint, play


def test_today_done_on_a_complaint_resolves_it_and_closes_the_play(
    ana: Client, owner: User, marta: Person, acme: Account
) -> None:
    complaint, play = _complaint_play(owner, marta, acme)
    url = f"/items/complaints/{complaint.pk}/close/?play={play.pk}"

    agenda = ana.get("/agenda/", **EN).content.decode()
    assert f'hx-get="{url}"' in agenda
    assert f'hx-target="#play-{play.pk}-form"' in agenda

    form = ana.get(url, **HX, **EN).content.decode()
    assert f'hx-target="#play-{play.pk}"' in form
    assert f'name="play" value="{play.pk}"' in form
    assert f'value="{iso(today())}"' in form  # resolved today, prefilled

    response = ana.post(
        f"/items/complaints/{complaint.pk}/close/",
        {"play": play.pk, "resolved": iso(today()), "resolution": "Credit note sent"},
        **HX,
        **EN,
    )
    assert response.status_code == 200
    assert f'<li id="play-{play.pk}"' in response.content.decode()
    assert "Complaint resolved." in response.content.decode()
    complaint.refresh_from_db()
    play.refresh_from_db()
    assert (complaint.resolved, complaint.resolution) == (today(), "Credit note sent")
    assert play.status == PlayStatus.DONE


def test_today_done_without_javascript_goes_back_to_the_agenda(
    ana: Client, owner: User, marta: Person, acme: Account
) -> None:
    complaint, play = _complaint_play(owner, marta, acme)
    page = ana.get(f"/items/complaints/{complaint.pk}/close/?play={play.pk}", **EN)
    assert "<html" in page.content.decode()
    response = ana.post(
        f"/items/complaints/{complaint.pk}/close/", {"play": play.pk, "resolved": iso(today())}
    )
    assert response["Location"] == "/agenda/"
    play.refresh_from_db()
    assert play.status == PlayStatus.DONE


def test_a_refused_resolve_leaves_the_play_open(
    ana: Client, owner: User, marta: Person, acme: Account
) -> None:
    complaint, play = _complaint_play(owner, marta, acme)
    response = ana.post(
        f"/items/complaints/{complaint.pk}/close/",
        {"play": play.pk, "resolved": iso(today() - dt.timedelta(days=30))},
        **HX,
        **EN,
    )
    assert response["HX-Retarget"] == f"#play-{play.pk}-form"
    assert "A complaint cannot be resolved before it opened." in response.content.decode()
    play.refresh_from_db()
    complaint.refresh_from_db()
    assert (play.status, complaint.resolved) == (PlayStatus.OPEN, None)


def test_a_play_about_another_complaint_or_another_owner_is_404(
    ana: Client, owner: User, marta: Person, acme: Account, outsider: User
) -> None:
    complaint, play = _complaint_play(owner, marta, acme)
    other = Complaint.objects.create(person=marta, opened=today(), summary="Other")
    assert ana.get(f"/items/complaints/{other.pk}/close/?play={play.pk}").status_code == 404
    play.owner = outsider
    play.save(update_fields=["owner"])
    response = ana.post(
        f"/items/complaints/{complaint.pk}/close/", {"play": play.pk, "resolved": iso(today())}
    )
    assert response.status_code == 404
    complaint.refresh_from_db()
    assert complaint.resolved is None


def test_today_done_on_an_overdue_promise_closes_it(
    ana: Client, owner: User, marta: Person, acme: Account
) -> None:
    promise = Commitment.objects.create(
        person=marta, account=acme, text="Quote", made_on=today() - dt.timedelta(days=20),
        due=today() - dt.timedelta(days=2),
    )  # fmt: skip
    play = Play.objects.create(
        kind=PlayKind.PROMISE_OVERDUE, person=marta, account=acme, owner=owner,
        raised_on=today(), facts={"commitment": promise.pk, "text": "Quote",
                                  "due": iso(promise.due), "days_late": 2},
    )  # fmt: skip
    agenda = ana.get("/agenda/").content.decode()
    assert f"/items/promises/{promise.pk}/close/?play={play.pk}" in agenda
    response = ana.post(
        f"/items/promises/{promise.pk}/close/",
        {"play": play.pk, "status": "kept", "closed_on": iso(today())},
        **HX,
    )
    assert response.status_code == 200
    promise.refresh_from_db()
    play.refresh_from_db()
    assert (promise.status, play.status) == ("kept_late", PlayStatus.DONE)
