"""Who may see and change what: the one place every face asks (pages, API, exports,
importers, agenda, insights, feeds).

Roles (users.Role): admin — everything; manager — their teams' accounts and people, the
portfolio and team views; account manager — accounts they own or that are shared with them,
those accounts' people, and the people they own; viewer — read only, within their team's scope.
Personal profile facts (M18) are visible to the owner's team and admins only.

A denied read of one object answers 404 (its existence is not revealed); a denied action 403.

INTERFACE NOTE (lead): the functions below are the contract other code calls. Their first
bodies are permissive placeholders (everything visible, writes by role); the access work
replaces the bodies with the real team rules without changing the signatures.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from vinculo.people.models import Account, Person
from vinculo.users.models import User

M = TypeVar("M", bound=Model)


def visible_accounts(user: User) -> QuerySet[Account]:
    """The accounts this user may read."""
    return Account.objects.all()


def visible_people(user: User) -> QuerySet[Person]:
    """The people this user may read."""
    return Person.objects.all()


def scoped(user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """Any queryset narrowed to what this user may read (people, accounts, interactions,
    commitments, complaints, concerns, initiatives, holdings, concessions, value items,
    plays, snapshots, employments, contact plans), by the person or account it belongs to."""
    return queryset


def can_read_person(user: User, person: Person) -> bool:
    return True


def can_read_account(user: User, account: Account) -> bool:
    return True


def can_change_person(user: User, person: Person) -> bool:
    return user.can_write


def can_change_account(user: User, account: Account) -> bool:
    return user.can_write


def can_see_personal_facts(user: User, person: Person) -> bool:
    """Family, tastes, friends, interests, birthday (M18)."""
    return True


def person_for(user: User, person_id: int, *, change: bool = False) -> Person:
    """The person, if visible (else Http404); with ``change``, if changeable (else 403)."""
    person = visible_people(user).filter(pk=person_id).first()
    if person is None:
        raise Http404
    if change and not can_change_person(user, person):
        raise PermissionDenied
    return person


def account_for(user: User, account_id: int, *, change: bool = False) -> Account:
    """The account, if visible (else Http404); with ``change``, if changeable (else 403)."""
    account = visible_accounts(user).filter(pk=account_id).first()
    if account is None:
        raise Http404
    if change and not can_change_account(user, account):
        raise PermissionDenied
    return account
