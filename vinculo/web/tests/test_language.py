"""The language switch and both catalogues."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_switch_to_english_and_back(signed_in: Client) -> None:
    response = signed_in.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    english = signed_in.get("/").content.decode()

    signed_in.post(reverse("set_language"), {"language": "es", "next": "/"})
    spanish = signed_in.get("/").content.decode()

    assert '<html lang="en">' in english
    assert ">People</a>" in english and ">Log interaction</a>" in english
    assert '<html lang="es">' in spanish
    assert ">Personas</a>" in spanish and ">Registrar interacción</a>" in spanish


def test_login_page_in_both_languages_and_switchable_before_login(client: Client) -> None:
    spanish = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    english = client.get(reverse("login")).content.decode()

    assert "Inicia sesión en Vínculo" in spanish
    assert "Sign in to Vínculo" in english


def test_vocabulary_labels_are_translated(signed_in: Client) -> None:
    html = signed_in.get(reverse("web:interaction_new"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Reunión" in html and "Iniciamos nosotros" in html and "Revisión de satisfacción" in html
