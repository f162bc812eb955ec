"""The web log form: shared checks as field errors, the summary counter (branch today2)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from vinculo.factories import PersonFactory
from vinculo.interactions.models import Interaction
from vinculo.people.models import Colleague
from vinculo.web.tests.test_log_interaction import form_data

pytestmark = pytest.mark.django_db

URL = reverse("web:interaction_new")


def test_old_date_long_summary_and_nobody_of_ours_are_field_errors(
    signed_in: Client,
) -> None:
    marta = PersonFactory()

    response = signed_in.post(
        URL,
        form_data(people=[marta.pk], started_at="1985-05-04T09:30", summary="x" * 10_001),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert Interaction.objects.count() == 0
    errors = response.context["form"].errors
    assert errors["started_at"] == ["Dates before 1990 are not accepted."]
    assert errors["summary"] == ["At most 10000 characters (this has 10001)."]
    assert errors["colleagues"] == ["Choose at least one person from our side."]
    assert not response.context["form"].non_field_errors()


def test_far_future_date_in_spanish(signed_in: Client, colleague: Colleague) -> None:
    response = signed_in.post(
        URL,
        form_data(
            people=[PersonFactory().pk], colleagues=[colleague.pk], started_at="2099-01-01T09:00"
        ),
        HTTP_ACCEPT_LANGUAGE="es",
    )

    assert response.context["form"].errors["started_at"] == ["Como mucho un año por delante."]
    assert "Como mucho un año por delante." in response.content.decode()


def test_summary_has_maxlength_and_a_counter(signed_in: Client) -> None:
    html = signed_in.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'maxlength="10000"' in html
    assert 'data-counter="summary-counter"' in html
    assert (
        '<p class="help char-counter" id="summary-counter" data-counter-for="id_summary">'
        "<span data-count>0</span> of 10000 characters</p>"
    ) in html
    assert "<script>" not in html


@pytest.mark.parametrize("summary", ["ok", "fine", "all good"])
def test_a_weak_suggestion_sets_no_level_from_the_web_form(
    signed_in: Client, colleague: Colleague, summary: str
) -> None:
    marta = PersonFactory()

    signed_in.post(URL, form_data(people=[marta.pk], colleagues=[colleague.pk], summary=summary))

    interaction = Interaction.objects.get()
    assert (interaction.level, interaction.level_suggested) == ("", False)


def test_a_strong_suggestion_is_stored_marked_as_one(
    signed_in: Client, colleague: Colleague
) -> None:
    signed_in.post(
        URL,
        form_data(
            people=[PersonFactory().pk],
            colleagues=[colleague.pk],
            summary="Está muy contenta con el servicio, todo perfecto, nos recomienda",
        ),
    )

    interaction = Interaction.objects.get()
    assert (interaction.level, interaction.level_suggested) == ("satisfaction", True)


SUGGEST = reverse("web:level_suggestion")


def test_the_form_asks_for_the_suggestion_as_one_types(signed_in: Client) -> None:
    html = signed_in.get(URL).content.decode()

    assert f'hx-get="{SUGGEST}"' in html
    assert 'hx-trigger="keyup changed delay:400ms"' in html
    assert 'hx-target="#level-suggestion"' in html
    assert '<div id="level-suggestion"' in html
    # Nothing chosen for the user: "Not set" is the checked level.
    assert 'name="level" value="" id="id_level_0" checked' in html


def test_a_weak_suggestion_is_shown_as_none(signed_in: Client) -> None:
    response = signed_in.get(SUGGEST, {"summary": "ok"}, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-level-suggestion=""' in html
    assert "No level suggested: the summary does not say enough." in html
    assert "Suggested level" not in html


def test_a_strong_suggestion_is_shown_with_its_reason(signed_in: Client) -> None:
    response = signed_in.get(
        SUGGEST,
        {"summary": "Está muy contenta con el servicio, todo perfecto, nos recomienda"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = response.content.decode()
    assert 'data-level-suggestion="satisfaction"' in html
    assert "Suggested level: Satisfaction review" in html
    assert "“servicio”, “contenta”, “recomienda”" in html


def test_no_summary_no_suggestion(signed_in: Client) -> None:
    assert signed_in.get(SUGGEST, {"summary": "  "}).content.decode().strip() == ""


def test_viewers_get_no_suggestions(client: Client, viewer: object) -> None:
    client.force_login(viewer)  # type: ignore[arg-type]
    assert client.get(SUGGEST, {"summary": "ok"}).status_code == 403
