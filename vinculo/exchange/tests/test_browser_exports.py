"""In a real Chromium: the export links follow the live search, and the value review
prints without the site's chrome."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from vinculo.factories import AccountFactory, ColleagueFactory, EmploymentFactory, PersonFactory
from vinculo.growth.services import value_item_record
from vinculo.users.models import User
from vinculo.web.tests.test_browser import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_export_links_follow_the_live_search(page: Any, live_server: Any, owner: User) -> None:
    acme = AccountFactory(name="Acme Ibérica", owner=ColleagueFactory(user=owner))
    for name in ("Marta Ruiz", "Luis Ortega"):
        EmploymentFactory(person=PersonFactory(name=name), account=acme)
    sign_in(page, live_server.url, owner)

    page.get_by_label("Buscar por nombre, correo o empresa").fill("marta")
    page.wait_for_url(f"{live_server.url}/?q=marta&sort=name&scope=all")
    link = page.get_by_role("link", name="CSV")

    assert link.get_attribute("href") == "/people/export.csv?q=marta&sort=name&scope=all"
    with page.expect_download() as download:
        link.click()
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    assert [line.split(";")[0] for line in text.splitlines()] == ["Nombre", "Marta Ruiz"]


def test_value_review_prints_without_the_sites_chrome(
    page: Any, live_server: Any, owner: User
) -> None:
    acme = AccountFactory(name="Acme Ibérica", owner=ColleagueFactory(user=owner))
    value_item_record(
        account=acme, date=timezone.localdate() - dt.timedelta(days=3), kind="saving",
        amount=Decimal("1200"), evidence="Nuevo embalaje",
    )  # fmt: skip
    sign_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/accounts/{acme.pk}/value-review/")

    assert page.get_by_role("heading", name="Revisión de valor: Acme Ibérica").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "value-review.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible()
    assert not page.get_by_role("button", name="Imprimir").is_visible()
    assert page.get_by_text("Nuevo embalaje").first.is_visible()
    page.screenshot(path=str(SCREENSHOTS / "value-review-print.png"), full_page=True)
