"""What the API takes and gives for people, accounts, jobs, colleagues and contact plans.

Every vocabulary is an enum (vinculo.vocab); every number, date and text is bounded
(vinculo.apikit), so that no input reaches the database that it cannot hold.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from vinculo.apikit import (
    Day,
    LongText,
    Money,
    Ref,
    Str2,
    Str8,
    Str40,
    Str120,
    Str200,
    Str254,
    StrictBool,
)
from vinculo.people.models import Account, ContactPlan, Employment, Person
from vinculo.vocab import AccountStatus, Channel, DecisionRole, Function, LegalBasis, Tier

Blank = Literal[""]

# -- out ----------------------------------------------------------------------------------


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

    id: int
    account: AccountRef
    title: str
    function: Function
    decision_role: DecisionRole | Blank
    start: date | None


class StaffOut(Schema):
    """A current employment, seen from the account."""

    id: int
    person: PersonRef
    title: str
    function: Function
    decision_role: DecisionRole | Blank
    start: date | None


class PersonOut(Schema):
    id: int
    key: str | None
    name: str
    emails: list[str]
    owner: ColleagueRef | None
    jobs: list[JobOut]
    version: int

    @staticmethod
    def resolve_key(obj: Person) -> str | None:
        return str(obj.key) if obj.key else None

    @staticmethod
    def resolve_emails(obj: Person) -> list[str]:
        return [e.email for e in obj.emails.all()]

    @staticmethod
    def resolve_jobs(obj: Person) -> list[Employment]:
        # Filled by a Prefetch(to_attr=...) in the query, so a page costs no extra queries.
        jobs: list[Employment] = getattr(obj, "current_jobs", [])
        return jobs


PERSONAL_FACTS = ("birthday", "family", "tastes", "friends", "interests")


class PersonDetailOut(PersonOut):
    phones: str
    language: str
    legal_basis: LegalBasis
    notes: str
    professional_interests: str
    personal_facts_visible: bool = Field(
        description="False when the caller may not see the personal facts (they are null)."
    )
    birthday: date | None
    family: str | None
    tastes: str | None
    friends: str | None
    interests: str | None


class AccountOut(Schema):
    id: int
    key: str | None
    name: str
    domains: list[str]
    industry: str
    country: str
    tier: Tier | Blank
    size: str
    status: AccountStatus
    owner: ColleagueRef | None
    wallet_yearly: float | None
    people_count: int
    version: int

    @staticmethod
    def resolve_key(obj: Account) -> str | None:
        return str(obj.key) if obj.key else None

    @staticmethod
    def resolve_domains(obj: Account) -> list[str]:
        return [d.domain for d in obj.domains.all()]

    @staticmethod
    def resolve_wallet_yearly(obj: Account) -> float | None:
        return float(obj.wallet_yearly) if obj.wallet_yearly is not None else None


class AccountDetailOut(AccountOut):
    people: list[StaffOut]

    @staticmethod
    def resolve_people(obj: Account) -> list[Employment]:
        staff: list[Employment] = getattr(obj, "current_staff", [])
        return staff


class EmploymentOut(Schema):
    id: int
    person_id: int
    account_id: int
    title: str
    function: Function
    decision_role: DecisionRole | Blank
    start: date | None
    end: date | None
    version: int


class ColleagueOut(Schema):
    id: int
    name: str
    email: str | None
    function: Function
    team_id: int | None
    user_id: int | None
    version: int


class ContactPlanOut(Schema):
    id: int
    person_id: int
    every_days: int
    channel: Channel | Blank
    place: str
    agreed: bool
    next_due: date | None
    version: int
    changed_at: datetime | None

    @staticmethod
    def resolve_changed_at(obj: ContactPlan) -> datetime | None:
        return obj.changed_at


# -- in -----------------------------------------------------------------------------------

Name = Str200
Email = Str254
EmailList = list[Str254]


class EmploymentIn(Schema):
    account_id: Ref
    title: Str200 = ""
    function: Function = Function.OTHER
    decision_role: DecisionRole | Blank = ""
    start: Day | None = None


class PersonIn(Schema):
    name: Name
    emails: EmailList = Field(default=[], max_length=20)
    phones: Str200 = ""
    language: Str8 = ""
    legal_basis: LegalBasis = LegalBasis.LEGITIMATE_INTEREST
    notes: LongText = ""
    owner_id: Ref | None = None
    employment: EmploymentIn | None = None


class PersonPatch(Schema):
    """Only the fields sent change; ``emails``, when sent, replaces every address."""

    name: Name = None  # type: ignore[assignment]
    emails: EmailList = Field(default=None, max_length=20)  # type: ignore[arg-type]
    phones: Str200 = None  # type: ignore[assignment]
    language: Str8 = None  # type: ignore[assignment]
    legal_basis: LegalBasis = None  # type: ignore[assignment]
    notes: LongText = None  # type: ignore[assignment]
    professional_interests: LongText = None  # type: ignore[assignment]
    owner_id: Ref | None = None
    birthday: Day | None = None
    family: LongText = None  # type: ignore[assignment]
    tastes: LongText = None  # type: ignore[assignment]
    friends: LongText = None  # type: ignore[assignment]
    interests: LongText = None  # type: ignore[assignment]


class AccountIn(Schema):
    name: Name
    domains: list[Str254] = Field(default=[], max_length=20)
    industry: Str120 = ""
    country: Str2 = ""
    tier: Tier | Blank = ""
    size: Str40 = ""
    status: AccountStatus = AccountStatus.ACTIVE
    owner_id: Ref | None = None
    wallet_yearly: Money | None = None


class AccountPatch(Schema):
    name: Name = None  # type: ignore[assignment]
    domains: list[Str254] = Field(default=None, max_length=20)  # type: ignore[arg-type]
    industry: Str120 = None  # type: ignore[assignment]
    country: Str2 = None  # type: ignore[assignment]
    tier: Tier | Blank = None  # type: ignore[assignment]
    size: Str40 = None  # type: ignore[assignment]
    status: AccountStatus = None  # type: ignore[assignment]
    owner_id: Ref | None = None
    wallet_yearly: Money | None = None


class EmploymentCreateIn(EmploymentIn):
    person_id: Ref


class EmploymentPatch(Schema):
    """Correct a job; sending ``end`` ends a current job on that date."""

    title: Str200 = None  # type: ignore[assignment]
    function: Function = None  # type: ignore[assignment]
    decision_role: DecisionRole | Blank = None  # type: ignore[assignment]
    start: Day | None = None
    end: Day = None  # type: ignore[assignment]


class ColleagueIn(Schema):
    name: Name
    email: Email | None = None
    function: Function = Function.SALES


class ColleaguePatch(Schema):
    name: Name = None  # type: ignore[assignment]
    email: Email | None = None
    function: Function = None  # type: ignore[assignment]


class ContactPlanIn(Schema):
    person_id: Ref
    every_days: int = Field(ge=1, le=3650, strict=True)
    channel: Channel | Blank = ""
    place: Str200 = ""
    agreed: StrictBool = False
    next_due: Day | None = None


class ContactPlanPatch(Schema):
    every_days: int = Field(default=None, ge=1, le=3650, strict=True)  # type: ignore[assignment]
    channel: Channel | Blank = None  # type: ignore[assignment]
    place: Str200 = None  # type: ignore[assignment]
    agreed: StrictBool = None  # type: ignore[assignment]
    next_due: Day | None = None
