"""Access helpers shared by the API routers: who is calling (a session with CSRF, or a
bearer token for scripts), whether they may write, and ids that must exist."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from vinculo.people.models import Account, Person
from vinculo.users.models import User
from vinculo.users.services import api_token_user


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_user(token=token)
        if user is not None:
            # The services and the logs read request.user; a token stands for its user.
            request.user = user
        return user


class SessionCsrfAuth(SessionAuth):
    """Django's session, with the CSRF check on unsafe methods.

    Ninja's ``django_auth`` checks CSRF before it knows whether anyone is signed in, so an
    anonymous POST would get 403 (CSRF) instead of 401. With no session there is nothing to
    forge, so the check runs only for a signed-in user.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


bearer_auth = BearerTokenAuth()
session_auth = SessionCsrfAuth()


def api_user(request: HttpRequest) -> User:
    """The user the request was authenticated as (ninja sets ``request.auth``)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise HttpError(401, _("Sign in or send an API token."))
    return user


def require_writer(request: HttpRequest) -> User:
    """The caller, if their role may change data; 403 otherwise, before anything is written."""
    user = api_user(request)
    if not user.can_write:
        raise HttpError(403, _("Your role can read but not change data."))
    return user


M = TypeVar("M", bound=Model)


def get_or_invalid(model: type[M] | QuerySet[M], pk: int | None, field: str) -> M | None:
    """The row with this id, None for no id, or a field error (422) for an unknown id.

    Given a queryset (e.g. what the caller may see), a row outside it is "unknown" too, so
    a body cannot be used to learn what exists."""
    if pk is None:
        return None
    rows = model if isinstance(model, QuerySet) else model._default_manager.all()
    row = rows.filter(pk=pk).first()
    if row is None:
        raise ValidationError({field: _("There is nothing with id %(id)s.") % {"id": pk}})
    return row


def get_many_or_invalid(model: type[M] | QuerySet[M], pks: list[int], field: str) -> list[M]:
    """The rows with these ids, in the order given (one query), or a field error."""
    rows = model if isinstance(model, QuerySet) else model._default_manager.all()
    found = rows.in_bulk(pks)
    missing = [pk for pk in dict.fromkeys(pks) if pk not in found]
    if missing:
        raise ValidationError(
            {field: _("There is nothing with id %(ids)s.") % {"ids": ", ".join(map(str, missing))}}
        )
    return [found[pk] for pk in pks]


# -- access, through vinculo.access.rules (the one place that knows the rules) ---------------


def person_ref(user: User, pk: int | None, field: str, *, change: bool = True) -> Person | None:
    """A person named in a body: unknown or invisible is a field error (422), visible but
    not changeable by this user is 403."""
    from vinculo.access import rules

    person = get_or_invalid(rules.visible_people(user), pk, field)
    if person is not None and change and not rules.can_change_person(user, person):
        raise PermissionDenied
    return person


def account_ref(user: User, pk: int | None, field: str, *, change: bool = True) -> Account | None:
    from vinculo.access import rules

    account = get_or_invalid(rules.visible_accounts(user), pk, field)
    if account is not None and change and not rules.can_change_account(user, account):
        raise PermissionDenied
    return account


def require_change(user: User, row: Any) -> None:
    """403 unless the user may change the person and the account a record belongs to."""
    from vinculo.access import rules

    if not user.can_write:
        raise HttpError(403, _("Your role can read but not change data."))
    person = getattr(row, "person", None)
    account = getattr(row, "account", None)
    if person is not None and not rules.can_change_person(user, person):
        raise PermissionDenied
    if account is not None and not rules.can_change_account(user, account):
        raise PermissionDenied
