"""What the API takes and gives for interactions."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from vinculo.interactions.models import Interaction
from vinculo.vocab import Direction


class InteractionIn(Schema):
    started_at: datetime
    channel: str
    people: list[int] = Field(default=[], description="Ids of the client people (their side).")
    colleagues: list[int] = Field(default=[], description="Ids of our colleagues (our side).")
    duration_min: int = 0
    place: str = ""
    direction: str = Direction.OUTBOUND.value
    level: str = ""
    summary: str = ""


class InteractionLevelIn(Schema):
    level: str = Field(description="operational, strategic, satisfaction or personal.")


class InteractionOut(Schema):
    id: int
    started_at: datetime
    duration_min: int
    channel: str
    place: str
    direction: str
    level: str
    level_suggested: bool
    summary: str
    account_id: int | None
    people: list[int]
    colleagues: list[int]

    @staticmethod
    def resolve_people(obj: Interaction) -> list[int]:
        return [link.person_id for link in obj.person_links.all()]

    @staticmethod
    def resolve_colleagues(obj: Interaction) -> list[int]:
        return [link.colleague_id for link in obj.colleague_links.all()]
