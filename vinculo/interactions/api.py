"""Logging interactions over the API."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from vinculo.interactions.models import Interaction
from vinculo.interactions.schemas import InteractionIn, InteractionLevelIn, InteractionOut
from vinculo.interactions.services import interaction_log, interaction_set_level
from vinculo.people.models import Colleague, Person
from vinculo.users.api import get_many_or_invalid, require_writer

router = Router(tags=["interactions"])


@router.post("", response={201: InteractionOut})
def interaction_add(request: HttpRequest, payload: InteractionIn) -> Status[Interaction]:
    user = require_writer(request)
    interaction = interaction_log(
        started_at=payload.started_at,
        channel=payload.channel,
        people=get_many_or_invalid(Person, payload.people, "people"),
        colleagues=get_many_or_invalid(Colleague, payload.colleagues, "colleagues"),
        duration_min=payload.duration_min,
        place=payload.place,
        direction=payload.direction,
        level=payload.level,
        summary=payload.summary,
        actor=user,
    )
    return Status(201, interaction)


@router.post("/{interaction_id}/level", response=InteractionOut)
def interaction_level(
    request: HttpRequest, interaction_id: int, payload: InteractionLevelIn
) -> Interaction:
    """Set the conversation level; a suggested one becomes the user's, and the pair (notes,
    level) is kept to retrain the suggestion (M5)."""
    user = require_writer(request)
    interaction = get_object_or_404(Interaction, pk=interaction_id)
    return interaction_set_level(interaction=interaction, level=payload.level, actor=user)
