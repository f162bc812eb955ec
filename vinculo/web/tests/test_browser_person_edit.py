"""A real Chromium on the person page's write side (vinculo.web.person_edit): edit the
profile with a personal fact and its legal basis, record a job change, change the plan's
cadence, each in place with the keyboard; the screenshots person-edit-es.png and
person-edit-en.png in docs/screenshots/ are taken here."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from vinculo.factories import (
    AccountFactory,
    ColleagueFactory,
    EmploymentFactory,
    PersonFactory,
)
from vinculo.people.models import ContactPlan, Employment, Person
from vinculo.people.services import contact_plan_set
from vinculo.users.models import User
from vinculo.vocab import Function
from vinculo.web.tests.test_browser import sign_in
from vinculo.web.tests.test_detail_pages import meet

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(
    os.environ.get(
        "VINCULO_DOC_SCREENSHOTS", Path(__file__).resolve().parents[3] / "docs" / "screenshots"
    )
)


def test_edit_profile_job_change_and_cadence_in_place(
    page: Any, live_server: Any, owner: User
) -> None:
    from playwright.sync_api import expect

    us = ColleagueFactory(name="Ana García", user=owner)
    acme = AccountFactory(name="Acme Ibérica", owner=us, tier="a")
    globex = AccountFactory(name="Globex Levante", owner=us, tier="b")
    marta = PersonFactory(name="Marta Ruiz", owner=us, phones="600 000 000")
    marta.emails.create(email="marta@acme.example")
    EmploymentFactory(
        person=marta,
        account=acme,
        title="Directora financiera",
        function=Function.FINANCE,
        start=dt.date(2019, 1, 1),
    )
    meet(marta, us, days_ago=5)
    contact_plan_set(person=marta, every_days=30)
    sign_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}{marta.get_absolute_url()}")

    # The profile: a personal fact without its legal basis' source is refused, in place,
    # the field focused; with it, saved.
    page.get_by_role("link", name="Editar perfil").click()
    name = page.get_by_label("Nombre", exact=True)
    expect(name).to_be_focused()
    page.wait_for_load_state("networkidle")  # the form's swap done before typing into it
    page.get_by_label("Teléfonos").fill("611 222 333")
    page.get_by_label("Familia").fill("Dos hijas; le encanta el senderismo")
    page.get_by_role("button", name="Guardar").click()
    source = page.get_by_label("Origen de la base legal")
    expect(page.locator("#id_legal_basis_source_error")).to_contain_text(
        "Los datos personales necesitan el origen de su base legal"
    )
    expect(source).to_be_focused()
    expect(page.get_by_label("Teléfonos")).to_have_value("611 222 333")  # nothing lost
    page.get_by_label("Base legal de los datos personales").select_option("consent")
    source.fill("Formulario de consentimiento firmado el 3/2026")
    source.press("Enter")
    profile = page.locator("#profile-card")
    expect(profile.get_by_text("Guardado.")).to_be_visible()
    expect(profile.get_by_text("611 222 333")).to_be_visible()
    expect(profile.get_by_text("Dos hijas; le encanta el senderismo")).to_be_visible()

    # A job change: Marta leaves Acme and joins Globex.
    page.get_by_role("link", name="Registrar un cambio de trabajo").click()
    expect(page.get_by_label("Fecha del cambio")).to_be_focused()
    page.get_by_label("Fecha del cambio").fill("2026-03-01")
    page.get_by_label("Nueva empresa").select_option(label="Globex Levante")
    page.get_by_label("Cargo").fill("Directora general")
    page.get_by_label("Función").select_option("management")
    page.get_by_label("Cargo").press("Enter")
    jobs = page.locator("#jobs-card")
    expect(jobs.get_by_text("Cambio de trabajo registrado.")).to_be_visible()
    expect(jobs.locator(".job-current")).to_contain_text("Globex Levante")
    expect(jobs.locator(".job-past")).to_contain_text("Acme Ibérica")

    # The cadence, in place: the next due recomputed from the last contact.
    page.get_by_role("link", name="Cambiar la cadencia").click()
    every = page.get_by_label("Cada (días)")
    expect(every).to_be_focused()
    every.fill("14")
    every.press("Enter")
    plan = page.locator("#plan-card")
    expect(plan.get_by_text("Plan de contacto guardado.")).to_be_visible()
    due = timezone.localdate() - dt.timedelta(days=5) + dt.timedelta(days=14)
    expect(plan.locator("#plan-next-due")).to_have_text(due.strftime("%d/%m/%Y"))
    # The page was never reloaded: every save swapped its own section.
    assert page.url == f"{live_server.url}{marta.get_absolute_url()}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("link", name="Editar perfil").click()
    expect(page.get_by_label("Nombre", exact=True)).to_be_focused()
    page.screenshot(path=str(SCREENSHOTS / "person-edit-es.png"), full_page=True)

    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="Edit profile").click()
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    page.screenshot(path=str(SCREENSHOTS / "person-edit-en.png"), full_page=True)

    marta = Person.objects.get(pk=marta.pk)
    assert (marta.phones, marta.family, marta.legal_basis, marta.legal_basis_source) == (
        "611 222 333",
        "Dos hijas; le encanta el senderismo",
        "consent",
        "Formulario de consentimiento firmado el 3/2026",
    )
    assert list(
        Employment.objects.filter(person=marta)
        .order_by("start")
        .values_list("account__name", "end", "title")
    ) == [
        ("Acme Ibérica", dt.date(2026, 2, 28), "Directora financiera"),
        ("Globex Levante", None, "Directora general"),
    ]
    assert globex.employments.get().function == Function.MANAGEMENT
    assert ContactPlan.objects.get(person=marta).every_days == 14
