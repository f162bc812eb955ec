"""Who may see and change what: the one place every face asks (pages, API, exports,
importers, agenda, insights, feeds).

Roles (users.Role):

- admin (or a superuser): everything.
- manager: the accounts owned by a colleague of their team (``Colleague.team``, or the team of
  the colleague's user), the people those colleagues own and the people with a current job
  at those accounts; plus whatever they own or is shared with them; the reports.
- account manager: the accounts they own (``Account.owner`` is their colleague record) or
  that are shared with them (``AccountShare``), the people with a current job at those
  accounts, and the people they own.
- viewer: read only, the scope a manager of their team has.

A user without a team has no team scope; an inactive user sees nothing. Changing needs
``can_write`` (not a viewer) and the object in the user's scope: what one may change is
what one may read, minus the viewer.

Personal profile facts (M18: birthday, family, tastes, friends, interests, professional
interests) are for the owner's team and admins only (``PERSONAL_FACTS_ROLES``: viewers,
who only read, never need them), and only on a person the user may read. Every read of
them through ``personal_facts_for`` / ``personal_facts_for_many`` is recorded
(``PersonalDataRead``), in bulk when a list reads many.

A denied read of one object answers 404 (its existence is not revealed); a denied action
403; a denied write changes nothing (the check comes before the write).

Every list is narrowed in the database (``Exists`` / ``IN (subquery)``), never by a check
per row in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    ForeignKey,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.http import Http404

from vinculo.access.models import AccountShare, Face, PersonalDataRead
from vinculo.people.checks import PERSONAL_FACT_FIELDS
from vinculo.people.models import Account, Colleague, Employment, Person
from vinculo.users.models import Role, User

M = TypeVar("M", bound=Model)

# The profile facts of M18, in the order the person page shows them (defined once, with
# the rule that they need a legal basis and its source).
PERSONAL_FACTS = PERSONAL_FACT_FIELDS
# Roles that may see personal facts (within the owner's team); admins always may.
PERSONAL_FACTS_ROLES = frozenset({Role.MANAGER, Role.ACCOUNT_MANAGER})
# Roles with a team scope (their team's accounts and people).
TEAM_ROLES = frozenset({Role.MANAGER, Role.VIEWER})
REPORT_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.ACCOUNT_MANAGER})
SALES_OPERATIONS_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


# --- who the user is -----------------------------------------------------------------------


def is_admin(user: User) -> bool:
    """Administrators and superusers see and change everything."""
    return bool(user.is_active and (user.is_superuser or user.role == Role.ADMIN))


def has_team_scope(user: User) -> bool:
    """Managers and viewers read their whole team's book."""
    return user.role in TEAM_ROLES and user.team_id is not None


def can_read_reports(user: User) -> bool:
    """The reports (fairness, portfolio) and insights compare clients and colleagues:
    admins, managers and account managers (each within their scope); never viewers."""
    return is_admin(user) or (user.is_active and user.role in REPORT_ROLES)


def can_import(user: User) -> bool:
    """Imports and the review list of unmatched addresses and duplicates: sales operations
    (admins and managers)."""
    return is_admin(user) or (user.is_active and user.role in SALES_OPERATIONS_ROLES)


def team_colleagues(team_id: int | None) -> QuerySet[Colleague]:
    """The colleagues of a team: by their own team or by the team of their user."""
    if team_id is None:
        return Colleague.objects.none()
    return Colleague.objects.filter(Q(team_id=team_id) | Q(user__team_id=team_id))


# --- what the user may read ----------------------------------------------------------------


def _account_q(user: User) -> Q:
    """The condition on Account rows this (non-admin, active) user may read.

    One ``IN`` over a UNION of two index ranges (the accounts of the owners, the shares
    of the user), not a join or a correlated test per account row, nor an OR of two
    ``IN`` tests, which PostgreSQL answers by reading every account (benchmarks/pages.py).
    """
    return Q(pk__in=_account_ids(user))


def _account_ids(user: User) -> QuerySet[Any]:
    """The ids of the accounts this (non-admin, active) user may read, as a subquery."""
    owned = Account.objects.filter(owner__in=_owners(user)).order_by().values("pk")
    shared = AccountShare.objects.filter(user_id=user.pk).order_by().values("account_id")
    return owned.union(shared)


