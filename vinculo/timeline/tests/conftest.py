from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # The named actors are made with a password; the real hasher costs about a second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english() -> Iterator[None]:
    """The site defaults to Spanish; tests that assert the English source text use this."""
    with translation.override("en"):
        yield
