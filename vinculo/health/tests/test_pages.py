"""The pages use the engine's one rule for bands and for the portfolio's quadrants."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from vinculo.factories import AccountFactory, InteractionFactory, PersonFactory, UserFactory
from vinculo.growth.models import Holding, ProductLine
from vinculo.health.models import HealthSnapshot
from vinculo.health.services import health_settings_update
from vinculo.users.models import Role
from vinculo.vocab import AccountStatus

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_component_bars_follow_the_configured_bands(client: Client) -> None:
    person = PersonFactory()
    HealthSnapshot.objects.create(
        as_of=timezone.localdate(),
        person=person,
        overall=80,
        band="green",
        components={"cadence": {"value": 80, "facts": {}}, "depth": {"value": 45, "facts": {}}},
    )
    client.force_login(UserFactory(role=Role.ADMIN))  # unowned data: the whole book

    def bars() -> dict[str, str]:
        html = client.get(person.get_absolute_url(), **EN).content.decode()
        return dict(re.findall(r'id="comp-(\w+)".*?class="bar-fill bar-(\w+)"', html, re.S))

    assert bars() == {"cadence": "green", "depth": "yellow"}
    health_settings_update(overrides={"green_from": 85, "yellow_from": 50})
    assert bars() == {"cadence": "yellow", "depth": "red"}


def test_a_lost_account_is_never_invest_on_the_portfolio(client: Client) -> None:
    line = ProductLine.objects.create(name="Line")
    year = timezone.localdate().year - 1
    lost = AccountFactory(name="Lost Big SA", status=AccountStatus.LOST)
    for account, revenue in ((lost, 900_000), (AccountFactory(name="Live SA"), 500_000)):
        Holding.objects.create(
            account=account, product_line=line, year=year, revenue=Decimal(revenue)
        )
    InteractionFactory(account=lost, started_at=timezone.now(), duration_min=600)
    client.force_login(UserFactory(role=Role.ADMIN))  # unowned data: the whole book

    html = client.get("/reports/portfolio/", **EN).content.decode()

    rows = dict(
        re.findall(
            r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>'
            r'.*?<span class="tag q-\w+">(\w+)</span>',
            html,
            re.S,
        )
    )
    assert rows == {"Lost Big SA": "maintain", "Live SA": "invest"}
