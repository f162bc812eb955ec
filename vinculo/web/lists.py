"""What a list page shows, from its query parameters: one function per list, called by the
page and by its exports, so that an export holds exactly the rows the screen shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import QueryDict

from vinculo.access import rules
from vinculo.people import selectors as people_selectors
from vinculo.people.models import Account, Person
from vinculo.users.models import User


@dataclass(frozen=True)
class PeopleFilter:
    query: str
    sort: str
    scope: str  # all, mine


@dataclass(frozen=True)
class AccountFilter:
    query: str
    sort: str


def people_filter(params: QueryDict) -> PeopleFilter:
    return PeopleFilter(
        query=params.get("q", ""),
        sort=params.get("sort", "name"),
        scope="mine" if params.get("scope") == "mine" else "all",
    )


def people_for(params: QueryDict, *, user: User) -> tuple[PeopleFilter, QuerySet[Person]]:
    """The people list (M1) as filtered and sorted by these parameters, of the people this
    user may read (``access.rules``, a subquery: the page's query count does not change)."""
    chosen = people_filter(params)
    mine = chosen.scope == "mine"
    colleague = people_selectors.colleague_for_user(user=user) if mine else None
    people = people_selectors.people_list(
        query=chosen.query, sort=chosen.sort, owned_by=colleague, only_owned=mine
    )
    return chosen, rules.scoped(user, people)


def accounts_for(params: QueryDict, *, user: User) -> tuple[AccountFilter, QuerySet[Account]]:
    """The accounts list as filtered and sorted by these parameters, of the accounts this
    user may read."""
    chosen = AccountFilter(query=params.get("q", ""), sort=params.get("sort", "name"))
    accounts = people_selectors.accounts_list(query=chosen.query, sort=chosen.sort)
    return chosen, rules.scoped(user, accounts)
