"""The person page's write side (vinculo.web.person_edit): the profile and personal facts
(M18), a job change (M4), the contact plan inline (M17); in place with htmx and as plain
POSTs; messages in both languages; stale saves; escaping."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from vinculo.factories import AccountFactory, EmploymentFactory, PersonEmailFactory, PersonFactory
from vinculo.people.models import Colleague, ContactPlan, Employment, Person
from vinculo.people.services import contact_plan_set, person_update
from vinculo.users.models import User
from vinculo.web.tests.test_detail_pages import meet

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ES = {"HTTP_ACCEPT_LANGUAGE": "es"}
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def person(colleague: Colleague) -> Person:
    person = PersonFactory(name="Marta Ruiz", phones="600 000 000", owner=colleague)
    PersonEmailFactory(person=person, email="marta@acme.example")
    return person


def profile_post(person: Person, **changes: Any) -> dict[str, Any]:
    person.refresh_from_db()
    data = {
        "version": person.version,
        "name": person.name,
        "emails": "; ".join(person.emails.values_list("email", flat=True)),
        "phones": person.phones,
        "language": person.language,
        "owner": person.owner_id or "",
        "legal_basis": person.legal_basis,
        "legal_basis_source": person.legal_basis_source,
        "notes": person.notes,
        "birthday": "",
        "family": "",
        "tastes": "",
        "friends": "",
        "interests": "",
        "professional_interests": "",
    }
    return data | changes


def tag_of(html: str, element_id: str) -> str:
    """The opening tag of the element with this id."""
    at = html.index(f'id="{element_id}"')
    return html[html.rindex("<", 0, at) : html.index(">", at) + 1]


def short(day: dt.date) -> str:
    with translation.override("en"):
        return date_format(day, "SHORT_DATE_FORMAT")


def url(person: Person, what: str) -> str:
    return f"/people/{person.pk}/{what}/"


# --- profile and personal facts ------------------------------------------------------------


def test_profile_form_opens_in_place_with_the_current_values(
    signed_in: Client, person: Person
) -> None:
    html = signed_in.get(url(person, "profile"), **HX, **EN).content.decode()

    assert html.lstrip().startswith('<section class="card card-editing" id="profile-card"')
    assert 'value="Marta Ruiz"' in html and "marta@acme.example" in html
    assert 'name="version" value="1"' in html
    assert f'hx-post="/people/{person.pk}/profile/"' in html
    assert "autofocus" in tag_of(html, "id_name")


def test_profile_save_in_place_shows_the_new_profile(signed_in: Client, person: Person) -> None:
    data = profile_post(
        person,
        name="Marta Ruiz Gil",
        emails="Marta@Acme.example; marta.ruiz@otra.example",
        phones="611 111 111",
        legal_basis="consent",
        legal_basis_source="Formulario de consentimiento 2026-03",
        family="Dos hijas",
        birthday="1980-05-17",
    )
    response = signed_in.post(url(person, "profile"), data, **HX, **EN)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="profile-card"')
    assert "Saved." in html and "Marta Ruiz Gil" not in html  # the name is in the page head
    assert "marta.ruiz@otra.example" in html and "611 111 111" in html
    assert "Consent · Formulario de consentimiento 2026-03" in html
    assert "Dos hijas" in html and "17 May" in html
    person.refresh_from_db()
    assert (person.name, person.phones, person.family, person.birthday, person.version) == (
        "Marta Ruiz Gil",
        "611 111 111",
        "Dos hijas",
        dt.date(1980, 5, 17),
        2,
    )
    assert list(person.emails.order_by("id").values_list("email", flat=True)) == [
        "marta@acme.example",
        "marta.ruiz@otra.example",
    ]
    assert person.changed_by is not None and person.changed_by.username == "ana"


def test_profile_plain_post_redirects_to_the_person(signed_in: Client, person: Person) -> None:
    response = signed_in.post(url(person, "profile"), profile_post(person, phones="622"), **EN)

    assert response.status_code == 302 and response["Location"] == f"/people/{person.pk}/"
    person.refresh_from_db()
    assert person.phones == "622"


def test_profile_without_js_is_a_page_of_its_own(signed_in: Client, person: Person) -> None:
    html = signed_in.get(url(person, "profile"), **EN).content.decode()

    assert "<title>Edit the profile · Marta Ruiz · Vínculo</title>" in html
    assert f'<form method="post" action="/people/{person.pk}/profile/" novalidate>' in html


@pytest.mark.parametrize(
    ("changes", "field", "english", "spanish"),
    [
        ({"name": "  "}, "name", "A person needs a name.", "Una persona necesita un nombre."),
        (
            {"emails": "marta@"},
            "emails",
            "“marta@” is not a valid email address.",
            "«marta@» no es una dirección de correo válida.",
        ),
        (
            {"family": "Dos hijas", "legal_basis_source": ""},
            "legal_basis_source",
            "Personal facts need the source of their legal basis: the consent form, the "
            "contract or the assessment.",
            "Los datos personales necesitan el origen de su base legal: el formulario de "
            "consentimiento, el contrato o la evaluación.",
        ),
        (
            {"legal_basis": ""},
            "legal_basis",
            "Choose the legal basis for their personal data.",
            "Elige la base legal de sus datos personales.",
        ),
        (
            {"phones": "6" * 201},
            "phones",
            "At most 200 characters (this has 201).",
            "Como mucho 200 caracteres (tiene 201).",
        ),
    ],
)
def test_profile_validation_messages_in_both_languages(
    signed_in: Client, person: Person, changes: dict, field: str, english: str, spanish: str
) -> None:
    for headers, message in ((EN, english), (ES, spanish)):
        response = signed_in.post(
            url(person, "profile"), profile_post(person, **changes), **HX, **headers
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert message in html, html
        error_id = f"id_{field}_error"
        assert f'id="{error_id}"' in html
        # The first field in error is focused, and tied to its message.
        tag = tag_of(html, f"id_{field}")
        assert "autofocus" in tag and 'aria-invalid="true"' in tag and error_id in tag
    person.refresh_from_db()
    assert (person.version, person.name) == (1, "Marta Ruiz")


def test_an_address_of_someone_else_is_refused_with_the_services_words(
    signed_in: Client, person: Person
) -> None:
    PersonEmailFactory(person=PersonFactory(name="Otro"), email="otro@acme.example")

    html = signed_in.post(
        url(person, "profile"), profile_post(person, emails="otro@acme.example"), **HX, **EN
    ).content.decode()

    assert "Address already belongs to someone else: otro@acme.example" in html
    assert list(person.emails.values_list("email", flat=True)) == ["marta@acme.example"]


def test_a_new_phone_is_not_refused_for_a_source_an_older_record_lacks(
    signed_in: Client, person: Person
) -> None:
    Person.objects.filter(pk=person.pk).update(family="Casada")

    data = profile_post(person, phones="699", family="Casada")
    response = signed_in.post(url(person, "profile"), data, **EN)

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phones == "699"


def test_stale_profile_save_keeps_what_was_typed_and_shows_their_change(
    signed_in: Client, person: Person, teammate: User
) -> None:
    teammate.first_name, teammate.last_name = "Berta", "Sanz"
    teammate.save()
    data = profile_post(person, phones="611 111 111", notes="Lo que yo escribí")
    # Someone else saves in between.
    person_update(person=Person.objects.get(pk=person.pk), phones="633 333 333", actor=teammate,
                  version=1)  # fmt: skip
    changed = timezone.localtime(Person.objects.get(pk=person.pk).changed_at)

    for headers, language, stale in (
        (EN, "en", "Changed by Berta Sanz at %s; review their change and save again."),
        (ES, "es", "Cambiado por Berta Sanz el %s; revisa su cambio y vuelve a guardar."),
    ):
        with translation.override(language):
            stale %= date_format(changed, "SHORT_DATETIME_FORMAT")
        html = signed_in.post(url(person, "profile"), data, **HX, **headers).content.decode()
        assert stale in html, html
        # What the user typed is kept; theirs is beside the field; the version is the new one.
        assert 'value="611 111 111"' in html and "Lo que yo escribí" in html
        assert "<strong>633 333 333</strong>" in html
        assert 'name="version" value="2"' in html
    person.refresh_from_db()
    assert (person.phones, person.notes, person.version) == ("633 333 333", "", 2)

    # Having looked, the user saves again: it goes through.
    data["version"] = 2
    assert signed_in.post(url(person, "profile"), data, **EN).status_code == 302
    person.refresh_from_db()
    assert (person.phones, person.notes, person.version) == ("611 111 111", "Lo que yo escribí", 3)


def test_user_text_is_escaped_in_the_form_and_the_profile(
    signed_in: Client, person: Person
) -> None:
    evil = '<script>alert("x")</script>'
    data = profile_post(person, notes=evil, phones=evil, legal_basis_source=evil, family=evil)
    html = signed_in.post(url(person, "profile"), data, **HX, **EN).content.decode()
    page = signed_in.get(f"/people/{person.pk}/", **EN).content.decode()
    form = signed_in.get(url(person, "profile"), **HX, **EN).content.decode()

    for text in (html, page, form):
        assert "<script>alert" not in text
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text


def test_profile_form_leaves_out_personal_facts_for_who_may_not_see_them(
    client: Client, teammate: User, person: Person
) -> None:
    """Berta reads Marta through a shared account but is not of the owner's team's facts…
    here: an admin-less account manager of another team with an account share."""
    from vinculo.access.models import AccountShare
    from vinculo.factories import TeamFactory

    teammate.team = TeamFactory(name="Sur")
    teammate.save()
    acme = AccountFactory(name="Acme")
    EmploymentFactory(person=person, account=acme)
    AccountShare.objects.create(account=acme, user=teammate)
    Person.objects.filter(pk=person.pk).update(family="Casada")
    client.force_login(teammate)

    form = client.get(url(person, "profile"), **HX, **EN).content.decode()
    assert "Marta Ruiz" in form and 'name="family"' not in form and "Casada" not in form

    response = client.post(
        url(person, "profile"), profile_post(person, phones="644", family=""), **EN
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.phones, person.family) == ("644", "Casada")


# --- a job change (M4) ---------------------------------------------------------------------


@pytest.fixture
def acme(colleague: Colleague, person: Person) -> Employment:
    account = AccountFactory(name="Acme", owner=colleague)
    return EmploymentFactory(
        person=person, account=account, title="Jefa de compras", start=dt.date(2020, 1, 1)
    )


def test_job_change_in_place_ends_the_old_job_and_starts_the_new(
    signed_in: Client, person: Person, acme: Employment, colleague: Colleague
) -> None:
    globex = AccountFactory(name="Globex", owner=colleague)
    form = signed_in.get(url(person, "job-change"), **HX, **EN).content.decode()
    assert "Leaves: Acme" in form and ">Globex</option>" in form

    response = signed_in.post(
        url(person, "job-change"),
        {"on": "2026-03-01", "account": globex.pk, "title": "Directora", "function": "management"},
        **HX,
        **EN,
    )

    html = response.content.decode()
    assert "Job change recorded." in html
    current, past = html.index("job job-current"), html.index("job job-past")
    assert current < html.index("Globex") < past < html.index(">Acme<")
    jobs = list(
        person.employments.order_by("start").values_list(
            "account__name", "start", "end", "title", "function"
        )
    )
    assert jobs == [
        ("Acme", dt.date(2020, 1, 1), dt.date(2026, 2, 28), "Jefa de compras", acme.function),
        ("Globex", dt.date(2026, 3, 1), None, "Directora", "management"),
    ]


def test_job_change_to_no_company(signed_in: Client, person: Person, acme: Employment) -> None:
    response = signed_in.post(
        url(person, "job-change"), {"on": "2026-03-01", "function": "other"}, **EN
    )

    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.end == dt.date(2026, 2, 28)
    assert not person.employments.filter(end__isnull=True).exists()


@pytest.mark.parametrize(
    ("post", "field", "english", "spanish"),
    [
        (
            {"on": "2019-06-01"},
            "on",
            "The move must come after the current job at Acme started.",
            "El cambio debe ser posterior al inicio del trabajo actual en Acme.",
        ),
        ({"on": ""}, "on", "Give the date of the move.", "Indica la fecha del cambio."),
        (
            {"on": "2021-06-01", "account": "old"},
            "on",
            "Marta Ruiz worked at Old Co until 31 Dec 2021: the new job cannot start before that.",
            "Marta Ruiz trabajó en Old Co hasta el 31/12/2021: el nuevo trabajo no puede "
            "empezar antes.",
        ),
    ],
)
def test_job_change_errors_in_both_languages(
    signed_in: Client,
    person: Person,
    acme: Employment,
    colleague: Colleague,
    post: dict,
    field: str,
    english: str,
    spanish: str,
) -> None:
    old = AccountFactory(name="Old Co", owner=colleague)
    EmploymentFactory(
        person=person, account=old, start=dt.date(2018, 1, 1), end=dt.date(2021, 12, 31)
    )
    AccountFactory(name="Globex")
    data = {"function": "other", "account": ""} | post
    if data["account"] == "old":
        data["account"] = old.pk
        # The current job started later than the move would: make it earlier here.
        Employment.objects.filter(pk=acme.pk).update(start=dt.date(2015, 1, 1))
    before = list(Employment.objects.order_by("pk").values_list("pk", "end"))
    for headers, message in ((EN, english), (ES, spanish)):
        html = signed_in.post(url(person, "job-change"), data, **HX, **headers).content.decode()
        assert message in html, html
        assert f'id="id_{field}_error"' in html
    assert list(Employment.objects.order_by("pk").values_list("pk", "end")) == before


def test_job_change_to_the_same_account_is_refused(
    signed_in: Client, person: Person, acme: Employment
) -> None:
    data = {"on": "2026-03-01", "account": acme.account_id, "function": "other"}
    html = signed_in.post(url(person, "job-change"), data, **HX, **EN).content.decode()

    assert "Marta Ruiz already works at Acme." in html
    acme.refresh_from_db()
    assert acme.end is None


# --- the contact plan (M17) ----------------------------------------------------------------


def test_plan_set_in_place_shows_next_due_from_the_last_contact(
    signed_in: Client, person: Person, colleague: Colleague
) -> None:
    meet(person, colleague, days_ago=10)
    today = timezone.localdate()
    form = signed_in.get(url(person, "plan"), **HX, **EN).content.decode()
    assert 'name="version" value="0"' in form

    html = signed_in.post(
        url(person, "plan"), {"version": 0, "every_days": 30, "channel": "call"}, **HX, **EN
    ).content.decode()

    due = today + dt.timedelta(days=20)
    assert "Contact plan saved." in html and "every 30 days" in html
    assert f'<dd id="plan-next-due">{short(due)}</dd>' in html
    plan = ContactPlan.objects.get(person=person)
    assert (plan.every_days, plan.channel, plan.next_due, plan.version) == (30, "call", due, 1)

    # A new cadence: the next due recomputed from the same last contact.
    html = signed_in.post(
        url(person, "plan"), {"version": 1, "every_days": 14}, **HX, **EN
    ).content.decode()
    assert f'<dd id="plan-next-due">{short(today + dt.timedelta(days=4))}</dd>' in html


def test_plan_next_due_moves_after_a_contact_on_the_person_page(
    signed_in: Client, person: Person, colleague: Colleague
) -> None:
    contact_plan_set(person=person, every_days=14)
    today = timezone.localdate()
    assert ContactPlan.objects.get(person=person).next_due == today  # never contacted: today

    logged = signed_in.post(
        "/interactions/new/",
        {
            "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "duration_min": 30,
            "channel": "call",
            "direction": "outbound",
            "level": "",
            "summary": "Llamada",
            "people": [person.pk],
            "colleagues": [colleague.pk],
        },
    )
    assert logged.status_code == 302

    page = signed_in.get(f"/people/{person.pk}/", **EN).content.decode()
    assert f'<dd id="plan-next-due">{short(today + dt.timedelta(days=14))}</dd>' in page


@pytest.mark.parametrize(
    ("post", "english", "spanish"),
    [
        (
            {"every_days": 0},
            "The cadence must be at least one day.",
            "La cadencia debe ser de al menos un día.",
        ),
        ({"every_days": ""}, "Give the cadence in days.", "Indica la cadencia en días."),
    ],
)
def test_plan_errors_in_both_languages(
    signed_in: Client, person: Person, post: dict, english: str, spanish: str
) -> None:
    for headers, message in ((EN, english), (ES, spanish)):
        html = signed_in.post(
            url(person, "plan"), {"version": 0} | post, **HX, **headers
        ).content.decode()
        assert message in html
        assert 'id="id_every_days_error"' in html
    assert not ContactPlan.objects.exists()


def test_stale_plan_save_keeps_what_was_typed(
    signed_in: Client, person: Person, teammate: User
) -> None:
    contact_plan_set(person=person, every_days=30)
    contact_plan_set(person=person, every_days=21, actor=teammate, version=1)

    html = signed_in.post(
        url(person, "plan"), {"version": 1, "every_days": 7}, **HX, **EN
    ).content.decode()

    assert "Changed by berta at" in html and "review their change and save again." in html
    assert 'value="7"' in html and "<strong>21</strong>" in html
    assert 'name="version" value="2"' in html
    assert ContactPlan.objects.get(person=person).every_days == 21


def test_plan_cancel_shows_the_section_again(signed_in: Client, person: Person) -> None:
    html = signed_in.get(url(person, "plan") + "?show=1", **HX, **EN).content.decode()

    assert 'id="plan-card"' in html and "No cadence agreed yet." in html and "<form" not in html


# --- the people list's filters (M1) --------------------------------------------------------


def test_people_list_filters_sorts_and_export_keep_them(
    signed_in: Client, colleague: Colleague
) -> None:
    from vinculo.health.models import HealthSnapshot, Play, PlayKind

    acme = AccountFactory(name="Acme", tier="a")
    globex = AccountFactory(name="Globex", tier="b")
    people = {}
    for name, account, function, band, overall, due in (
        ("Álvaro Red", acme, "purchasing", "red", 20, dt.date(2026, 1, 5)),
        ("Beatriz Green", acme, "finance", "green", 90, dt.date(2026, 1, 1)),
        ("Carlos Yellow", globex, "purchasing", "yellow", 55, None),
    ):
        person = PersonFactory(name=name, owner=colleague if band != "yellow" else None)
        EmploymentFactory(person=person, account=account, function=function)
        HealthSnapshot.objects.create(
            person=person, as_of=dt.date.today(), overall=overall, band=band
        )
        if due:
            contact_plan_set(person=person, every_days=30, next_due=due)
        people[name] = person
    Play.objects.create(
        kind=PlayKind.GOING_SILENT, person=people["Álvaro Red"], raised_on=dt.date.today()
    )

    def names(**params: Any) -> list[str]:
        response = signed_in.get("/", params, **EN)
        return [p.name for p in response.context["page"]]

    assert names(band="red") == ["Álvaro Red"]
    assert names(owner=colleague.pk) == ["Álvaro Red", "Beatriz Green"]
    assert names(function="purchasing") == ["Álvaro Red", "Carlos Yellow"]
    assert names(tier="b") == ["Carlos Yellow"]
    assert names(silent="1") == ["Álvaro Red"]
    assert names(function="purchasing", q="alvaro") == ["Álvaro Red"]
    assert names(sort="health") == ["Álvaro Red", "Carlos Yellow", "Beatriz Green"]
    assert names(sort="-health") == ["Beatriz Green", "Carlos Yellow", "Álvaro Red"]
    assert names(sort="next_due") == ["Beatriz Green", "Álvaro Red", "Carlos Yellow"]
    assert names(band="nonsense") == names()  # not a choice: no filter
    html = signed_in.get("/", {"band": "green", "q": "zzz"}, **EN).content.decode()
    assert "Nobody matches these filters" in html
    # The export is the list as filtered on screen.
    export = signed_in.get("/people/export.csv", {"function": "purchasing", "tier": "a"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "Álvaro Red" in text and "Carlos Yellow" not in text and "Beatriz" not in text
    # Pagination links keep the filters.
    for i in range(55):
        EmploymentFactory(person=PersonFactory(name=f"Extra {i:02d}"), account=globex)
    html = signed_in.get("/", {"tier": "b"}, **EN).content.decode()
    assert "tier=b&amp;page=2" in html or "page=2&amp;tier=b" in html


@pytest.mark.parametrize("size", [3, 60])
def test_filtered_people_list_query_count_is_fixed(
    signed_in: Client,
    make_book: Any,
    django_assert_num_queries: Any,
    size: int,
    colleague: Colleague,
) -> None:
    make_book(size)
    params = {"band": "yellow", "owner": colleague.pk, "function": "", "tier": "",
              "silent": "", "sort": "-next_due", "q": "persona"}  # fmt: skip

    # session, user, count, page, current jobs; the owners of the owner filter
    with django_assert_num_queries(6):
        response = signed_in.get("/", params)
    assert response.status_code == 200
    # The results alone (htmx, as the filters change): no owners' query.
    with django_assert_num_queries(5):
        signed_in.get("/", params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="people-results")


def test_person_page_query_count_with_the_edit_buttons(
    signed_in: Client, person: Person, django_assert_num_queries: Any
) -> None:
    contact_plan_set(person=person, every_days=30)
    # As test_detail_pages pins it (21 there, with a timeline to page, which this person
    # lacks): the edit buttons and their sections add no query.
    with django_assert_num_queries(18):
        html = signed_in.get(person.get_absolute_url(), **EN).content.decode()
    for edit in ("profile", "job-change", "plan"):
        assert f'hx-get="/people/{person.pk}/{edit}/"' in html
