"""What the API takes and gives for interactions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from vinculo.apikit import MAX_LIST, Duration, LongText, Ref, Str200, When
from vinculo.interactions.models import Interaction
from vinculo.vocab import Channel, Direction, Level, Source


class InteractionIn(Schema):
    started_at: When
    channel: Channel
    people: list[Ref] = Field(
        default=[], max_length=MAX_LIST, description="Ids of the client people (their side)."
    )
    colleagues: list[Ref] = Field(
        default=[], max_length=MAX_LIST, description="Ids of our colleagues (our side)."
    )
    duration_min: Duration = 0
    place: Str200 = ""
    direction: Direction = Direction.OUTBOUND
    level: Level | Literal[""] = Field(
        default="", description="Left empty, it is suggested from the summary."
    )
    summary: LongText = ""


class InteractionPatch(Schema):
    """Only the fields sent change; ``people`` or ``colleagues``, when sent, replace who
    took part on that side. A ``level`` sent is the user's; left empty, it is suggested."""

    started_at: When = None  # type: ignore[assignment]
    channel: Channel = None  # type: ignore[assignment]
    people: list[Ref] = Field(
        default=None,  # type: ignore[arg-type]
        max_length=MAX_LIST,
        description="Ids of the client people (their side).",
    )
    colleagues: list[Ref] = Field(
        default=None,  # type: ignore[arg-type]
        max_length=MAX_LIST,
        description="Ids of our colleagues (our side).",
    )
    duration_min: Duration = None  # type: ignore[assignment]
    place: Str200 = None  # type: ignore[assignment]
    direction: Direction = None  # type: ignore[assignment]
    level: Level | Literal[""] = Field(
        default=None,  # type: ignore[arg-type]
        description="Empty: suggested from the summary.",
    )
    summary: LongText = None  # type: ignore[assignment]


class InteractionLevelIn(Schema):
    level: Level


class InteractionOut(Schema):
    id: int
    started_at: datetime
    duration_min: int
    channel: Channel
    place: str
    direction: Direction
    level: Level | Literal[""]
    level_suggested: bool
    summary: str
    source: Source
    account_id: int | None
    people: list[int]
    colleagues: list[int]
    version: int

    @staticmethod
    def resolve_people(obj: Interaction) -> list[int]:
        return [link.person_id for link in obj.person_links.all()]

    @staticmethod
    def resolve_colleagues(obj: Interaction) -> list[int]:
        return [link.colleague_id for link in obj.colleague_links.all()]
