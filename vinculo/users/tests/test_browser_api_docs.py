"""The API documentation page in a real Chromium: it renders from our own static files
under the site's Content-Security-Policy, with no request leaving the origin."""

from __future__ import annotations

from typing import Any

import pytest

from vinculo.users.models import User
from vinculo.web.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_render_offline_under_the_csp(page: Any, live_server: Any, owner: User) -> None:
    from playwright.sync_api import expect

    outside: list[str] = []
    violations: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(live_server.url) and not request.url.startswith("data:")
            else None
        ),
    )
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "Refused" in message.text
            else None
        ),
    )
    sign_in(page, live_server.url, owner)

    page.goto(f"{live_server.url}/api/docs")

    # Swagger UI drew the operations from /api/v1/openapi.json
    # A 1.5 MB bundle and a large schema: on a busy machine this takes more than 5 s.
    expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("/api/v1/people/{person_id}").first).to_be_visible()
    assert outside == []
    assert violations == []
