"""What the API takes and gives for promises."""

from __future__ import annotations

from datetime import date

from ninja import Field, Schema


class CommitmentIn(Schema):
    text: str
    made_on: date | None = Field(default=None, description="Today when left out.")
    due: date | None = None
    person_id: int | None = None
    account_id: int | None = Field(
        default=None, description="Taken from the person's job on made_on when left out."
    )
    colleague_id: int | None = None
    interaction_id: int | None = None


class CommitmentCloseIn(Schema):
    status: str = Field(description="kept, kept_late, broken or renegotiated.")
    closed_on: date | None = Field(default=None, description="Today when left out.")
    new_due: date | None = Field(default=None, description="Needed when renegotiated.")


class CommitmentOut(Schema):
    id: int
    text: str
    made_on: date
    due: date | None
    status: str
    closed_on: date | None
    person_id: int | None
    account_id: int | None
    colleague_id: int | None
    interaction_id: int | None
