"""What a list page shows, from its query parameters: one function per list, called by the
page and by its exports, so that an export holds exactly the rows the screen shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import QueryDict

from vinculo.access import rules
from vinculo.health.models import Band
from vinculo.people import selectors as people_selectors
from vinculo.people.models import Account, Colleague, Person
from vinculo.users.models import User
from vinculo.vocab import Function, Tier


@dataclass(frozen=True)
class PeopleFilter:
    query: str
    sort: str
    scope: str  # all, mine
    band: str = ""
    owner: int | None = None
    function: str = ""
    tier: str = ""
    silent: bool = False

    @property
    def any(self) -> bool:
        """Whether a filter (beyond the search and the scope) narrows the list."""
        return bool(self.band or self.owner or self.function or self.tier or self.silent)


@dataclass(frozen=True)
class AccountFilter:
    query: str
    sort: str


def _choice(params: QueryDict, name: str, values: list[str]) -> str:
    """A filter's value if it is one of its choices; anything else is no filter."""
    value = params.get(name, "")
    return value if value in values else ""


def people_filter(params: QueryDict) -> PeopleFilter:
    owner = params.get("owner", "")
    return PeopleFilter(
        query=params.get("q", ""),
        sort=params.get("sort", "name"),
        scope="mine" if params.get("scope") == "mine" else "all",
        band=_choice(params, "band", Band.values),
        owner=int(owner) if owner.isdigit() else None,
        function=_choice(params, "function", Function.values),
        tier=_choice(params, "tier", Tier.values),
        silent=params.get("silent") == "1",
    )


def people_for(params: QueryDict, *, user: User) -> tuple[PeopleFilter, QuerySet[Person]]:
    """The people list (M1) as filtered and sorted by these parameters, of the people this
    user may read (``access.rules``, a subquery: the page's query count does not change)."""
    chosen = people_filter(params)
    mine = chosen.scope == "mine"
    colleague = people_selectors.colleague_for_user(user=user) if mine else None
    people = people_selectors.people_list(
        query=chosen.query,
        sort=chosen.sort,
        owned_by=colleague,
        only_owned=mine,
        band=chosen.band,
        owner_id=chosen.owner,
        function=chosen.function,
        tier=chosen.tier,
        going_silent=chosen.silent,
        readable_account_ids=rules.readable_account_ids(user),
    )
    return chosen, rules.scoped(user, people)


def accounts_for(params: QueryDict, *, user: User) -> tuple[AccountFilter, QuerySet[Account]]:
    """The accounts list as filtered and sorted by these parameters, of the accounts this
    user may read."""
    chosen = AccountFilter(query=params.get("q", ""), sort=params.get("sort", "name"))
    accounts = people_selectors.accounts_list(query=chosen.query, sort=chosen.sort)
    return chosen, rules.scoped(user, accounts)


def people_filter_choices(user: User) -> dict[str, Any]:
    """The choices of the people list's filters: the vocabulary's, and as owners the
    colleagues who own someone this user may read (one query, when the page renders)."""
    owners = Colleague.objects.filter(
        Exists(rules.visible_people(user).filter(owner=OuterRef("pk")))
    ).order_by("name")
    return {
        "bands": Band.choices,
        "functions": Function.choices,
        "tiers": Tier.choices,
        "owners": owners.values_list("pk", "name"),
    }
