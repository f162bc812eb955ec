"""Who may see and change what, in one place so that team rules can grow here.

Every page needs a signed-in user (LoginRequiredMiddleware); writes need ``can_write``.
Views call these helpers instead of checking roles themselves.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from vinculo.users.models import Role, User

REPORT_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.ACCOUNT_MANAGER})


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
    """Managers and administrators read the reports, and account managers too (they are
    read only for everyone); viewers do not: the reports compare clients and colleagues."""
    user = request.user
    if not (user.is_superuser or user.role in REPORT_ROLES):
        raise PermissionDenied
    return user


SALES_OPERATIONS_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


def require_sales_operations(request: AuthedHttpRequest) -> User:
    """Imports and the review list of unmatched addresses and duplicates: administrators
    and managers (sales operations) only."""
    user = request.user
    if not (user.is_superuser or user.role in SALES_OPERATIONS_ROLES):
        raise PermissionDenied
    return user
