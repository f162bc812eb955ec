"""Reads for people, accounts and colleagues.

Each list is one queryset with its per-row facts (last contact, current company, health)
computed by the database as subqueries, so a page costs the same few queries whatever the
number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OrderBy,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from vinculo.access import rules
from vinculo.health.models import HealthSnapshot, Play, PlayKind, PlayStatus
from vinculo.interactions.models import Interaction
from vinculo.people.models import (
    Account,
    AccountDomain,
    Colleague,
    Employment,
    Person,
    PersonEmail,
    search_key,
)
from vinculo.users.models import User
from vinculo.vocab import Function

PEOPLE_SORTS = ("name", "company", "last_contact", "health", "next_due")

_P = TypeVar("_P", bound=QuerySet[Person])
_A = TypeVar("_A", bound=QuerySet[Account])
ACCOUNT_SORTS = ("name", "people", "last_contact")


def colleague_for_user(*, user: User) -> Colleague | None:
    """The colleague record of a signed-in user, if one is linked."""
    return Colleague.objects.filter(user_id=user.pk).first()


def _order(expression: str, *, descending: bool) -> OrderBy:
    # Rows without a value (no company, never contacted) go last in both directions,
    # so the interesting rows are always on the first page.
    column = F(expression)
    return column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)


def _parse_sort(sort: str, allowed: tuple[str, ...]) -> tuple[str, bool]:
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in allowed:
        return allowed[0], False
    return key, descending


def people_matching(people: _P, *, query: str) -> _P:
    """The people search, for the web list, the picker and the API alike.

    A word matches a person's name, one of their addresses, or the name of a company
    they work or worked at (people move; the search still finds them by the old one).
    Exists, not a join: a person with two matching rows is listed once.
    """
    query = query.strip()
    if not query:
        return people
    # The name through its stored key (accents and case folded alike on SQLite and
    # PostgreSQL); addresses and companies as typed, case-insensitively.
    return people.filter(
        Q(search_name__contains=search_key(query))
        | Exists(PersonEmail.objects.filter(person=OuterRef("pk"), email__icontains=query))
        | Exists(Employment.objects.filter(person=OuterRef("pk"), account__name__icontains=query))
    )


def people_list(
    *,
    query: str = "",
    sort: str = "name",
    owned_by: Colleague | None = None,
    only_owned: bool = False,
    band: str = "",
    owner_id: int | None = None,
    function: str = "",
    tier: str = "",
    going_silent: bool = False,
    readable_account_ids: QuerySet[Any] | None = None,
) -> QuerySet[Person]:
    """People with their current jobs, owner, last contact and latest health.

    Each current job has ``account_readable`` (``access.rules.openable``: whether its
    account is one of ``readable_account_ids``; True for all when None).

    ``only_owned`` keeps the people ``owned_by`` owns, or who work at accounts they own;
    with no colleague it keeps nobody rather than everybody. The filters (M1): the latest
    health's ``band``, our owner, the ``function`` of a current job, the ``tier`` of a
    current job's account, and ``going_silent``: the engine's silence rule
    (``health.rules.contact_plays``) raised a play about them that is still open or
    snoozed. Each is one condition in the same query.
    """
    current_jobs = Employment.objects.filter(end__isnull=True)
    people = (
        Person.objects.select_related("owner")
        .annotate(
            last_contact=Subquery(
                Interaction.objects.filter(person_links__person=OuterRef("pk"))
                .order_by("-started_at")
                .values("started_at")[:1]
            ),
            first_company=Subquery(
                current_jobs.filter(person=OuterRef("pk"))
                .order_by("account__name")
                .values("account__name")[:1]
            ),
            health=Subquery(
                HealthSnapshot.objects.filter(person=OuterRef("pk"))
                .order_by("-as_of")
                .values("overall")[:1]
            ),
            next_due=F("contact_plan__next_due"),
            health_band=Subquery(
                HealthSnapshot.objects.filter(person=OuterRef("pk"))
                .order_by("-as_of")
                .values("band")[:1]
            ),
        )
        .prefetch_related(
            Prefetch(
                "employments",
                queryset=current_jobs.select_related("account")
                .annotate(account_readable=rules.openable("account_id", readable_account_ids))
                .order_by("account__name"),
                to_attr="current_jobs",
            )
        )
    )
    people = people_matching(people, query=query)
    if band:
        people = people.filter(health_band=band)
    if owner_id is not None:
        people = people.filter(owner_id=owner_id)
    if function:
        people = people.filter(
            Exists(current_jobs.filter(person=OuterRef("pk"), function=function))
        )
    if tier:
        people = people.filter(
            Exists(current_jobs.filter(person=OuterRef("pk"), account__tier=tier))
        )
    if going_silent:
        people = people.filter(
            Exists(
                Play.objects.filter(
                    person=OuterRef("pk"),
                    kind=PlayKind.GOING_SILENT,
                    status__in=(PlayStatus.OPEN, PlayStatus.SNOOZED),
                )
            )
        )
    if only_owned:
        if owned_by is None:
            return people.none()
        people = people.filter(
            Q(owner=owned_by)
            | Exists(current_jobs.filter(person=OuterRef("pk"), account__owner=owned_by))
        )
    key, descending = _parse_sort(sort, PEOPLE_SORTS)
    column = {
        "name": "search_name",
        "company": "first_company",
        "last_contact": "last_contact",
        "health": "health",
        "next_due": "next_due",
    }[key]
    return people.order_by(_order(column, descending=descending), "search_name", "name", "pk")


def person_profile(
    *,
    person_id: int,
    people: QuerySet[Person] | None = None,
    account_ids: QuerySet[Any] | None = None,
) -> Person:
    """One person with owner, plan, addresses and every job (current first), or 404; with
    ``people`` (e.g. those a user may read), one of them or 404, in the same query.

    Each job has ``account_readable``: whether its account is one of ``account_ids`` (e.g.
    ``readable_account_ids(user)``, so that a page links only the accounts that open), in
    the jobs' query; every account when ``account_ids`` is None."""
    jobs = (
        Employment.objects.select_related("account")
        .annotate(account_readable=rules.openable("account_id", account_ids))
        .order_by(F("end").desc(nulls_first=True), F("start").desc(nulls_last=True), "-id")
    )
    return get_object_or_404(
        (Person.objects.all() if people is None else people)
        .select_related("owner", "contact_plan")
        .prefetch_related(
            Prefetch("emails", queryset=PersonEmail.objects.order_by("id")),
            Prefetch("employments", queryset=jobs, to_attr="all_jobs"),
        ),
        pk=person_id,
    )


