"""Paging the people and accounts lists: past the last page is 404 (branch today2)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from vinculo.factories import AccountFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book() -> None:
    for i in range(51):  # two pages of 50
        PersonFactory(name=f"Persona {i:03d}")
        AccountFactory(name=f"Cuenta {i:03d}")


@pytest.mark.parametrize("url", [reverse("web:home"), reverse("web:accounts")])
@pytest.mark.parametrize(
    ("page", "status", "number"),
    [
        ("1", 200, 1),
        ("2", 200, 2),
        ("3", 404, None),
        ("999", 404, None),
        ("0", 404, None),
        ("-1", 404, None),
        ("abc", 200, 1),
        ("", 200, 1),
        ("2.5", 200, 1),
    ],
)
def test_a_page_past_the_last_is_404(
    signed_in: Client, book: None, url: str, page: str, status: int, number: int | None
) -> None:
    response = signed_in.get(url, {"page": page})

    assert response.status_code == status
    if number is not None:
        assert response.context["page"].number == number


def test_an_empty_list_has_its_first_page(signed_in: Client) -> None:
    assert signed_in.get(reverse("web:accounts"), {"page": "1"}).status_code == 200
    assert signed_in.get(reverse("web:accounts"), {"page": "2"}).status_code == 404