def _owners(user: User) -> QuerySet[Any]:
    """The colleague rows whose accounts and people this (non-admin) user reads as owned:
    their own, and with a team scope their team's (one IN list of ids)."""
    owners = Colleague.objects.filter(user_id=user.pk)
    if has_team_scope(user):
        owners |= team_colleagues(user.team_id)
    return owners.order_by().values("pk")


def visible_accounts(user: User) -> QuerySet[Account]:
    """The accounts this user may read."""
    if is_admin(user):
        return Account.objects.all()
    if not user.is_active:
        return Account.objects.none()
    return Account.objects.filter(_account_q(user))


def _person_q(user: User) -> Q:
    """The condition on Person rows this (non-admin, active) user may read: owned by them
    (or their team), or with a current job at an account they may read.

    One ``IN`` over a UNION of index ranges (people by owner, current jobs by account),
    rather than a join to the owner and an ``EXISTS`` per person row, which read every
    person (185 ms against 11 ms for an account manager's 445 people of a 2,000-account
    demo on SQLite), or an OR of two ``IN`` tests, which PostgreSQL answers the same way
    (every person of the 20,000-account demo read for each use).
    """
    return Q(pk__in=_person_ids(user))


def _person_ids(user: User) -> QuerySet[Any]:
    """The ids of the people this (non-admin, active) user may read, as a subquery."""
    owned = Person.objects.filter(owner__in=_owners(user)).order_by().values("pk")
    at_my_accounts = (
        Employment.objects.filter(end__isnull=True, account_id__in=_account_ids(user))
        .order_by()
        .values("person_id")
    )
    return owned.union(at_my_accounts)


def readable_people_ids(user: User) -> QuerySet[Any]:
    """The ids of the people this user may read, as a subquery for ``person__in``: the
    UNION itself, not wrapped in a read of the people table (which PostgreSQL may answer
    by scanning every person)."""
    if is_admin(user):
        return Person.objects.order_by().values("pk")
    if not user.is_active:
        return Person.objects.none().values("pk")
    return _person_ids(user)


def readable_account_ids(user: User) -> QuerySet[Any]:
    """The ids of the accounts this user may read, as a subquery for ``account__in``."""
    if is_admin(user):
        return Account.objects.order_by().values("pk")
    if not user.is_active:
        return Account.objects.none().values("pk")
    return _account_ids(user)


def openable(field: str, ids: QuerySet[Any] | None) -> Any:
    """An expression for a row's own query: whether its ``field`` (an account or person
    id) is among ``ids`` (``readable_account_ids(user)``, ``readable_people_ids(user)``),
    so that a page links only what its reader may open (a link to anything else answers
    404); true for every row when ``ids`` is None."""
    if ids is None:
        return Value(True, output_field=BooleanField())
    return ExpressionWrapper(Q(**{f"{field}__in": ids}), output_field=BooleanField())