def accounts_matching(accounts: _A, *, query: str) -> _A:
    """The account search, for the web list and the API: a word in the name or in one of
    the account's email domains."""
    query = query.strip()
    if not query:
        return accounts
    return accounts.filter(
        Q(name__icontains=query)
        | Exists(AccountDomain.objects.filter(account=OuterRef("pk"), domain__icontains=query))
    )


def accounts_list(*, query: str = "", sort: str = "name") -> QuerySet[Account]:
    """Accounts with owner, number of current people and last contact."""
    accounts = Account.objects.select_related("owner").annotate(
        people_count=Coalesce(
            Subquery(
                Employment.objects.filter(account=OuterRef("pk"), end__isnull=True)
                .order_by()
                .values("account")
                .annotate(n=Count("person", distinct=True))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        last_contact=Subquery(
            Interaction.objects.filter(account=OuterRef("pk"))
            .order_by("-started_at")
            .values("started_at")[:1]
        ),
    )
    accounts = accounts_matching(accounts, query=query)
    key, descending = _parse_sort(sort, ACCOUNT_SORTS)
    column = {"name": "name", "people": "people_count", "last_contact": "last_contact"}[key]
    return accounts.order_by(_order(column, descending=descending), "name", "pk")


def account_profile(*, account_id: int, accounts: QuerySet[Account] | None = None) -> Account:
    """One account with owner and domains, or 404; with ``accounts`` (e.g. those a user
    may read), one of them or 404, in the same query."""
    return get_object_or_404(
        (Account.objects.all() if accounts is None else accounts)
        .select_related("owner")
        .prefetch_related("domains"),
        pk=account_id,
    )


@dataclass
class FunctionGroup:
    function: str
    label: str
    jobs: list[Employment] = field(default_factory=list)


@dataclass
class AccountPeople:
    current: list[FunctionGroup]
    former: list[Employment]


def account_people(*, account: Account) -> AccountPeople:
    """The account's people: current jobs grouped by function, in vocabulary order; past
    jobs of people who no longer work there, most recent first."""
    jobs = list(
        Employment.objects.filter(account=account)
        .select_related("person")
        .order_by("person__name", "pk")
    )
    groups = {value: FunctionGroup(value, str(label)) for value, label in Function.choices}
    current_people: set[int] = set()
    for job in jobs:
        if job.end is None:
            groups.get(job.function, groups[Function.OTHER]).jobs.append(job)
            current_people.add(job.person_id)
    former: dict[int, Employment] = {}
    for job in jobs:
        if job.end is None or job.person_id in current_people:
            continue
        kept = former.get(job.person_id)
        if kept is None or (kept.end is not None and job.end > kept.end):
            former[job.person_id] = job
    return AccountPeople(
        current=[group for group in groups.values() if group.jobs],
        former=sorted(
            former.values(),
            key=lambda job: job.end or job.start or datetime.min.date(),
            reverse=True,
        ),
    )


@dataclass
class CoverageTable:
    """Who on our side talks to whom on theirs: interaction counts per pair."""

    colleagues: list[tuple[int, str]]
    people: list[tuple[int, str]]
    counts: dict[tuple[int, int], int]
    since: datetime

    def rows(self) -> list[tuple[tuple[int, str], list[int]]]:
        return [
            (
                person,
                [self.counts.get((colleague[0], person[0]), 0) for colleague in self.colleagues],
            )
            for person in self.people
        ]


def people_choices(
    *,
    query: str = "",
    ids: list[int] | None = None,
    account: Account | None = None,
    exclude: list[int] | None = None,
    limit: int | None = 20,
    within: QuerySet[Person] | None = None,
) -> list[Person]:
    """A short list of people to pick from, with their current jobs (interaction form);
    ``within``: only among these (the people the user may change, from access.rules)."""
    people = people_list(query=query).exclude(pk__in=exclude or [])
    if within is not None:
        people = people.filter(pk__in=within.values("pk"))
    if ids is not None:
        if not ids:
            return []
        people = people.filter(pk__in=ids)
    if account is not None:
        people = people.filter(
            Exists(
                Employment.objects.filter(person=OuterRef("pk"), account=account, end__isnull=True)
            )
        )
    return list(people if limit is None else people[:limit])
