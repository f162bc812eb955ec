"""The Content-Security-Policy in a real Chromium: the main pages load, htmx works, and the
browser reports no violation."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from django.urls import reverse

from vinculo.web.tests.test_browser import PASSWORD
from vinculo.web.tests.test_security_escaping import book  # noqa: F401

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

# Runs before any page script: records every violation the browser reports.
COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile);
});
"""


def test_main_pages_raise_no_csp_violation(
    page: Any,
    live_server: Any,
    book: dict[str, Any],  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(COLLECT_VIOLATIONS)
    admin = book["admin"]
    admin.set_password(PASSWORD)
    admin.save()

    page.goto(f"{live_server.url}/login/")
    assert page.evaluate("window.__csp") == []
    page.get_by_label("Usuario").fill(admin.get_username())
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/agenda/")

    person, account = book["person"], book["account"]
    paths = [
        "/agenda/",
        "/",
        person.get_absolute_url(),
        "/accounts/",
        account.get_absolute_url(),
        "/reports/fairness/",
        "/reports/portfolio/",
        "/interactions/new/",
        reverse("admin:index"),
        reverse("admin:people_person_changelist"),
        reverse("admin:people_person_change", args=[person.pk]),
    ]
    violations: dict[str, list[str]] = {}
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert response.headers["content-security-policy"].startswith(
            ("default-src", "script-src", "style-src", "img-src", "font-src", "connect-src",
             "form-action", "frame-ancestors", "base-uri", "object-src")
        )  # fmt: skip
        page.wait_for_load_state("networkidle")
        found = page.evaluate("window.__csp")
        if found:
            violations[path] = found

    # htmx still works under the policy: the people search swaps its results in place
    page.goto(f"{live_server.url}/")
    results = page.locator("#people-results")
    expect(results).to_contain_text('alert("person")')  # the escaped name, shown as text
    page.evaluate("window.__loaded = true")
    page.get_by_role("searchbox").first.fill("zzz-nobody")
    expect(results).not_to_contain_text('alert("person")')
    page.wait_for_url(re.compile(r"q=zzz-nobody"))
    assert page.evaluate("window.__loaded") is True  # swapped in place, no page load
    page.wait_for_load_state("networkidle")
    found = page.evaluate("window.__csp")
    if found:
        violations["/ (search)"] = found

    # the health bars draw their width from classes, not style attributes
    page.goto(f"{live_server.url}{person.get_absolute_url()}")
    widths = page.eval_on_selector_all(".bar-fill", "els => els.map(e => e.offsetWidth)")
    assert widths and any(width > 0 for width in widths)

    assert violations == {}
    assert [text for text in console if "Content Security Policy" in text] == []
