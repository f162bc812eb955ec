"""The REST API (django-ninja), version 1: one router per app, mounted under /api/v1/.

Every endpoint needs a signed-in session (with CSRF on writes) or a personal API token
(made on the "API tokens" page, or with ``vinculo api_token create USERNAME``). The
OpenAPI 3 document is at /api/openapi.json (session or token), the browsable
documentation at /api/docs (signed-in users; served from our own static files). The
unversioned /api/<rest> answers a permanent redirect (308) to /api/v1/<rest>.

Errors are RFC 9457 problems (``application/problem+json``) with a translated ``detail``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger
from ninja.openapi.views import openapi_json, openapi_view

from vinculo.apikit import (
    PROBLEM_TYPE,
    CallerRateThrottle,
    Problem,
    field_errors,
    ninja_errors,
    problem,
)
from vinculo.commitments.api import router as commitments_router
from vinculo.concurrency import StaleVersion
from vinculo.growth.api import router as growth_router
from vinculo.health.api import router as health_router
from vinculo.interactions.api import router as interactions_router
from vinculo.people.api import router as people_router
from vinculo.users.api import bearer_auth, session_auth
from vinculo.users.services import api_token_user

logger = logging.getLogger(__name__)

_DOCS_URL_NAMES = frozenset({"openapi-json", "openapi-view"})

# Answers every operation may give, besides its own.
_COMMON_ERRORS = (400, 401, 403, 422, 429, 500)


def _not_login_required(view: Callable[..., Any]) -> None:
    # The site-wide LoginRequiredMiddleware would answer a redirect to the login page; the
    # endpoints check auth themselves and answer 401, as scripts expect.
    view.login_required = False  # type: ignore[attr-defined]


def docs_access(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The schema for a signed-in user or a valid bearer token (401 otherwise); the docs
    page for signed-in users (the sign-in page otherwise)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        is_schema = request.path.endswith(".json")
        header = request.headers.get("Authorization", "")
        if is_schema and header.lower().startswith("bearer "):
            user = api_token_user(token=header[7:].strip())
            if user is not None:
                request.user = user
                return view(request, *args, **kwargs)
        if is_schema:
            return problem(401)
        return redirect_to_login(request.get_full_path())

    _not_login_required(wrapped)
    return wrapped


def _problem_on_405(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/html"):
            return problem(405, headers={"Allow": response.get("Allow", "")})
        return response

    return wrapped


class VinculoAPI(NinjaAPI):
    def _get_urls(self) -> list[URLPattern | URLResolver]:
        urls = super()._get_urls()
        for url in urls:
            if isinstance(url, URLPattern) and url.name not in _DOCS_URL_NAMES:
                callback = _problem_on_405(url.callback)
                _not_login_required(callback)
                url.callback = callback
        return urls

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Ninja's schema, with every error documented as a problem+json document."""
        schema = super().get_openapi_schema(**kwargs)
        problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(problem_schema.pop("$defs", {}))
        components["Problem"] = problem_schema
        ref = {"$ref": "#/components/schemas/Problem"}
        titles = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                  409: "Conflict", 412: "Precondition Failed", 422: "Unprocessable Content",
                  428: "Precondition Required", 429: "Too Many Requests",
                  500: "Internal Server Error"}  # fmt: skip
        for route, operations in schema["paths"].items():
            for method, operation in operations.items():
                codes = set(_COMMON_ERRORS)
                if "{" in route:
                    codes.add(404)
                if method == "post":
                    codes.add(409)
                if method in ("patch", "delete"):
                    # If-Match is required (428 without it, apikit.if_match_version).
                    codes.update((412, 428))
                    for parameter in operation.get("parameters", []):
                        if parameter.get("in") == "header" and parameter["name"] == "If-Match":
                            parameter["required"] = True
                responses = operation.setdefault("responses", {})
                for code in sorted(codes):
                    responses[str(code)] = {
                        "description": titles[code],
                        "content": {PROBLEM_TYPE: {"schema": ref}},
                    }
        return schema


api = VinculoAPI(
    title="Vínculo API",
    version="1",
    description=__doc__,
    urls_namespace="api",
    auth=[bearer_auth, session_auth],
    throttle=[CallerRateThrottle()],
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_decorator=docs_access,
)


@api.exception_handler(NinjaValidationError)
def _invalid_request(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    return problem(422, errors=ninja_errors(error.errors))


@api.exception_handler(StaleVersion)
def _stale(request: HttpRequest, error: StaleVersion) -> HttpResponse:
    return problem(412, error.messages[0], headers={"ETag": f'"v{error.current}"'})


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, error: DjangoValidationError) -> HttpResponse:
    """A service refused the data: 422 with one message per field."""
    return problem(422, errors=field_errors(error))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return problem(404)


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return problem(403)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if isinstance(error, AuthenticationError | Throttled):
        return problem(error.status_code)
    return problem(error.status_code, str(error))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, error: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=error)
    return problem(500)


api.add_router("", people_router)
api.add_router("", interactions_router)
api.add_router("", commitments_router)
api.add_router("", growth_router)
api.add_router("", health_router)


@csrf_exempt
def legacy_redirect(request: HttpRequest, rest: str) -> HttpResponse:
    """/api/<rest> moved to /api/v1/<rest> (CHANGELOG): a 308 keeps the method and body."""
    if rest == "v1" or rest.startswith("v1/"):
        return problem(404)
    target = f"/api/v1/{rest}"
    query = request.META.get("QUERY_STRING", "")
    response = HttpResponse(status=308)
    response["Location"] = f"{target}?{query}" if query else target
    return response


_not_login_required(legacy_redirect)

urlpatterns = [
    path("v1/", api.urls),
    path("openapi.json", docs_access(partial(openapi_json, api=api)), name="api-openapi"),
    path("docs", docs_access(partial(openapi_view, api=api)), name="api-docs"),
    re_path(r"^(?P<rest>.*)$", legacy_redirect, name="api-legacy"),
]
