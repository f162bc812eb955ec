"""The REST API (django-ninja): one router per app, mounted here.

Every endpoint needs a signed-in session (with CSRF on writes) or a bearer token made with
``vinculo api_token create USERNAME``. The documentation at /api/docs is for signed-in users.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI

from vinculo.commitments.api import router as commitments_router
from vinculo.health.api import router as health_router
from vinculo.interactions.api import router as interactions_router
from vinculo.people.api import router as people_router
from vinculo.users.api import bearer_auth, session_auth

_DOCS_URL_NAMES = frozenset({"openapi-json", "openapi-view", "api-root"})


class VinculoAPI(NinjaAPI):
    def _get_urls(self) -> list[URLPattern | URLResolver]:
        urls = super()._get_urls()
        for url in urls:
            if isinstance(url, URLPattern) and url.name not in _DOCS_URL_NAMES:
                # The site-wide LoginRequiredMiddleware would answer a redirect to the login
                # page; the endpoints check auth themselves and answer 401, as scripts expect.
                url.callback.login_required = False  # type: ignore[attr-defined]
        return urls


api = VinculoAPI(
    title="Vínculo API",
    version="1",
    urls_namespace="api",
    auth=[bearer_auth, session_auth],
)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """A service refused the data: 422 with one message per field, as ninja's own errors."""
    if hasattr(error, "error_dict"):
        detail = [
            {"loc": ["body", field] if field != "__all__" else ["body"], "msg": message,
             "type": "invalid"}
            for field, messages in error.message_dict.items()
            for message in messages
        ]  # fmt: skip
    else:
        detail = [
            {"loc": ["body"], "msg": message, "type": "invalid"} for message in error.messages
        ]
    return api.create_response(request, {"detail": detail}, status=422)


api.add_router("", people_router)
api.add_router("/interactions", interactions_router)
api.add_router("/commitments", commitments_router)
api.add_router("", health_router)
