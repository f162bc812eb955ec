"""Shared fixtures: named actors, as in the permission tests of style.md."""

from __future__ import annotations

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
