"""A real Chromium through Playwright: sales operations upload a calendar, read the preview,
confirm, and follow the import to its report. Screenshots go to /tmp/ for review."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from vinculo.capture.models import ImportRun, ImportStatus
from vinculo.factories import AccountFactory, ColleagueFactory, UserFactory
from vinculo.interactions.models import Interaction
from vinculo.people.models import AccountDomain
from vinculo.users.models import Role, User
from vinculo.web.tests.test_browser import PASSWORD, SCREENSHOTS

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def manager(transactional_db: None) -> User:
    user = UserFactory(username="elena", role=Role.MANAGER)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_upload_preview_and_confirm_a_calendar(
    page: Any, live_server: Any, manager: User, settings: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    settings.VAR_DIR = tmp_path
    ColleagueFactory(name="Ana Owner", email="ana@vinculo.example")
    acme = AccountFactory(name="Acme Ibérica")
    AccountDomain.objects.create(account=acme, domain="acme.example")

    # I sign in and open the imports from the main menu
    page.goto(f"{live_server.url}/")
    page.get_by_label("Usuario").fill(manager.get_username())
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("navigation", name="Principal").get_by_role(
        "link", name="Importaciones"
    ).click()
    expect(page.get_by_role("heading", name="Importaciones", exact=True)).to_be_visible()

    # I choose the calendar file; the format is detected
    page.get_by_label("Archivo", exact=True).set_input_files(str(FIXTURES / "outlook_meetings.ics"))
    page.get_by_role("button", name="Vista previa").click()

    # The preview says what would happen, and nothing has happened yet
    expect(
        page.get_by_role("heading", name="Vista previa: lo que haría la importación")
    ).to_be_visible()
    summary = page.locator(".import-summary")
    expect(summary).to_contain_text("3 elementos leídos")
    expect(summary).to_contain_text("interacciones: altas 2, cambios 0")
    expect(summary).to_contain_text("omitidos (cancelados): 1")
    page.screenshot(path=str(SCREENSHOTS / "vinculo_import_preview.png"), full_page=True)
    assert Interaction.objects.count() == 0

    # I confirm; the run goes on until its report is shown
    page.get_by_role("button", name="Confirmar e importar").click()
    # The confirmation queues the import for a worker (vinculo.ops); be that worker once.
    queued = _wait_for_queued_import()
    work_queued_import(queued)
    expect(page.get_by_role("heading", name="Informe")).to_be_visible(timeout=30_000)
    expect(page.locator("#run-status")).to_have_text("Hecha")
    page.screenshot(path=str(SCREENSHOTS / "vinculo_import_report.png"), full_page=True)
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.DONE
    assert sorted(Interaction.objects.values_list("started_at", flat=True)) == [
        datetime(2026, 3, 10, 8, 30, tzinfo=UTC),
        datetime(2026, 6, 16, 7, 30, tzinfo=UTC),
    ]

    # The import is listed with the others
    page.get_by_role("link", name="Todas las importaciones").click()
    expect(page.get_by_role("link", name="outlook_meetings.ics")).to_be_visible()


def _wait_for_queued_import() -> Any:
    from django_tasks_db.models import DBTaskResult

    for _ in range(100):
        found = DBTaskResult.objects.filter(task_path="vinculo.ops.tasks.import_apply").first()
        if found is not None:
            return found
        time.sleep(0.1)
    raise AssertionError("the confirmation queued no import")


def work_queued_import(queued: Any) -> None:
    """What ``vinculo worker`` does with the row: run the task with its arguments."""
    from vinculo.ops.tasks import import_apply

    import_apply.call(**queued.args_kwargs["kwargs"])
