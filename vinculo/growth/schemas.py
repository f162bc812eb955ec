"""What the API takes and gives for product lines, holdings, concessions and value items."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from vinculo.apikit import Day, LongText, Money, Percent, Ref, Str200, Str300
from vinculo.growth.checks import FIRST_YEAR, LAST_YEAR
from vinculo.vocab import ConcessionKind, ValueKind


class ProductLineOut(Schema):
    id: int
    name: str


class HoldingIn(Schema):
    account_id: Ref
    product_line_id: Ref
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, strict=True)
    revenue: Money


class HoldingPatch(Schema):
    revenue: Money = None  # type: ignore[assignment]


class HoldingOut(Schema):
    id: int
    account_id: int
    product_line_id: int
    year: int
    revenue: float
    version: int


class ConcessionIn(Schema):
    account_id: Ref
    person_id: Ref | None = None
    granted_on: Day | None = Field(default=None, description="Today when left out.")
    kind: ConcessionKind
    size_pct: Percent | None = None
    amount: Money | None = None
    policy: Str300 = ""
    reason: LongText = ""
    approved_by: Str200 = ""


class ConcessionPatch(Schema):
    granted_on: Day = None  # type: ignore[assignment]
    kind: ConcessionKind = None  # type: ignore[assignment]
    size_pct: Percent | None = None
    amount: Money | None = None
    policy: Str300 = None  # type: ignore[assignment]
    reason: LongText = None  # type: ignore[assignment]
    approved_by: Str200 = None  # type: ignore[assignment]


class ConcessionOut(Schema):
    id: int
    account_id: int
    person_id: int | None
    granted_on: dt.date
    kind: ConcessionKind
    size_pct: float | None
    amount: float | None
    policy: str
    reason: str
    approved_by: str
    version: int


class ValueItemIn(Schema):
    account_id: Ref
    person_id: Ref | None = None
    date: Day | None = Field(default=None, description="Today when left out.")
    kind: ValueKind
    amount: Money | None = None
    evidence: LongText = ""
    communicated_on: Day | None = None


class ValueItemPatch(Schema):
    date: Day = None  # type: ignore[assignment]
    kind: ValueKind = None  # type: ignore[assignment]
    amount: Money | None = None
    evidence: LongText = None  # type: ignore[assignment]
    communicated_on: Day | None = None


class ValueItemOut(Schema):
    id: int
    account_id: int
    person_id: int | None
    date: dt.date
    kind: ValueKind
    amount: float | None
    evidence: str
    communicated_on: dt.date | None
    version: int
