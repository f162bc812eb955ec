"""What the API takes and gives for people and accounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ninja import Schema

from vinculo.people.models import Account, Employment, Person
from vinculo.vocab import AccountStatus, Function, LegalBasis


class ColleagueRef(Schema):
    id: int
    name: str


class AccountRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    name: str


class JobOut(Schema):
    """A current employment, seen from the person."""

    account: AccountRef
    title: str
    function: str
    decision_role: str
    start: date | None


class StaffOut(Schema):
    """A current employment, seen from the account."""

    person: PersonRef
    title: str
    function: str
    decision_role: str
    start: date | None


class PersonOut(Schema):
    id: int
    key: str | None
    name: str
    emails: list[str]
    owner: ColleagueRef | None
    jobs: list[JobOut]

    @staticmethod
    def resolve_emails(obj: Person) -> list[str]:
        return [e.email for e in obj.emails.all()]

    @staticmethod
    def resolve_jobs(obj: Person) -> list[Employment]:
        # Filled by a Prefetch(to_attr=...) in the query, so a page costs no extra queries.
        jobs: list[Employment] = getattr(obj, "current_jobs", [])
        return jobs


class PersonDetailOut(PersonOut):
    phones: str
    language: str
    legal_basis: str
    notes: str
    birthday: date | None
    family: str
    tastes: str
    friends: str
    interests: str
    professional_interests: str


class EmploymentIn(Schema):
    account_id: int
    title: str = ""
    function: str = Function.OTHER.value
    decision_role: str = ""
    start: date | None = None


class PersonIn(Schema):
    name: str
    emails: list[str] = []
    phones: str = ""
    language: str = ""
    legal_basis: str = LegalBasis.LEGITIMATE_INTEREST.value
    notes: str = ""
    owner_id: int | None = None
    employment: EmploymentIn | None = None


class AccountOut(Schema):
    id: int
    key: str | None
    name: str
    domains: list[str]
    industry: str
    country: str
    tier: str
    size: str
    status: str
    owner: ColleagueRef | None
    wallet_yearly: Decimal | None
    people_count: int

    @staticmethod
    def resolve_domains(obj: Account) -> list[str]:
        return [d.domain for d in obj.domains.all()]


class AccountDetailOut(AccountOut):
    people: list[StaffOut]

    @staticmethod
    def resolve_people(obj: Account) -> list[Employment]:
        staff: list[Employment] = getattr(obj, "current_staff", [])
        return staff


class AccountIn(Schema):
    name: str
    domains: list[str] = []
    industry: str = ""
    country: str = ""
    tier: str = ""
    size: str = ""
    status: str = AccountStatus.ACTIVE.value
    owner_id: int | None = None
    wallet_yearly: Decimal | None = None
