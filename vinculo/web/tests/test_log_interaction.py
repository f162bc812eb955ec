"""Logging an interaction from the web: defaults, happy path, service errors in the
user's language, viewers denied with nothing written."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from vinculo.factories import AccountFactory, EmploymentFactory, PersonFactory
from vinculo.interactions.models import Interaction
from vinculo.people.models import Colleague
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import User
from vinculo.vocab import Channel, Direction

pytestmark = pytest.mark.django_db

URL = reverse("web:interaction_new")


def form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "started_at": "2026-05-04T09:30",
        "duration_min": "45",
        "channel": Channel.MEETING,
        "direction": Direction.OUTBOUND,
        "level": "",
        "place": "Su oficina",
        "summary": "Revisamos el plan del año",
    }
    data.update(overrides)
    return data


def test_form_has_sensible_defaults_and_prefills_the_person(
    signed_in: Client, colleague: Colleague
) -> None:
    marta = PersonFactory(name="Marta Ruiz")

    response = signed_in.get(URL, {"person": marta.pk})

    form = response.context["form"]
    assert form["duration_min"].value() == 30
    assert form["channel"].value() == Channel.MEETING
    assert form["direction"].value() == Direction.OUTBOUND
    assert form["colleagues"].value() == [colleague.pk]
    assert len(form["started_at"].value()) == len("2026-05-04T09:30")
    assert [p.pk for p in response.context["selected"]] == [marta.pk]
    assert f'name="people" value="{marta.pk}" checked' in response.content.decode()


def test_account_button_offers_the_account_people(signed_in: Client) -> None:
    acme = AccountFactory(name="Acme")
    EmploymentFactory(person=PersonFactory(name="Pilar Acme"), account=acme)
    PersonFactory(name="Elsewhere")

    response = signed_in.get(URL, {"account": acme.pk})

    assert [p.name for p in response.context["suggestions"]] == ["Pilar Acme"]


def test_log_interaction_happy_path(signed_in: Client, owner: User, colleague: Colleague) -> None:
    acme = AccountFactory(name="Acme")
    marta = PersonFactory(name="Marta Ruiz")
    EmploymentFactory(person=marta, account=acme)

    response = signed_in.post(
        URL,
        form_data(people=[marta.pk], colleagues=[colleague.pk]),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.redirect_chain == [(marta.get_absolute_url(), 302)]
    interaction = Interaction.objects.get()
    assert interaction.duration_min == 45
    assert interaction.place == "Su oficina"
    assert interaction.account == acme
    assert interaction.created_by == owner
    assert list(interaction.people.all()) == [marta]
    assert list(interaction.colleagues.all()) == [colleague]
    assert (
        TimelineEvent.objects.filter(kind=EventKind.INTERACTION_LOGGED, person=marta).count() == 1
    )
    html = response.content.decode()
    assert "Interaction logged." in html
    assert "Revisamos el plan del año" in html


def test_service_error_is_shown_on_the_form_in_spanish(signed_in: Client) -> None:
    response = signed_in.post(URL, form_data(), HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 200
    assert Interaction.objects.count() == 0
    assert response.context["form"].errors["people"] == [
        "Elige al menos una persona del lado del cliente."
    ]
    assert "Elige al menos una persona del lado del cliente." in response.content.decode()


def test_service_error_is_shown_in_english(signed_in: Client) -> None:
    response = signed_in.post(URL, form_data(), HTTP_ACCEPT_LANGUAGE="en")

    assert response.context["form"].errors["people"] == [
        "Choose at least one person from the client's side."
    ]


def test_form_errors_keep_the_chosen_people(signed_in: Client) -> None:
    marta = PersonFactory(name="Marta Ruiz")

    response = signed_in.post(URL, form_data(people=[marta.pk], started_at="not a date"))

    assert Interaction.objects.count() == 0
    assert "started_at" in response.context["form"].errors
    assert [p.pk for p in response.context["selected"]] == [marta.pk]


def test_viewer_cannot_log(client: Client, viewer: User) -> None:
    marta = PersonFactory()
    client.force_login(viewer)

    get = client.get(URL)
    post = client.post(URL, form_data(people=[marta.pk]))

    assert get.status_code == 403
    assert post.status_code == 403
    assert Interaction.objects.count() == 0
    assert TimelineEvent.objects.filter(kind=EventKind.INTERACTION_LOGGED).count() == 0


def test_viewer_does_not_see_the_log_links(client: Client, viewer: User) -> None:
    marta = PersonFactory()
    client.force_login(viewer)

    html = client.get(marta.get_absolute_url()).content.decode()

    assert URL not in html


def test_csrf_is_enforced(owner: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    response = client.post(URL, form_data(people=[PersonFactory().pk]))

    assert response.status_code == 403
    assert Interaction.objects.count() == 0


def test_people_options_search_leaves_out_chosen(signed_in: Client) -> None:
    marta = PersonFactory(name="Marta Ruiz")
    PersonFactory(name="Marta López")

    response = signed_in.get(reverse("web:people_options"), {"q": "marta", "people": [marta.pk]})

    html = response.content.decode()
    assert "Marta López" in html
    assert "Marta Ruiz" not in html
