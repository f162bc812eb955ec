"""The pages' side of the access rules: each helper asks ``vinculo.access.rules`` (the one
place the rules live) and answers 403 when it says no.

Every page needs a signed-in user (LoginRequiredMiddleware); writes need ``can_write``.
Views call these helpers (and ``rules.person_for`` / ``rules.account_for``) instead of
checking roles themselves.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from vinculo.access import rules
from vinculo.users.models import User


class AuthedHttpRequest(HttpRequest):
    """A request behind the login and htmx middlewares: ``user`` is always a real user."""

    user: User
    htmx: HtmxDetails


def require_writer(request: AuthedHttpRequest) -> User:
    """The signed-in user, if they may change data; otherwise 403."""
    user = request.user
    if not user.can_write:
        raise PermissionDenied
    return user


def require_reader_of_reports(request: AuthedHttpRequest) -> User:
    """Managers and administrators read the reports, and account managers too, each over
    their own scope; viewers do not: the reports compare clients and colleagues."""
    user = request.user
    if not rules.can_read_reports(user):
        raise PermissionDenied
    return user


def require_sales_operations(request: AuthedHttpRequest) -> User:
    """Imports and the review list of unmatched addresses and duplicates: administrators
    and managers (sales operations) only."""
    user = request.user
    if not rules.can_import(user):
        raise PermissionDenied
    return user