def with_link_flags(user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """``queryset`` with ``account_readable`` and ``person_readable`` (``openable``) for
    the rows' ``account`` and ``person``, whichever its model has: a list in the user's
    scope may still name an account or a person they may not open (a promise to one of
    their people, now at someone else's account)."""
    fields = {f.name for f in queryset.model._meta.get_fields()}
    admin = is_admin(user)
    flags = {}
    if "account" in fields:
        flags["account_readable"] = openable(
            "account_id", None if admin else readable_account_ids(user)
        )
    if "person" in fields:
        flags["person_readable"] = openable(
            "person_id", None if admin else readable_people_ids(user)
        )
    return queryset.annotate(**flags)


def visible_people(user: User) -> QuerySet[Person]:
    """The people this user may read."""
    if is_admin(user):
        return Person.objects.all()
    if not user.is_active:
        return Person.objects.none()
    return Person.objects.filter(_person_q(user))


def changeable_people(user: User) -> QuerySet[Person]:
    """The people this user may change (log interactions with, make promises to…)."""
    return visible_people(user) if user.can_write else Person.objects.none()


def changeable_accounts(user: User) -> QuerySet[Account]:
    """The accounts this user may change."""
    return visible_accounts(user) if user.can_write else Account.objects.none()


def _relations(model: type[Model]) -> tuple[list[str], list[str]]:
    """The names of ``model``'s foreign keys to Person and to Account."""
    people, accounts = [], []
    for model_field in model._meta.get_fields():
        if isinstance(model_field, ForeignKey):
            if model_field.related_model is Person:
                people.append(model_field.name)
            elif model_field.related_model is Account:
                accounts.append(model_field.name)
    return people, accounts


def scope_q(user: User, model: type[Model]) -> Q:
    """The condition on ``model``'s rows this user may read: the person or the account it
    belongs to is readable (either suffices). Interactions count their participants too."""
    if model is Person:
        return Q(pk__in=readable_people_ids(user))
    if model is Account:
        return Q(pk__in=readable_account_ids(user))
    people_fields, account_fields = _relations(model)
    where = Q(pk__in=[])
    if people_fields or account_fields or _is_interaction(model):
        people = readable_people_ids(user)
        accounts = readable_account_ids(user)
        for name in people_fields:
            where |= Q(**{f"{name}__in": people})
        for name in account_fields:
            where |= Q(**{f"{name}__in": accounts})
        if _is_interaction(model):
            from vinculo.interactions.models import InteractionPerson

            where |= Q(
                Exists(
                    InteractionPerson.objects.filter(interaction=OuterRef("pk"), person__in=people)
                )
            )
        return where
    raise TypeError(f"{model.__name__} belongs to no person or account: no scope rule for it")


def _is_interaction(model: type[Model]) -> bool:
    from vinculo.interactions.models import Interaction

    return model is Interaction


def scoped(user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """Any queryset narrowed to what this user may read (people, accounts, interactions,
    commitments, complaints, concerns, initiatives, holdings, concessions, value items,
    plays, snapshots, employments, contact plans), by the person or account it belongs to."""
    if is_admin(user):
        return queryset
    if not user.is_active:
        return queryset.none()
    return queryset.filter(scope_q(user, queryset.model))


def can_read_person(user: User, person: Person) -> bool:
    return visible_people(user).filter(pk=person.pk).exists()


def can_read_account(user: User, account: Account) -> bool:
    return visible_accounts(user).filter(pk=account.pk).exists()


def can_change_person(user: User, person: Person) -> bool:
    return user.can_write and can_read_person(user, person)


def can_change_account(user: User, account: Account) -> bool:
    return user.can_write and can_read_account(user, account)


def person_for(user: User, person_id: int, *, change: bool = False) -> Person:
    """The person, if visible (else Http404); with ``change``, if changeable (else 403)."""
    person = visible_people(user).filter(pk=person_id).first()
    if person is None:
        raise Http404
    if change and not user.can_write:
        raise PermissionDenied
    return person


def account_for(user: User, account_id: int, *, change: bool = False) -> Account:
    """The account, if visible (else Http404); with ``change``, if changeable (else 403)."""
    account = visible_accounts(user).filter(pk=account_id).first()
    if account is None:
        raise Http404
    if change and not user.can_write:
        raise PermissionDenied
    return account


def row_for(user: User, queryset: QuerySet[M], pk: int, *, change: bool = False) -> M:
    """A row that belongs to a person or an account (a promise, a complaint, a value
    item…), if readable (else Http404); with ``change``, if changeable (else 403): what
    one may change is what one may read, minus the viewer."""
    row = scoped(user, queryset).filter(pk=pk).first()
    if row is None:
        raise Http404
    if change and not user.can_write:
        raise PermissionDenied
    return row


def people_for_change(user: User, person_ids: Iterable[int]) -> None:
    """Check, in one query, that the user may change every one of these people: 403 for a
    user who may not write, 404 if any of them is not readable by the user."""
    if not user.can_write:
        raise PermissionDenied
    wanted = set(person_ids)
    if not wanted:
        return
    if visible_people(user).filter(pk__in=wanted).count() != len(wanted):
        raise Http404


def accounts_for_change(user: User, account_ids: Iterable[int]) -> None:
    """As ``people_for_change``, for accounts."""
    if not user.can_write:
        raise PermissionDenied
    wanted = set(account_ids)
    if not wanted:
        return
    if visible_accounts(user).filter(pk__in=wanted).count() != len(wanted):
        raise Http404


# --- personal profile facts (M18) ----------------------------------------------------------


def personal_facts_q(user: User) -> Q:
    """The condition on Person rows whose personal facts this user may see (on top of being
    readable): the person's owner is the user, or in the user's team (by the owner's own
    team or their user's). Admins: everyone. Viewers and users without a role for them:
    nobody."""
    if is_admin(user):
        return Q()
    if not user.is_active or user.role not in PERSONAL_FACTS_ROLES:
        return Q(pk__in=[])
    where = Q(owner__user_id=user.pk)
    if user.team_id is not None:
        where |= Q(owner__team_id=user.team_id) | Q(owner__user__team_id=user.team_id)
    return where


def can_see_personal_facts(user: User, person: Person) -> bool:
    """Family, tastes, friends, interests, birthday (M18): the owner's team and admins."""
    if is_admin(user):
        return True
    return visible_people(user).filter(personal_facts_q(user), pk=person.pk).exists()


def _facts_of(person: Person) -> dict[str, Any]:
    return {name: getattr(person, name) for name in PERSONAL_FACTS}


def _has_any(facts: dict[str, Any]) -> bool:
    return any(value not in (None, "") for value in facts.values())


def record_personal_reads(user: User, person_ids: Iterable[int], *, face: str) -> int:
    """Record that ``user`` read the personal facts of these people (one insert per 1,000).
    Returns how many reads were recorded."""
    rows = [
        PersonalDataRead(user_id=user.pk, username=user.get_username(), person_id=pk, face=face)
        for pk in dict.fromkeys(person_ids)
    ]
    if len(rows) == 1:
        rows[0].save()  # one INSERT, without bulk_create's transaction around it
    else:
        PersonalDataRead.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def personal_facts_for(
    user: User, person: Person, *, face: str = Face.WEB, visible: bool | None = None
) -> dict[str, Any] | None:
    """The person's personal facts if the user may see them (else None), recording the read
    (when there is anything to read). One query to decide, one to record; none to decide
    given ``visible``, the ``facts_visible`` of ``with_personal_facts_flag`` read with the
    person."""
    if visible is None:
        visible = can_see_personal_facts(user, person)
    if not visible:
        return None
    facts = _facts_of(person)
    if _has_any(facts):
        record_personal_reads(user, [person.pk], face=face)
    return facts


def personal_facts_for_many(
    user: User, people: Iterable[Person], *, face: str = Face.API
) -> dict[int, dict[str, Any]]:
    """For a list: the personal facts of those people the user may see, by person id, every
    read recorded at once. Two queries (one to decide, one insert) whatever the number."""
    people = list(people)
    if not people:
        return {}
    ids = [person.pk for person in people]
    if is_admin(user):
        allowed = set(ids)
    else:
        allowed = set(
            visible_people(user)
            .filter(personal_facts_q(user), pk__in=ids)
            .values_list("pk", flat=True)
        )
    found = {person.pk: _facts_of(person) for person in people if person.pk in allowed}
    record_personal_reads(user, [pk for pk, facts in found.items() if _has_any(facts)], face=face)
    return found


def with_personal_facts_flag(user: User, people: QuerySet[Person]) -> QuerySet[Person]:
    """``people`` annotated with ``facts_visible`` (whether this user may see each one's
    personal facts), computed by the database: for lists and exports."""
    from django.db.models import BooleanField, ExpressionWrapper, Value

    if is_admin(user):
        return people.annotate(facts_visible=Value(True, output_field=BooleanField()))
    if not user.is_active or user.role not in PERSONAL_FACTS_ROLES:
        return people.annotate(facts_visible=Value(False, output_field=BooleanField()))
    return people.annotate(
        facts_visible=ExpressionWrapper(personal_facts_q(user), output_field=BooleanField())
    )
