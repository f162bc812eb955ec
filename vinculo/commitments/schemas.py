"""What the API takes and gives for promises, complaints, concerns and initiatives."""

from __future__ import annotations

from datetime import date

from ninja import Field, Schema

from vinculo.apikit import Day, LongText, Money, Ref, Str120, Str300
from vinculo.vocab import CommitmentStatus, Outcome, Severity


class _Subject(Schema):
    person_id: Ref | None = None
    account_id: Ref | None = Field(
        default=None, description="Taken from the person's job on the date when left out."
    )


class CommitmentIn(_Subject):
    text: LongText
    made_on: Day | None = Field(default=None, description="Today when left out.")
    due: Day | None = None
    colleague_id: Ref | None = None
    interaction_id: Ref | None = None


class CommitmentPatch(Schema):
    text: LongText = None  # type: ignore[assignment]
    due: Day | None = None


class CommitmentCloseIn(Schema):
    status: CommitmentStatus = Field(description="kept, kept_late, broken or renegotiated.")
    closed_on: Day | None = Field(default=None, description="Today when left out.")
    new_due: Day | None = Field(default=None, description="Needed when renegotiated.")


class CommitmentOut(Schema):
    id: int
    text: str
    made_on: date
    due: date | None
    status: CommitmentStatus
    closed_on: date | None
    person_id: int | None
    account_id: int | None
    colleague_id: int | None
    interaction_id: int | None
    version: int


class ComplaintIn(_Subject):
    opened: Day | None = Field(default=None, description="Today when left out.")
    severity: Severity = Severity.MEDIUM
    category: Str120 = ""
    summary: LongText = ""


class ComplaintPatch(Schema):
    severity: Severity = None  # type: ignore[assignment]
    category: Str120 = None  # type: ignore[assignment]
    summary: LongText = None  # type: ignore[assignment]


class ComplaintResolveIn(Schema):
    resolved: Day | None = Field(default=None, description="Today when left out.")
    resolution: LongText = ""
    satisfaction_after: int | None = Field(default=None, ge=1, le=5, strict=True)


class ComplaintOut(Schema):
    id: int
    person_id: int | None
    account_id: int | None
    opened: date
    severity: Severity
    category: str
    summary: str
    first_response: date | None
    resolved: date | None
    resolution: str
    satisfaction_after: int | None
    version: int


class ConcernIn(_Subject):
    topic: Str300
    opened: Day | None = Field(default=None, description="Today when left out.")


class ConcernPatch(Schema):
    topic: Str300 = None  # type: ignore[assignment]


class ConcernResolveIn(Schema):
    resolved: Day | None = Field(default=None, description="Today when left out.")


class ConcernOut(Schema):
    id: int
    person_id: int | None
    account_id: int | None
    topic: str
    opened: date
    resolved: date | None
    version: int


class InitiativeIn(_Subject):
    text: LongText
    proposed_on: Day | None = Field(default=None, description="Today when left out.")
    outcome: Outcome = Outcome.PENDING
    value: Money | None = None


class InitiativePatch(Schema):
    text: LongText = None  # type: ignore[assignment]
    value: Money | None = None


class InitiativeDecideIn(Schema):
    outcome: Outcome
    value: Money | None = None


class InitiativeOut(Schema):
    id: int
    person_id: int | None
    account_id: int | None
    proposed_on: date
    text: str
    outcome: Outcome
    value: float | None
    version: int
