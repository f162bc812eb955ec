"""The manager's day in a real Chromium, over a small demo with weekly history (branch
journeys13): sign in with the demo login, find the most urgent person on Today, log a
meeting from the card with the keyboard only (a promise made in it too), see the card and
the person's health change, open the account map, travel to an earlier date, switch
language. The screenshots of docs/screenshots/ (today, person, log form, both languages)
are taken here."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from vinculo.commitments.models import Commitment
from vinculo.demo.generator import DEMO_LOGINS, seed_demo
from vinculo.health.models import HealthSnapshot, Play, PlayStatus
from vinculo.health.services import health_recompute
from vinculo.interactions.models import Interaction
from vinculo.vocab import Channel
from vinculo.web.selectors import FACT_PLAY_KINDS

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(
    os.environ.get(
        "VINCULO_DOC_SCREENSHOTS", Path(__file__).resolve().parents[3] / "docs" / "screenshots"
    )
)
WEEKS = 8
LOGIN = next(login for login in DEMO_LOGINS if login.username == "lucia")


@pytest.fixture
def demo(transactional_db: None) -> None:
    today = timezone.localdate()
    seed_demo(accounts=8, seed=0, as_of=today)
    for week in range(WEEKS, -1, -1):
        health_recompute(as_of=today - dt.timedelta(weeks=week), sync_plays=week == 0)


def health_of(person_id: int) -> int:
    return (
        HealthSnapshot.objects.filter(person_id=person_id, as_of__lte=timezone.localdate())
        .order_by("-as_of")
        .values_list("overall", flat=True)
        .first()
    )


def choose_with_arrows(page: Any, group: Any, name: str) -> None:
    """Move within a radio group with the arrow keys until ``name`` is checked."""
    target = group.get_by_role("radio", name=name, exact=True)
    for _ in range(len(Channel.values)):
        if target.is_checked():
            return
        page.keyboard.press("ArrowLeft")
    assert target.is_checked()


def test_the_managers_day(page: Any, live_server: Any, demo: None) -> None:
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    base = live_server.url

    # Sign in with the demo login: the day starts on Today
    page.goto(f"{base}/login/")
    page.get_by_label("Usuario").fill(LOGIN.username)
    page.get_by_label("Contraseña").fill(LOGIN.password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/agenda/")
    expect(page.get_by_role("heading", name="Agenda", exact=True)).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "today-es.png"))

    # The most urgent person: the first card of Today
    card = page.locator("ol.agenda > li.agenda-item").first
    who = card.locator(".agenda-who a").first
    name = who.inner_text()
    person_id = int(re.search(r"/people/(\d+)/", who.get_attribute("href")).group(1))
    link = card.locator("[data-log-contact]")
    href = link.get_attribute("href")
    play_id = int(m.group(1)) if (m := re.search(r"play=(\d+)", href)) else None
    health_before = health_of(person_id)
    reasons_before = card.locator(".agenda-reason .chip").all_inner_texts()

    # Log a meeting from the card, keyboard only
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Registrar una interacción")).to_be_visible()
    expect(
        page.locator("#people-chosen").get_by_role("checkbox", name=re.compile(name))
    ).to_be_checked()
    expect(page.locator("#colleagues-chosen").get_by_role("checkbox")).to_be_checked()
    summary = page.get_by_label("Resumen")
    expect(summary).to_be_focused()
    page.keyboard.press("Shift+Tab")  # back to the channel chosen for the card
    channels = page.locator("fieldset", has=page.get_by_role("radio", name="Reunión", exact=True))
    choose_with_arrows(page, channels, "Reunión")
    page.keyboard.press("Tab")
    expect(summary).to_be_focused()
    page.keyboard.type("Revisamos el plan del año que viene y sus dudas sobre los plazos.")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Promesa hecha o siguiente paso")).to_be_focused()
    page.keyboard.type("Enviar la oferta revisada")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Prometido para")).to_be_focused()
    # Day and month alike: the field's order of day and month is Chromium's own locale's
    due = dt.date(timezone.localdate().year + 1, 3, 3)
    page.keyboard.type(due.strftime("%d%m%Y"))
    expect(page.get_by_label("Prometido para")).to_have_value(due.isoformat())
    page.screenshot(path=str(SCREENSHOTS / "log-form-es.png"), full_page=True)
    page.keyboard.press("Enter")

    # Back on Today: the card's play is gone, the meeting and the promise are stored
    page.wait_for_url(f"{base}/agenda/")
    expect(page.get_by_text("Interacción registrada.")).to_be_visible()
    interaction = Interaction.objects.get(summary__startswith="Revisamos el plan del año")
    assert interaction.channel == Channel.MEETING
    assert list(interaction.people.values_list("pk", flat=True)) == [person_id]
    promise = Commitment.objects.get(interaction=interaction)
    assert (promise.text, promise.due) == ("Enviar la oferta revisada", due)
    # The card changed: the contact's reasons are gone (a play that the contact answers is
    # marked done; a complaint or a promise stays until resolved or closed)
    after = page.locator(
        "ol.agenda > li.agenda-item", has=page.locator(f'a[href="/people/{person_id}/"]')
    )
    reasons_after = after.locator(".agenda-reason .chip").all_inner_texts() if after.count() else []
    assert reasons_after != reasons_before
    if play_id is not None and Play.objects.get(pk=play_id).kind not in FACT_PLAY_KINDS:
        expect(page.locator(f"#play-{play_id}")).to_have_count(0)
        assert Play.objects.get(pk=play_id).status == PlayStatus.DONE

    # The person's health changed, and the meeting and the promise are on their page
    health_after = health_of(person_id)
    assert health_after != health_before
    page.goto(f"{base}/people/{person_id}/")
    expect(page.locator(".health-card .health-number").first).to_have_text(str(health_after))
    expect(page.locator("#timeline").get_by_text("Revisamos el plan del año")).to_be_visible()
    expect(page.get_by_text("Enviar la oferta revisada").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "person-es.png"))

    # The account map, then an earlier date
    page.locator("main").get_by_role("link", name=interaction.account.name).first.click()
    expect(page.locator("[data-coverage-graph]")).to_be_visible()
    history = dict(
        HealthSnapshot.objects.filter(account=interaction.account).values_list("as_of", "overall")
    )
    earlier = min(history)
    page.locator("#time-travel-date").fill(earlier.isoformat())
    page.get_by_role("button", name="Mostrar").click()
    expect(page.locator("#time-travel [data-travel-health] .health-number")).to_have_text(
        str(history[earlier])
    )
    assert f"as_of={earlier.isoformat()}" in page.url

    # Switch language: the same page in English; then the English pictures
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Health on a past date")).to_be_visible()
    page.goto(f"{base}/agenda/")
    expect(page.get_by_role("heading", name="Agenda", exact=True)).to_be_visible()
    expect(page.locator(".agenda-aside-link a")).to_have_text(
        re.compile(r"^Snoozed \(0\) / Dismissed \(0\)$")
    )
    page.screenshot(path=str(SCREENSHOTS / "today-en.png"))
    page.locator("ol.agenda [data-log-contact]").first.click()
    expect(page.get_by_role("heading", name="Log an interaction")).to_be_visible()
    page.get_by_label("Summary").fill("Walked through next year's plan.")
    page.get_by_label("Promise made or next step").fill("Send the revised offer")
    page.screenshot(path=str(SCREENSHOTS / "log-form-en.png"), full_page=True)
    page.goto(f"{base}/people/{person_id}/")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "person-en.png"))
