"""The admin writes people, accounts and jobs through the services (the rules, the
timeline, the health refresh) and shows the shared checks as form errors; the rows the
services own otherwise (interactions, promises, history) are read-only there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from vinculo.health.models import HealthSnapshot
from vinculo.interactions.services import interaction_log
from vinculo.people.models import Account, Employment, Person
from vinculo.people.services import account_create, employment_start, person_create
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import User
from vinculo.vocab import Channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db: None) -> User:
    return User.objects.create_superuser("root", password="secreto")


@pytest.fixture
def admin(admin_user: User) -> Client:
    client = Client(headers={"accept-language": "es"})
    client.force_login(admin_user)
    return client


def _errors(response: Any) -> dict[str, list[str]]:
    form = response.context["adminform"].form
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def test_editing_a_person_goes_through_the_service(
    admin: Client, admin_user: User, django_capture_on_commit_callbacks: Any
) -> None:
    # Given Ana at Acme
    acme = account_create(name="Acme")
    ana = person_create(name="Ana López", emails=["ana@acme.example"])
    employment_start(person=ana, account=acme, start=dt.date(2024, 1, 1))
    HealthSnapshot.objects.all().delete()
    # When an administrator renames her and adds an address in the admin
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            f"/admin/people/person/{ana.pk}/change/",
            {
                "name": "Ana López Ruiz",
                "emails": "ana@acme.example; ana.lopez@acme.example",
                "legal_basis": "legitimate_interest",
            }
            | _inline_management(ana),
        )
    # Then it is saved, written in the timeline by them, and her health and Acme's refreshed
    assert response.status_code == 302, _errors(response)
    ana.refresh_from_db()
    assert ana.name == "Ana López Ruiz"
    assert list(ana.emails.order_by("id").values_list("email", flat=True)) == [
        "ana@acme.example",
        "ana.lopez@acme.example",
    ]
    event = TimelineEvent.objects.filter(kind=EventKind.PERSON_UPDATED).get()
    assert event.actor == admin_user
    assert event.data["fields"] == ["emails", "name"]
    today = timezone.localdate()
    assert HealthSnapshot.objects.filter(person=ana, as_of=today).exists()
    assert HealthSnapshot.objects.filter(account=acme, as_of=today).exists()


def _inline_management(person: Person) -> dict[str, str]:
    jobs = str(person.employments.count())
    emails = str(person.emails.count())
    return {
        "emails-TOTAL_FORMS": emails,
        "emails-INITIAL_FORMS": emails,
        "employments-TOTAL_FORMS": jobs,
        "employments-INITIAL_FORMS": jobs,
    }


def test_a_bad_account_shows_the_shared_checks_as_form_errors_in_spanish(admin: Client) -> None:
    # Given an account whose domain another account uses
    account_create(name="Acme", domains=["acme.example"])
    # When the admin adds one with a bad country, a taken domain and a negative wallet
    response = admin.post(
        "/admin/people/account/add/",
        {
            "name": "Acme Bis",
            "country": "e1",
            "status": "active",
            "wallet_yearly": "-1",
            "domains": "acme.example",
            "domains-TOTAL_FORMS": "0",
            "domains-INITIAL_FORMS": "0",
        },
    )
    # Then the form shows the services' own words beside each field, and nothing is saved
    assert response.status_code == 200
    with translation.override("es"):
        assert _errors(response) == {
            "country": ["«E1» no es un código de país ISO de dos letras."],
            "wallet_yearly": ["La cartera no puede ser negativa."],
            "domains": ["Dominio ya usado por otra cuenta: acme.example"],
        }
    assert Account.objects.count() == 1


def test_a_second_current_job_at_the_same_account_is_refused(admin: Client) -> None:
    # Given Ana, currently at Acme
    acme = account_create(name="Acme")
    ana = person_create(name="Ana López")
    employment_start(person=ana, account=acme, start=dt.date(2024, 1, 1))
    # When the admin adds another current job there
    response = admin.post(
        "/admin/people/employment/add/",
        {"person": ana.pk, "account": acme.pk, "function": "purchasing", "start": "2025-01-01"},
    )
    # Then it is refused on the form, and she still has one job
    assert response.status_code == 200
    assert _errors(response)
    assert Employment.objects.filter(person=ana).count() == 1


def test_ending_a_job_in_the_admin_uses_employment_end(admin: Client, admin_user: User) -> None:
    acme = account_create(name="Acme")
    ana = person_create(name="Ana López")
    job = employment_start(person=ana, account=acme, start=dt.date(2024, 1, 1))
    call = interaction_log(
        started_at=dt.datetime(2025, 3, 10, 10, tzinfo=dt.UTC), channel=Channel.CALL, people=[ana]
    )

    response = admin.post(
        f"/admin/people/employment/{job.pk}/change/",
        {
            "title": "Compras",
            "function": "purchasing",
            "decision_role": "",
            "start": "2024-01-01",
            "end": "2025-02-28",
        },
    )

    assert response.status_code == 302, _errors(response)
    job.refresh_from_db()
    assert (job.title, job.end) == ("Compras", dt.date(2025, 2, 28))
    kinds = set(
        TimelineEvent.objects.filter(person=ana, actor=admin_user).values_list("kind", flat=True)
    )
    assert kinds == {EventKind.EMPLOYMENT_UPDATED, EventKind.EMPLOYMENT_ENDED}
    # The call after she left belongs to no account any more
    call.refresh_from_db()
    assert call.account_id is None


def test_interactions_and_the_timeline_are_read_only(admin: Client) -> None:
    ana = person_create(name="Ana López")
    call = interaction_log(started_at=timezone.now(), channel=Channel.CALL, people=[ana])
    event = TimelineEvent.objects.first()
    assert event is not None

    assert admin.get(f"/admin/interactions/interaction/{call.pk}/change/").status_code == 200
    assert admin.get("/admin/interactions/interaction/add/").status_code == 403
    assert (
        admin.post(f"/admin/interactions/interaction/{call.pk}/delete/", {"post": "yes"})
    ).status_code == 403
    assert admin.post(f"/admin/timeline/timelineevent/{event.pk}/delete/").status_code == 403
    call.refresh_from_db()
    assert call.channel == Channel.CALL


def test_adding_a_person_in_the_admin_uses_person_create(admin: Client, admin_user: User) -> None:
    # Given Ana, with her address
    person_create(name="Ana López", emails=["ana@acme.example"])
    blank = {
        "legal_basis": "legitimate_interest",
        "emails-TOTAL_FORMS": "0",
        "emails-INITIAL_FORMS": "0",
        "employments-TOTAL_FORMS": "0",
        "employments-INITIAL_FORMS": "0",
    }
    # When someone else is added with her address, then with his own
    taken = admin.post(
        "/admin/people/person/add/", {**blank, "name": "Luis", "emails": "ANA@acme.example"}
    )
    luis_roca = {**blank, "name": "Luis Roca", "emails": "luis@acme.example", "family": "Dos hijas"}
    # A personal fact needs the source of its legal basis (M18), as on the person page.
    no_source = admin.post("/admin/people/person/add/", luis_roca)
    added = admin.post(
        "/admin/people/person/add/", {**luis_roca, "legal_basis_source": "Contrato 2026/14"}
    )
    # Then the first is refused in the service's words, the second created through it
    assert _errors(taken) == {
        "emails": ["La dirección ya pertenece a otra persona: ana@acme.example"]
    }
    assert _errors(no_source) == {
        "legal_basis_source": [
            "Los datos personales necesitan el origen de su base legal: el formulario de "
            "consentimiento, el contrato o la evaluación."
        ]
    }
    assert added.status_code == 302, _errors(added)
    luis = Person.objects.get(name="Luis Roca")
    assert (luis.family, luis.legal_basis_source) == ("Dos hijas", "Contrato 2026/14")
    assert list(luis.emails.values_list("email", flat=True)) == ["luis@acme.example"]
    kinds = list(
        TimelineEvent.objects.filter(person=luis, actor=admin_user)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [EventKind.PERSON_CREATED, EventKind.PERSON_UPDATED]
