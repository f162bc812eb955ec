"""A real Chromium through Playwright: sign in, find a person, log a meeting with the
keyboard, see it on the timeline, switch language. Screenshots go to /tmp/ for review."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from vinculo.factories import (
    AccountFactory,
    ColleagueFactory,
    EmploymentFactory,
    InteractionFactory,
    PersonFactory,
)
from vinculo.health.models import Play, PlayKind
from vinculo.interactions.models import Interaction
from vinculo.users.models import User
from vinculo.vocab import Function

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("VINCULO_SCREENSHOTS", "/tmp"))
PASSWORD = "correct horse battery staple"


def sign_in(page: Any, base_url: str, user: User) -> None:
    page.goto(f"{base_url}/")
    assert "/login/" in page.url
    page.get_by_label("Usuario").fill(user.get_username())
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/")


def test_find_a_person_and_log_a_meeting_with_the_keyboard(
    page: Any, live_server: Any, owner: User
) -> None:
    from playwright.sync_api import expect

    # Given a small client book, and our colleague linked to the signed-in user
    us = ColleagueFactory(name="Ana García", user=owner)
    acme = AccountFactory(name="Acme Ibérica", owner=us, tier="a")
    marta = PersonFactory(name="Marta Ruiz", owner=us, notes="Prefiere reuniones a primera hora.")
    marta.emails.create(email="marta@acme.example")
    EmploymentFactory(
        person=marta, account=acme, title="Directora financiera", function=Function.FINANCE
    )
    luis = PersonFactory(name="Luis Ortega")
    EmploymentFactory(
        person=luis, account=acme, title="Jefe de planta", function=Function.PRODUCTION
    )
    for name, company in [("Carmen Vidal", "Globex"), ("Jorge Sanz", "Initech")]:
        # Accounts of ours: an account manager reads the people of the accounts they own.
        account = AccountFactory(name=company, owner=us)
        EmploymentFactory(person=PersonFactory(name=name), account=account)

    # When I sign in, I see the people list
    sign_in(page, live_server.url, owner)
    expect(page.get_by_role("heading", name="Personas")).to_be_visible()
    expect(page.get_by_role("link", name="Jorge Sanz")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "vinculo_people_list.png"), full_page=True)

    # and the live search narrows it down without a page load
    page.get_by_label("Buscar por nombre, correo o empresa").fill("acme")
    expect(page.get_by_role("link", name="Jorge Sanz")).to_have_count(0)
    expect(page.get_by_role("link", name="Marta Ruiz")).to_be_visible()
    assert "q=acme" in page.url

    # I open Marta's page and start logging with the keyboard
    page.get_by_role("link", name="Marta Ruiz").click()
    expect(page.get_by_role("heading", name="Marta Ruiz")).to_be_visible()
    page.locator("main").get_by_role("link", name="Registrar interacción").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Registrar una interacción")).to_be_visible()
    expect(page.get_by_role("checkbox", name=re.compile("Marta Ruiz"))).to_be_checked()

    # add Luis through the search: type, Tab to the match, Space ticks it
    page.get_by_label("Busca una persona por nombre, correo o empresa").focus()
    page.keyboard.type("Luis")
    expect(page.get_by_role("checkbox", name=re.compile("Luis Ortega"))).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.locator("[data-picker-selected]").get_by_text("Luis Ortega")).to_be_visible()

    # a call instead of a meeting: arrow keys move within the channel radio group
    page.get_by_role("radio", name="Reunión", exact=True).focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="Llamada", exact=True)).to_be_checked()

    page.get_by_label("Resumen").focus()
    page.keyboard.type("Revisamos el presupuesto del próximo año.")
    page.screenshot(path=str(SCREENSHOTS / "vinculo_log_form.png"), full_page=True)
    page.get_by_role("button", name="Guardar interacción").focus()
    page.keyboard.press("Enter")

    # Then I am back on Marta's page with the call on her timeline
    page.wait_for_url(f"{live_server.url}{marta.get_absolute_url()}")
    expect(page.get_by_text("Interacción registrada.")).to_be_visible()
    timeline = page.locator("#timeline")
    expect(timeline.get_by_text("Revisamos el presupuesto del próximo año.")).to_be_visible()
    expect(timeline.get_by_text("Llamada")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "vinculo_person_page.png"), full_page=True)

    interaction = Interaction.objects.get()
    assert set(interaction.people.all()) == {marta, luis}
    assert list(interaction.colleagues.all()) == [us]
    assert interaction.account == acme

    # And switching to English shows English labels
    page.get_by_role("button", name="English").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="People")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.locator("#timeline").get_by_text("Call", exact=True)).to_be_visible()


def test_account_page_in_the_browser(page: Any, live_server: Any, owner: User) -> None:
    from playwright.sync_api import expect

    us = ColleagueFactory(name="Ana García", user=owner)
    acme = AccountFactory(name="Acme Ibérica", owner=us, tier="a")
    EmploymentFactory(
        person=PersonFactory(name="Marta Ruiz"), account=acme, function=Function.FINANCE
    )

    sign_in(page, live_server.url, owner)
    page.get_by_role("link", name="Cuentas").click()
    page.get_by_role("link", name="Acme Ibérica").click()

    expect(page.get_by_role("heading", name="Acme Ibérica")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Finanzas"))).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "vinculo_account_page.png"), full_page=True)


def test_agenda_dismiss_with_the_keyboard_and_coverage_picture(
    page: Any, live_server: Any, owner: User
) -> None:
    from playwright.sync_api import expect

    # Given a play for me about Marta, and our talks with her in the last months
    us = ColleagueFactory(name="Ana García", user=owner)
    acme = AccountFactory(name="Acme Ibérica", owner=us, tier="a")
    marta = PersonFactory(name="Marta Ruiz", owner=us)
    EmploymentFactory(person=marta, account=acme, function=Function.FINANCE)
    for days_ago in (5, 40):
        interaction = InteractionFactory(
            account=acme, started_at=timezone.now() - dt.timedelta(days=days_ago)
        )
        interaction.people.add(marta)
        interaction.colleagues.add(us)
    play = Play.objects.create(
        kind=PlayKind.MEETINGS_SHRINKING,
        person=marta,
        facts={"now": 30, "before": 60},
        owner=owner,
        due=timezone.localdate(),
        raised_on=timezone.localdate(),
    )

    # When I sign in from the login page, the day starts with the agenda
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Usuario").fill(owner.get_username())
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/agenda/")
    expect(page.get_by_role("heading", name="Agenda", exact=True)).to_be_visible()
    item = page.locator(f"#play-{play.pk}")
    expect(item.get_by_text("Las reuniones son cada vez más cortas")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "vinculo_agenda.png"), full_page=True)

    # I open "Descartar" with the keyboard: its form comes, with the cursor in it; I write
    # why, and send it with Enter on the button
    item.get_by_text("Descartar", exact=True).first.focus()
    page.keyboard.press("Enter")
    reason = item.get_by_label("¿Por qué no aplica?")
    expect(reason).to_be_visible()
    expect(reason).to_be_focused()
    page.keyboard.type("Está de baja hasta marzo")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    # Then the item says so, without a page load, and the play is dismissed with the reason
    expect(page.locator(f"#play-{play.pk}").get_by_role("status")).to_have_text("Descartada.")
    assert page.url == f"{live_server.url}/agenda/"
    play.refresh_from_db()
    assert (play.status, play.dismissed_reason) == ("dismissed", "Está de baja hasta marzo")

    # And the account page draws who talks to whom
    page.goto(f"{live_server.url}{acme.get_absolute_url()}")
    graph = page.locator("svg[data-coverage-graph]")
    expect(graph).to_be_visible()
    expect(graph.get_by_text("Ana García", exact=True)).to_be_visible()
    expect(graph.get_by_text("Marta Ruiz", exact=True)).to_be_visible()
    assert graph.locator("line.graph-edge").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "vinculo_account_health.png"), full_page=True)
