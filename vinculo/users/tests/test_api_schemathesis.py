"""Every operation of /api/openapi.json, driven by schemathesis through WSGI against a
populated database with a token: no 5xx, every answer as the schema says.

Valid (positive) and invalid (negative) requests for each operation; a bounded number of
examples each, derandomized so that a run is reproducible.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as oas

from vinculo.factories import UserFactory
from vinculo.users.models import Role
from vinculo.users.services import api_token_create
from vinculo.users.tests.api_data import populate

pytestmark = pytest.mark.django_db

EXAMPLES = 12
EXPECTED_OPERATIONS = 71
# Every check that judges the API against its own schema. Left out: the checks that judge
# business answers against schemathesis' guesses (positive_data_acceptance expects 2xx for
# any well-formed body, but "this promise is already closed" is a 422 by design), and the
# stateful ones (use_after_free, ensure_resource_availability), which need links.
CHECKS = [
    schemathesis.checks.not_a_server_error,
    oas.status_code_conformance,
    oas.content_type_conformance,
    oas.response_headers_conformance,
    oas.response_schema_conformance,
    oas.negative_data_rejection,
    oas.missing_required_header,
    oas.unsupported_method,
    oas.ignored_auth,
]


@pytest.fixture
def keep_the_test_connection() -> Iterator[None]:
    """A real WSGI handler closes the database connection after each request (Django's test
    client turns that off too); the test's transaction must survive every request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("keep_the_test_connection")
def test_every_operation_keeps_to_its_schema(settings: Any) -> None:
    settings.VINCULO_API_RATE = 1_000_000
    # Thousands of 4xx answers on purpose: not worth a log line each.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    user = UserFactory(username="api-fuzz", role=Role.ADMIN)
    populate(user)
    token = api_token_create(user=user, name="schemathesis")[1]
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", get_wsgi_application(), headers=headers
    )
    started = time.monotonic()
    operations, requests, failures = 0, 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                nonlocal requests
                requests += 1
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except (Exception, BaseExceptionGroup) as error:
                failures.append(
                    f"{operation.method.upper()} {operation.path} [{mode}]: {error}"[:1500]
                )
    elapsed = time.monotonic() - started
    print(f"schemathesis: {operations} operations, {requests} requests, "
          f"{len(failures)} failing, {elapsed:.0f} s")  # fmt: skip
    assert operations == EXPECTED_OPERATIONS
    assert failures == []
