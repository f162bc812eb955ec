"""People, accounts, jobs, colleagues and contact plans over the API (v1).

Reads are narrowed by ``vinculo.access.rules``; writes go through ``people.services``.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError

from vinculo.access import rules
from vinculo.access.models import Face
from vinculo.apikit import (
    Id,
    IdempotencyKey,
    IfMatch,
    PageParams,
    Str200,
    created,
    cursor_page,
    idempotent,
    if_match_version,
    orders,
    page_of,
    record_for,
    tagged,
    version_guard,
)
from vinculo.people.models import Account, Colleague, ContactPlan, Employment, Person
from vinculo.people.schemas import (
    PERSONAL_FACTS,
    AccountDetailOut,
    AccountIn,
    AccountOut,
    AccountPatch,
    ColleagueIn,
    ColleagueOut,
    ColleaguePatch,
    ContactPlanIn,
    ContactPlanOut,
    ContactPlanPatch,
    EmploymentCreateIn,
    EmploymentOut,
    EmploymentPatch,
    PersonDetailOut,
    PersonIn,
    PersonOut,
    PersonPatch,
)
from vinculo.people.selectors import accounts_matching, people_matching
from vinculo.people.services import (
    account_create,
    account_update,
    colleague_create,
    colleague_update,
    contact_plan_set,
    employment_end,
    employment_remove,
    employment_start,
    employment_update,
    person_create,
    person_update,
)
from vinculo.users.api import (
    account_ref,
    api_user,
    get_or_invalid,
    person_ref,
    require_writer,
)
from vinculo.vocab import AccountStatus, Tier

router = Router(tags=["people"])


def _people(queryset: QuerySet[Person]) -> QuerySet[Person]:
    current_jobs = (
        Employment.objects.filter(end__isnull=True).select_related("account").order_by("id")
    )
    return queryset.select_related("owner").prefetch_related(
        "emails", Prefetch("employments", queryset=current_jobs, to_attr="current_jobs")
    )


def _accounts(queryset: QuerySet[Account]) -> QuerySet[Account]:
    return (
        queryset.select_related("owner")
        .prefetch_related("domains")
        .annotate(people_count=Count("employments", filter=Q(employments__end__isnull=True)))
    )


# -- people ----------------------------------------------------------------------------------

PERSON_ORDERS = orders("name", "id", "created_at")
PersonOrdering = Enum("PersonOrdering", {k: k for k in PERSON_ORDERS}, type=str)  # type: ignore[misc]


class PersonFilters(Schema):
    q: Str200 = Field("", description="Name, address or company.")
    owner_id: Id | None = None
    account_id: Id | None = Field(None, description="Working there now.")
    ordering: PersonOrdering = PersonOrdering("name")


@router.get("/people", response=page_of(PersonOut))
def person_list(
    request: HttpRequest, filters: Query[PersonFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """The people the caller may see, a page at a time."""
    people = rules.visible_people(api_user(request))
    if filters.q:
        people = people_matching(people, query=filters.q)
    if filters.owner_id is not None:
        people = people.filter(owner_id=filters.owner_id)
    if filters.account_id is not None:
        people = people.filter(
            employments__account_id=filters.account_id, employments__end__isnull=True
        )
    return cursor_page(
        _people(people),
        order=PERSON_ORDERS[filters.ordering.value],
        name="people",
        cursor=page.cursor,
        limit=page.limit,
    )


def _person_detail(user: Any, person_id: int) -> Person:
    person = get_object_or_404(_people(rules.visible_people(user)), pk=person_id)
    # The one rule for personal facts (M18), which also records the read (face: api).
    facts = rules.personal_facts_for(user, person, face=Face.API)
    person.personal_facts_visible = facts is not None  # type: ignore[attr-defined]
    if facts is None:
        for field in PERSONAL_FACTS:
            setattr(person, field, None)
    return person


@router.get("/people/{person_id}", response=PersonDetailOut)
def person_detail(request: HttpRequest, person_id: Id, response: HttpResponse) -> Person:
    """One person; the personal facts only for those the access rules allow."""
    person = _person_detail(api_user(request), person_id)
    return tagged(response, person)


@router.post("/people", response={201: PersonDetailOut})
@decorate_view(idempotent)
def person_add(
    request: HttpRequest,
    payload: PersonIn,
    response: HttpResponse,
    idempotency_key: str | None = IdempotencyKey,
) -> Status[Person]:
    user = require_writer(request)
    owner = get_or_invalid(Colleague, payload.owner_id, "owner_id")
    job = payload.employment
    account = account_ref(user, job.account_id, "employment") if job else None
    with transaction.atomic():
        person = person_create(
            name=payload.name,
            emails=payload.emails,
            phones=payload.phones,
            language=payload.language,
            legal_basis=payload.legal_basis,
            notes=payload.notes,
            owner=owner,
            actor=user,
        )
        if job is not None and account is not None:
            employment_start(
                person=person,
                account=account,
                start=job.start,
                title=job.title,
                function=job.function,
                decision_role=job.decision_role,
                actor=user,
            )
    return created(request, response, _person_detail(user, person.pk))


@router.patch("/people/{person_id}", response=PersonDetailOut)
def person_change(
    request: HttpRequest,
    person_id: Id,
    payload: PersonPatch,
    response: HttpResponse,
    if_match: str | None = IfMatch,
) -> Person:
    """Change what is sent; with If-Match, only if nobody changed the person meanwhile."""
    user = require_writer(request)
    person = rules.person_for(user, person_id, change=True)
    version = if_match_version(if_match)
    changes = payload.dict(exclude_unset=True)
    if set(changes) & set(PERSONAL_FACTS) and not rules.can_see_personal_facts(user, person):
        raise HttpError(403, _("You may not change the personal facts of this person."))
    emails = changes.pop("emails", None)
    if "owner_id" in changes:
        changes["owner"] = get_or_invalid(Colleague, changes.pop("owner_id"), "owner_id")
    person_update(person=person, actor=user, emails=emails, version=version, **changes)
    changed = _person_detail(user, person.pk)
    return tagged(response, changed)


# -- accounts --------------------------------------------------------------------------------

ACCOUNT_ORDERS = orders("name", "id", "created_at")
AccountOrdering = Enum("AccountOrdering", {k: k for k in ACCOUNT_ORDERS}, type=str)  # type: ignore[misc]


class AccountFilters(Schema):
    q: Str200 = Field("", description="Name or domain.")
    status: AccountStatus | None = None
    tier: Tier | None = None
    owner_id: Id | None = None
    ordering: AccountOrdering = AccountOrdering("name")


@router.get("/accounts", response=page_of(AccountOut))
def account_list(
    request: HttpRequest, filters: Query[AccountFilters], page: Query[PageParams]
) -> dict[str, Any]:
    accounts = rules.visible_accounts(api_user(request))
    if filters.q:
        accounts = accounts_matching(accounts, query=filters.q)
    if filters.status is not None:
        accounts = accounts.filter(status=filters.status)
    if filters.tier is not None:
        accounts = accounts.filter(tier=filters.tier)
    if filters.owner_id is not None:
        accounts = accounts.filter(owner_id=filters.owner_id)
    return cursor_page(
        _accounts(accounts),
        order=ACCOUNT_ORDERS[filters.ordering.value],
        name="accounts",
        cursor=page.cursor,
        limit=page.limit,
    )


def _account_detail(user: Any, account_id: int) -> Account:
    staff = (
        rules.scoped(user, Employment.objects.filter(end__isnull=True))
        .select_related("person")
        .order_by("person__name", "id")
    )
    accounts = _accounts(rules.visible_accounts(user)).prefetch_related(
        Prefetch("employments", queryset=staff, to_attr="current_staff")
    )
    return get_object_or_404(accounts, pk=account_id)


@router.get("/accounts/{account_id}", response=AccountDetailOut)
def account_detail(request: HttpRequest, account_id: Id, response: HttpResponse) -> Account:
    account = _account_detail(api_user(request), account_id)
    return tagged(response, account)


@router.post("/accounts", response={201: AccountDetailOut})
@decorate_view(idempotent)
def account_add(
    request: HttpRequest,
    payload: AccountIn,
    response: HttpResponse,
    idempotency_key: str | None = IdempotencyKey,
) -> Status[Account]:
    user = require_writer(request)
    owner = get_or_invalid(Colleague, payload.owner_id, "owner_id")
    account = account_create(
        name=payload.name,
        domains=payload.domains,
        industry=payload.industry,
        country=payload.country,
        tier=payload.tier,
        size=payload.size,
        status=payload.status,
        owner=owner,
        wallet_yearly=payload.wallet_yearly,
        actor=user,
    )
    return created(request, response, _account_detail(user, account.pk))


@router.patch("/accounts/{account_id}", response=AccountDetailOut)
def account_change(
    request: HttpRequest,
    account_id: Id,
    payload: AccountPatch,
    response: HttpResponse,
    if_match: str | None = IfMatch,
) -> Account:
    user = require_writer(request)
    account = rules.account_for(user, account_id, change=True)
    changes = payload.dict(exclude_unset=True)
    domains = changes.pop("domains", None)
    if "owner_id" in changes:
        changes["owner"] = get_or_invalid(Colleague, changes.pop("owner_id"), "owner_id")
    with version_guard(account, if_match):
        account_update(account=account, actor=user, domains=domains, **changes)
    changed = _account_detail(user, account.pk)
    return tagged(response, changed)


# -- employments -----------------------------------------------------------------------------

EMPLOYMENT_ORDERS = orders("id")
EmploymentOrdering = Enum("EmploymentOrdering", {k: k for k in EMPLOYMENT_ORDERS}, type=str)  # type: ignore[misc]


class EmploymentFilters(Schema):
    person_id: Id | None = None
    account_id: Id | None = None
    current: bool | None = Field(None, description="true: only jobs without an end.")
    ordering: EmploymentOrdering = EmploymentOrdering("id")


@router.get("/employments", response=page_of(EmploymentOut))
def employment_list(
    request: HttpRequest, filters: Query[EmploymentFilters], page: Query[PageParams]
) -> dict[str, Any]:
    jobs = rules.scoped(api_user(request), Employment.objects.all())
    if filters.person_id is not None:
        jobs = jobs.filter(person_id=filters.person_id)
    if filters.account_id is not None:
        jobs = jobs.filter(account_id=filters.account_id)
    if filters.current is not None:
        jobs = jobs.filter(end__isnull=filters.current)
    return cursor_page(
        jobs,
        order=EMPLOYMENT_ORDERS[filters.ordering.value],
        name="employments",
        cursor=page.cursor,
        limit=page.limit,
    )


def _jobs() -> QuerySet[Employment]:
    return Employment.objects.select_related("person", "account")


@router.get("/employments/{employment_id}", response=EmploymentOut)
def employment_detail(
    request: HttpRequest, employment_id: Id, response: HttpResponse
) -> Employment:
    return tagged(response, record_for(request, _jobs(), employment_id))


@router.post("/employments", response={201: EmploymentOut})
@decorate_view(idempotent)
def employment_add(
    request: HttpRequest,
    payload: EmploymentCreateIn,
    response: HttpResponse,
    idempotency_key: str | None = IdempotencyKey,
) -> Status[Employment]:
    user = require_writer(request)
    person = person_ref(user, payload.person_id, "person_id")
    account = account_ref(user, payload.account_id, "account_id")
    assert person is not None and account is not None
    job = employment_start(
        person=person,
        account=account,
        start=payload.start,
        title=payload.title,
        function=payload.function,
        decision_role=payload.decision_role,
        actor=user,
    )
    return created(request, response, job)


@router.patch("/employments/{employment_id}", response=EmploymentOut)
def employment_change(
    request: HttpRequest,
    employment_id: Id,
    payload: EmploymentPatch,
    response: HttpResponse,
    if_match: str | None = IfMatch,
) -> Employment:
    job = record_for(request, _jobs(), employment_id, change=True)
    changes = payload.dict(exclude_unset=True)
    end = changes.pop("end", None)
    with version_guard(job, if_match):
        if changes:
            employment_update(employment=job, actor=api_user(request), **changes)
        if end is not None:
            employment_end(employment=job, end=end, actor=api_user(request))
    return tagged(response, record_for(request, _jobs(), employment_id))


@router.delete("/employments/{employment_id}", response={204: None})
def employment_delete(
    request: HttpRequest, employment_id: Id, if_match: str | None = IfMatch
) -> Status[None]:
    """Delete a job recorded by mistake (a job that ended is a PATCH with ``end``)."""
    job = record_for(request, _jobs(), employment_id, change=True)
    with version_guard(job, if_match):
        employment_remove(employment=job, actor=api_user(request))
    return Status(204, None)


# -- colleagues ------------------------------------------------------------------------------

COLLEAGUE_ORDERS = orders("name", "id")
ColleagueOrdering = Enum("ColleagueOrdering", {k: k for k in COLLEAGUE_ORDERS}, type=str)  # type: ignore[misc]


class ColleagueFilters(Schema):
    q: Str200 = Field("", description="Part of the name or address.")
    ordering: ColleagueOrdering = ColleagueOrdering("name")


@router.get("/colleagues", response=page_of(ColleagueOut))
def colleague_list(
    request: HttpRequest, filters: Query[ColleagueFilters], page: Query[PageParams]
) -> dict[str, Any]:
    api_user(request)
    colleagues = Colleague.objects.all()
    if filters.q:
        colleagues = colleagues.filter(Q(name__icontains=filters.q) | Q(email__icontains=filters.q))
    return cursor_page(
        colleagues,
        order=COLLEAGUE_ORDERS[filters.ordering.value],
        name="colleagues",
        cursor=page.cursor,
        limit=page.limit,
    )


@router.get("/colleagues/{colleague_id}", response=ColleagueOut)
def colleague_detail(request: HttpRequest, colleague_id: Id, response: HttpResponse) -> Colleague:
    api_user(request)
    colleague = get_object_or_404(Colleague, pk=colleague_id)
    return tagged(response, colleague)


@router.post("/colleagues", response={201: ColleagueOut})
@decorate_view(idempotent)
def colleague_add(
    request: HttpRequest,
    payload: ColleagueIn,
    response: HttpResponse,
    idempotency_key: str | None = IdempotencyKey,
) -> Status[Colleague]:
    user = require_writer(request)
    colleague = colleague_create(
        name=payload.name, email=payload.email, function=payload.function, actor=user
    )
    return created(request, response, colleague)


@router.patch("/colleagues/{colleague_id}", response=ColleagueOut)
def colleague_change(
    request: HttpRequest,
    colleague_id: Id,
    payload: ColleaguePatch,
    response: HttpResponse,
    if_match: str | None = IfMatch,
) -> Colleague:
    user = require_writer(request)
    colleague = get_object_or_404(Colleague, pk=colleague_id)
    with version_guard(colleague, if_match):
        colleague = colleague_update(
            colleague=colleague, actor=user, **payload.dict(exclude_unset=True)
        )
    colleague.refresh_from_db()
    return tagged(response, colleague)


# -- contact plans ---------------------------------------------------------------------------

PLAN_ORDERS = orders("id", "every_days")
PlanOrdering = Enum("PlanOrdering", {k: k for k in PLAN_ORDERS}, type=str)  # type: ignore[misc]


class PlanFilters(Schema):
    person_id: Id | None = None
    ordering: PlanOrdering = PlanOrdering("id")


@router.get("/contact-plans", response=page_of(ContactPlanOut))
def contact_plan_list(
    request: HttpRequest, filters: Query[PlanFilters], page: Query[PageParams]
) -> dict[str, Any]:
    plans = rules.scoped(api_user(request), ContactPlan.objects.all())
    if filters.person_id is not None:
        plans = plans.filter(person_id=filters.person_id)
    return cursor_page(
        plans,
        order=PLAN_ORDERS[filters.ordering.value],
        name="contact-plans",
        cursor=page.cursor,
        limit=page.limit,
    )


def _plans() -> QuerySet[ContactPlan]:
    return ContactPlan.objects.select_related("person")


@router.get("/contact-plans/{plan_id}", response=ContactPlanOut)
def contact_plan_detail(request: HttpRequest, plan_id: Id, response: HttpResponse) -> ContactPlan:
    return tagged(response, record_for(request, _plans(), plan_id))


@router.post("/contact-plans", response={201: ContactPlanOut})
@decorate_view(idempotent)
def contact_plan_add(
    request: HttpRequest,
    payload: ContactPlanIn,
    response: HttpResponse,
    idempotency_key: str | None = IdempotencyKey,
) -> Status[ContactPlan]:
    """Set a person's cadence (a person has one plan: setting it again replaces it)."""
    user = require_writer(request)
    person = person_ref(user, payload.person_id, "person_id")
    assert person is not None
    plan = contact_plan_set(
        person=person,
        every_days=payload.every_days,
        channel=payload.channel,
        place=payload.place,
        agreed=payload.agreed,
        next_due=payload.next_due,
        actor=user,
    )
    plan.refresh_from_db()
    return created(request, response, plan)


@router.patch("/contact-plans/{plan_id}", response=ContactPlanOut)
def contact_plan_change(
    request: HttpRequest,
    plan_id: Id,
    payload: ContactPlanPatch,
    response: HttpResponse,
    if_match: str | None = IfMatch,
) -> ContactPlan:
    plan = record_for(request, _plans(), plan_id, change=True)
    fields = ("every_days", "channel", "place", "agreed", "next_due")
    values = {f: getattr(plan, f) for f in fields} | payload.dict(exclude_unset=True)
    with version_guard(plan, if_match):
        contact_plan_set(person=plan.person, actor=api_user(request), **values)
    return tagged(response, record_for(request, _plans(), plan_id))
