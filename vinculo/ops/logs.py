"""Structured logs: one line per request (request id, user id, method, path, status,
duration), and the request id on every record logged while the request runs.

``LOG_FORMAT=json`` turns every line into a JSON object (python-json-logger)."""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
user_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)

logger = logging.getLogger("vinculo.request")
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``user_id`` to every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        if not hasattr(record, "user_id"):
            record.user_id = user_id_var.get()
        return True


class RequestLogMiddleware:
    """Takes the proxy's ``X-Request-ID`` when it is a plain token (else makes one), sends
    it back, and logs the request when it is answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _GOOD_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        began = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else None
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={
                    "request_id": request_id,
                    "user_id": user_id,
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": round(1000 * (time.perf_counter() - began), 1),
                },
            )
            request_id_var.reset(token)
