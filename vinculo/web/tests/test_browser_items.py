"""A real Chromium: record a promise on a person and close it, then resolve a complaint from
a Today card, with htmx swapping the forms in place; the screenshots
docs/screenshots/person-items-{es,en}.png are taken here."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from vinculo.commitments.models import Commitment, Complaint, Concern, Initiative
from vinculo.factories import AccountFactory, ColleagueFactory, EmploymentFactory, PersonFactory
from vinculo.growth.models import ValueItem
from vinculo.health.models import Play, PlayKind, PlayStatus
from vinculo.users.models import User

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(
    os.environ.get(
        "VINCULO_DOC_SCREENSHOTS", Path(__file__).resolve().parents[3] / "docs" / "screenshots"
    )
)
PASSWORD = "correct horse battery staple"


def shoot_items(page: Any, name: str) -> None:
    page.locator("#items-promises").evaluate("node => node.scrollIntoView()")
    page.screenshot(path=str(SCREENSHOTS / name))


def test_record_and_close_a_promise_and_resolve_a_complaint_from_today(
    page: Any, live_server: Any, owner: User
) -> None:
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()
    us = ColleagueFactory(name="Ana García", user=owner)
    acme = AccountFactory(name="Acme Ibérica", owner=us)
    marta = PersonFactory(name="Marta Ruiz", owner=us)
    EmploymentFactory(person=marta, account=acme, title="Directora financiera")
    complaint = Complaint.objects.create(
        person=marta, account=acme, opened=today - dt.timedelta(days=3), severity="high",
        summary="La factura de noviembre llegó duplicada",
    )  # fmt: skip
    play = Play.objects.create(
        kind=PlayKind.COMPLAINT_OPEN, person=marta, account=acme, owner=owner, raised_on=today,
        facts={"complaint": complaint.pk, "severity": "high", "age": 3, "answered": False,
               "target": 10, "text": complaint.summary},
    )  # fmt: skip
    Concern.objects.create(person=marta, account=acme, topic="Coste de la energía", opened=today)
    Initiative.objects.create(
        person=marta, account=acme, text="Piloto en la línea 2", proposed_on=today
    )
    ValueItem.objects.create(
        person=marta, account=acme, date=today, kind="saving", evidence="Merma -4 %"
    )

    # Sign in on Marta's page
    url = f"{live_server.url}{marta.get_absolute_url()}"
    page.goto(url)
    page.get_by_label("Usuario").fill(owner.get_username())
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(url)

    # Record a promise: the form opens in the section, focused on its first field
    promises = page.locator("#items-promises")
    promises.get_by_role("link", name="Registrar una promesa").click()
    what = promises.get_by_label("Qué se prometió")
    expect(what).to_be_focused()
    page.keyboard.type("Enviar la tarifa de 2027")
    promises.get_by_label("Vence").fill((today + dt.timedelta(days=7)).isoformat())
    promises.get_by_role("button", name="Guardar").click()
    expect(promises.get_by_text("Promesa registrada.")).to_be_visible()
    expect(promises.get_by_text("Enviar la tarifa de 2027", exact=True)).to_be_visible()
    assert page.url == url  # swapped in place
    promise = Commitment.objects.get()

    # Close it, kept
    promises.get_by_role("link", name="Cerrar").click()
    expect(promises.get_by_role("radio", name="Cumplida", exact=True)).to_be_checked()
    promises.get_by_role("button", name="Guardar").click()
    expect(promises.get_by_text("Promesa cerrada.")).to_be_visible()
    promise.refresh_from_db()
    assert (promise.status, promise.closed_on) == ("kept", today)
    shoot_items(page, "person-items-es.png")

    # Today: Done on the complaint opens its resolve form in the card
    page.goto(f"{live_server.url}/agenda/")
    card = page.locator(f"#play-{play.pk}")
    card.get_by_role("link", name="Hecha").click()
    expect(card.get_by_label("Resuelta el")).to_have_value(today.isoformat())
    page.wait_for_load_state("networkidle")  # the form's swap done before typing into it
    card.get_by_label("Cómo se resolvió").fill("Abono emitido")
    card.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("Reclamación resuelta.")).to_be_visible()
    complaint.refresh_from_db()
    play.refresh_from_db()
    assert (complaint.resolved, complaint.resolution) == (today, "Abono emitido")
    assert play.status == PlayStatus.DONE

    # The same page in English
    page.goto(url)
    page.get_by_role("button", name="English").click()
    page.wait_for_url(url)
    expect(page.locator("#items-promises").get_by_text("Kept")).to_be_visible()
    shoot_items(page, "person-items-en.png")
