"""A real Chromium over a small demo with weekly history: open an account's map, travel
to an earlier date and see another health value, switch language; the screenshots in
docs/screenshots/ are taken here (1280 wide, and 390 for the phone)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone

from vinculo.demo.generator import seed_demo
from vinculo.health.models import HealthSnapshot
from vinculo.health.services import health_recompute
from vinculo.interactions.models import InteractionColleague
from vinculo.users.models import Role, User

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(
    os.environ.get(
        "VINCULO_DOC_SCREENSHOTS", Path(__file__).resolve().parents[3] / "docs" / "screenshots"
    )
)
PASSWORD = "correct horse battery staple"
WEEKS = 12


def shoot_map(page: Any, name: str) -> None:
    """The screen with the coverage map at its top (the page is long: the whole of it
    would be a strip too thin to read)."""
    page.locator("#coverage-title").evaluate("node => node.scrollIntoView()")
    page.screenshot(path=str(SCREENSHOTS / name))


def sign_in(page: Any, base_url: str, user: User) -> None:
    page.goto(f"{base_url}/")
    page.get_by_label("Usuario").fill(user.get_username())
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/")


@pytest.fixture
def demo(transactional_db: None) -> dict[str, Any]:
    today = timezone.localdate()
    seed_demo(accounts=8, seed=0, as_of=today)
    for week in range(WEEKS, -1, -1):
        health_recompute(as_of=today - dt.timedelta(weeks=week), sync_plays=week == 0)
    busiest = (
        InteractionColleague.objects.values("interaction__account_id")
        .annotate(n=Count("colleague_id", distinct=True))
        .order_by("-n")
        .first()
    )
    account_id = busiest["interaction__account_id"]
    history = dict(
        HealthSnapshot.objects.filter(account_id=account_id).values_list("as_of", "overall")
    )
    now = history[today]
    earlier = next(day for day in sorted(history) if history[day] != now)
    # The administrator reads every account (a manager only their team's: the access rules).
    manager = User.objects.filter(role=Role.ADMIN).first()
    manager.set_password(PASSWORD)
    manager.save()
    return {
        "account": account_id,
        "now": now,
        "earlier": earlier,
        "then": history[earlier],
        "user": manager,
    }


def test_account_map_time_travel_and_language(page: Any, live_server: Any, demo: dict) -> None:
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server.url, demo["user"])
    url = f"{live_server.url}/accounts/{demo['account']}/"

    page.goto(url)
    expect(page.locator("[data-coverage-graph]")).to_be_visible()
    expect(page.locator(".health-card .health-number")).to_have_text(str(demo["now"]))
    shoot_map(page, "account-map-es.png")

    # Travel back: the picker's date, then the health of that day
    page.locator("#time-travel-date").fill(demo["earlier"].isoformat())
    page.get_by_role("button", name="Mostrar").click()
    travelled = page.locator("#time-travel [data-travel-health] .health-number")
    expect(travelled).to_have_text(str(demo["then"]))
    assert demo["then"] != demo["now"]
    assert f"as_of={demo['earlier'].isoformat()}" in page.url

    # Switch language: the same page in English, still on that date
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Health on a past date")).to_be_visible()
    expect(travelled).to_have_text(str(demo["then"]))
    page.goto(url)
    shoot_map(page, "account-map-en.png")

    page.goto(f"{live_server.url}/reports/portfolio/")
    expect(page.get_by_role("heading", name="Portfolio: effort against value")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "portfolio-en.png"), full_page=True)
    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", name="Cartera: esfuerzo frente a valor")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "portfolio-es.png"), full_page=True)

    # The phone: the map's labels stay at 11 px or more, and the page does not overflow
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    sizes = page.eval_on_selector_all(
        "[data-coverage-graph] text",
        "nodes => nodes.map(n => n.getBoundingClientRect().height)",
    )
    smallest_font = page.eval_on_selector_all(
        "[data-coverage-graph] text",
        """nodes => Math.min(...nodes.map(n => {
            const svg = n.ownerSVGElement;
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return parseFloat(getComputedStyle(n).fontSize) * scale;
        }))""",
    )
    assert sizes and smallest_font >= 11
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shoot_map(page, "account-map-phone.png")
