"""Who is acting, and through which face, for the audit trail (``vinculo.audit.signals``).

A context variable, so that every save below a request, a command or an import is
attributed without passing the actor down: the middleware sets web, admin or api from the
path (the user is read lazily from ``request.user`` at write time, so the API's token
authentication, which runs inside the view, is seen); the ``vinculo`` command sets cli; the
importers set import; background work sets task.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse

from vinculo.audit.faces import Face


@dataclass(frozen=True)
class Acting:
    face: str
    user: Callable[[], Any]

    def actor(self) -> Any:
        """The signed-in user, or None (anonymous, a script without a user)."""
        user = self.user()
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return user


_NOBODY = Acting(Face.SYSTEM, lambda: None)
_current: ContextVar[Acting] = ContextVar("vinculo_audit_acting", default=_NOBODY)


def current() -> Acting:
    return _current.get()


@contextmanager
def acting(face: str, user: Any = None) -> Iterator[Acting]:
    """Attribute the writes inside to ``user`` (a User, None, or a callable giving one)
    through ``face``. Nested blocks win; leaving restores the outer one."""
    resolve = user if callable(user) else (lambda: user)
    state = Acting(face, resolve)
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


def acting_keep_user(face: str, user: Any = None) -> Any:
    """``acting`` with ``face``, keeping the outer user when none is given (an import
    started from a page is the page's user's import)."""
    if user is None:
        return acting(face, current().user)
    return acting(face, user)


def face_for_path(path: str) -> str:
    if path.startswith("/admin/"):
        return Face.ADMIN
    if path.startswith("/api/"):
        return Face.API
    return Face.WEB


class AuditMiddleware:
    """Marks every request's writes with its face (web, admin, api) and its user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting(face_for_path(request.path_info), lambda: getattr(request, "user", None)):
            return self.get_response(request)
