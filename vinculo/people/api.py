"""People and accounts over the API: read by anyone signed in, written by writers."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from vinculo.people.models import Account, Colleague, Employment, Person
from vinculo.people.schemas import (
    AccountDetailOut,
    AccountIn,
    AccountOut,
    PersonDetailOut,
    PersonIn,
    PersonOut,
)
from vinculo.people.selectors import accounts_matching, people_matching
from vinculo.people.services import account_create, employment_start, person_create
from vinculo.users.api import get_or_invalid, require_writer

router = Router(tags=["people"])

PAGE_SIZE = 50


def _people() -> QuerySet[Person]:
    current_jobs = Employment.objects.filter(end__isnull=True).select_related("account")
    return (
        Person.objects.select_related("owner")
        .prefetch_related(
            "emails", Prefetch("employments", queryset=current_jobs, to_attr="current_jobs")
        )
        .order_by("name", "id")
    )


def _accounts() -> QuerySet[Account]:
    return (
        Account.objects.select_related("owner")
        .prefetch_related("domains")
        .annotate(
            people_count=Count("employments", filter=Q(employments__end__isnull=True)),
        )
        .order_by("name", "id")
    )


@router.get("/people", response=list[PersonOut])
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def person_list(request: HttpRequest, q: str = "") -> QuerySet[Person]:
    return people_matching(_people(), query=q)


@router.get("/people/{person_id}", response=PersonDetailOut)
def person_detail(request: HttpRequest, person_id: int) -> Person:
    return get_object_or_404(_people(), pk=person_id)


@router.post("/people", response={201: PersonDetailOut})
def person_add(request: HttpRequest, payload: PersonIn) -> Status[Person]:
    user = require_writer(request)
    owner = get_or_invalid(Colleague, payload.owner_id, "owner_id")
    job = payload.employment
    account = get_or_invalid(Account, job.account_id, "employment") if job else None
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
    return Status(201, get_object_or_404(_people(), pk=person.pk))


@router.get("/accounts", response=list[AccountOut])
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def account_list(request: HttpRequest, q: str = "") -> QuerySet[Account]:
    return accounts_matching(_accounts(), query=q)


@router.get("/accounts/{account_id}", response=AccountDetailOut)
def account_detail(request: HttpRequest, account_id: int) -> Account:
    staff = (
        Employment.objects.filter(end__isnull=True)
        .select_related("person")
        .order_by("person__name", "id")
    )
    accounts = _accounts().prefetch_related(
        Prefetch("employments", queryset=staff, to_attr="current_staff")
    )
    return get_object_or_404(accounts, pk=account_id)


@router.post("/accounts", response={201: AccountDetailOut})
def account_add(request: HttpRequest, payload: AccountIn) -> Status[Account]:
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
    return Status(201, account_detail(request, account.pk))
