"""Fixed query counts per page of every v1 list (never a query per row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from vinculo.factories import PersonFactory, UserFactory
from vinculo.interactions.services import interaction_log
from vinculo.users.models import Role
from vinculo.users.tests.api_data import populate

pytestmark = pytest.mark.django_db

# The session and its user (2), then the page (1) and its prefetches.
LISTS = {
    "/api/v1/people": 5,  # + addresses, current jobs
    "/api/v1/accounts": 4,  # + domains
    "/api/v1/employments": 3,
    "/api/v1/colleagues": 3,
    "/api/v1/contact-plans": 3,
    "/api/v1/interactions": 5,  # + both sides
    "/api/v1/commitments": 3,
    "/api/v1/complaints": 3,
    "/api/v1/concerns": 3,
    "/api/v1/initiatives": 3,
    "/api/v1/product-lines": 3,
    "/api/v1/holdings": 3,
    "/api/v1/concessions": 3,
    "/api/v1/value-items": 3,
    "/api/v1/health-snapshots": 3,
    "/api/v1/plays": 3,
}


@pytest.fixture
def signed_in(db: None) -> Client:
    user = UserFactory(username="queries", role=Role.ADMIN)
    populate(user)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("path", "queries"), LISTS.items())
def test_every_list_costs_a_fixed_number_of_queries(
    signed_in: Client, django_assert_num_queries: Callable[..., Any], path: str, queries: int
) -> None:
    with django_assert_num_queries(queries):
        response = signed_in.get(path)
    assert response.status_code == 200
    assert response.json()["items"]


@pytest.mark.parametrize("size", [3, 30])
def test_the_interaction_log_costs_the_same_for_30_rows(
    signed_in: Client, django_assert_num_queries: Callable[..., Any], size: int
) -> None:
    people = PersonFactory.create_batch(2)
    for n in range(size):
        interaction_log(
            started_at=timezone.now() - dt.timedelta(hours=n), channel="call", people=people
        )
    with django_assert_num_queries(5):
        body = signed_in.get("/api/v1/interactions", {"limit": 40}).json()
    assert len(body["items"]) == size + 1
    assert all(len(item["people"]) >= 1 for item in body["items"])
