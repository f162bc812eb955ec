"""Shared fixtures: named actors, as in the permission tests of style.md."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from vinculo.factories import TeamFactory, UserFactory
from vinculo.users.models import Role, User

SHARED = Path(__file__).resolve().parent.parent / "shared"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # The named actors are made with a password; the real hasher costs about a second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english() -> Iterator[None]:
    """The site defaults to Spanish; tests that assert the English source text use this."""
    with translation.override("en"):
        yield


@pytest.fixture
def realdata() -> Path:
    """The real exports in ../shared/realdata; tests using them skip, saying so, if absent."""
    path = SHARED / "realdata"
    if not path.is_dir():
        pytest.skip(
            f"real sample files not found at {path} (../shared is beside the checkout in CI)"
        )
    return path


@pytest.fixture
def owner(db: None) -> User:
    return UserFactory(username="ana", role=Role.ACCOUNT_MANAGER, team=TeamFactory(name="Norte"))


@pytest.fixture
def teammate(db: None) -> User:
    return UserFactory(username="berta", role=Role.ACCOUNT_MANAGER, team=TeamFactory(name="Norte"))


@pytest.fixture
def outsider(db: None) -> User:
    return UserFactory(username="carlos", role=Role.ACCOUNT_MANAGER, team=TeamFactory(name="Sur"))


@pytest.fixture
def viewer(db: None) -> User:
    return UserFactory(username="diana", role=Role.VIEWER, team=TeamFactory(name="Norte"))


# --- a real Chromium through Playwright, for the tests marked ``browser`` ---------------

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium; missing, the test skips, saying so, except under CI where it fails."""
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must run the browser tests.")
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (fixtures, assertions) would otherwise be refused as "async unsafe".
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh tab in Spanish on a laptop-sized screen."""
    context = browser.new_context(locale="es-ES", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()
