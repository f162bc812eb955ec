"""Interactions over the API (v1): the log, one contact, logging one, setting its level."""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.decorators import decorate_view

from vinculo import apikit
from vinculo.access import rules
from vinculo.interactions.models import Interaction
from vinculo.interactions.schemas import (
    InteractionIn,
    InteractionLevelIn,
    InteractionOut,
    InteractionPatch,
)
from vinculo.interactions.services import (
    interaction_delete,
    interaction_log,
    interaction_set_level,
    interaction_update,
)
from vinculo.people.models import Colleague, Person
from vinculo.users.api import api_user, get_many_or_invalid, require_writer
from vinculo.vocab import Channel, Level

router = Router(tags=["interactions"])

ORDERS = apikit.orders("started_at", "id")
InteractionOrdering = Enum("InteractionOrdering", {k: k for k in ORDERS}, type=str)  # type: ignore[misc]


class InteractionFilters(Schema):
    person_id: apikit.Id | None = None
    account_id: apikit.Id | None = None
    channel: Channel | None = None
    level: Level | None = None
    since: apikit.Day | None = None
    until: apikit.Day | None = None
    ordering: InteractionOrdering = InteractionOrdering("-started_at")


def _interactions(user: Any) -> Any:
    return rules.scoped(user, Interaction.objects.all()).prefetch_related(
        "person_links", "colleague_links"
    )


def _writable_people(user: Any, ids: list[int]) -> list[Person]:
    """The people named in a body, each visible (422 otherwise) and changeable (403)."""
    people = get_many_or_invalid(rules.visible_people(user), ids, "people")
    for person in people:
        if not rules.can_change_person(user, person):
            raise PermissionDenied
    return people


def _writable(user: Any, interaction_id: int) -> Interaction:
    """An interaction the caller sees (404 otherwise) and may change: they may write on
    every person who took part (403 otherwise)."""
    interaction = get_object_or_404(_interactions(user), pk=interaction_id)
    for person in Person.objects.filter(interaction_links__interaction=interaction):
        if not rules.can_change_person(user, person):
            raise PermissionDenied
    return interaction


@router.get("/interactions", response=apikit.page_of(InteractionOut))
def interaction_list(
    request: HttpRequest, filters: Query[InteractionFilters], page: Query[apikit.PageParams]
) -> dict[str, Any]:
    rows = _interactions(api_user(request))
    if filters.person_id is not None:
        rows = rows.filter(person_links__person_id=filters.person_id)
    if filters.account_id is not None:
        rows = rows.filter(account_id=filters.account_id)
    if filters.channel is not None:
        rows = rows.filter(channel=filters.channel)
    if filters.level is not None:
        rows = rows.filter(level=filters.level)
    if filters.since is not None:
        rows = rows.filter(started_at__date__gte=filters.since)
    if filters.until is not None:
        rows = rows.filter(started_at__date__lte=filters.until)
    return apikit.cursor_page(
        rows,
        order=ORDERS[filters.ordering.value],
        name="interactions",
        cursor=page.cursor,
        limit=page.limit,
    )


@router.get("/interactions/{interaction_id}", response=InteractionOut)
def interaction_detail(
    request: HttpRequest, interaction_id: apikit.Id, response: HttpResponse
) -> Interaction:
    return apikit.tagged(
        response, get_object_or_404(_interactions(api_user(request)), pk=interaction_id)
    )


@router.post("/interactions", response={201: InteractionOut})
@decorate_view(apikit.idempotent)
def interaction_add(
    request: HttpRequest,
    payload: InteractionIn,
    response: HttpResponse,
    idempotency_key: str | None = apikit.IdempotencyKey,
) -> Status[Interaction]:
    user = require_writer(request)
    people = _writable_people(user, payload.people)
    interaction = interaction_log(
        started_at=payload.started_at,
        channel=payload.channel,
        people=people,
        colleagues=get_many_or_invalid(Colleague, payload.colleagues, "colleagues"),
        duration_min=payload.duration_min,
        place=payload.place,
        direction=payload.direction,
        level=payload.level,
        summary=payload.summary,
        actor=user,
        require_our_side=True,
    )
    return apikit.created(
        request, response, get_object_or_404(_interactions(user), pk=interaction.pk)
    )


@router.post("/interactions/{interaction_id}/level", response=InteractionOut)
def interaction_level(
    request: HttpRequest,
    interaction_id: apikit.Id,
    payload: InteractionLevelIn,
    response: HttpResponse,
) -> Interaction:
    """Set the conversation level; a suggested one becomes the user's, and the pair (notes,
    level) is kept to retrain the suggestion (M5)."""
    user = require_writer(request)
    interaction = _writable(user, interaction_id)
    interaction_set_level(interaction=interaction, level=payload.level, actor=user)
    return apikit.tagged(response, get_object_or_404(_interactions(user), pk=interaction_id))


@router.patch("/interactions/{interaction_id}", response=InteractionOut)
def interaction_change(
    request: HttpRequest,
    interaction_id: apikit.Id,
    payload: InteractionPatch,
    response: HttpResponse,
    if_match: str | None = apikit.IfMatch,
) -> Interaction:
    """Correct an interaction: the same checks as logging one; who may change every
    person who took part (before and after) may change it."""
    user = require_writer(request)
    interaction = _writable(user, interaction_id)
    version = apikit.if_match_version(if_match)
    changes = payload.dict(exclude_unset=True)
    people = changes.pop("people", None)
    colleague_ids = changes.pop("colleagues", None)
    interaction_update(
        interaction=interaction,
        actor=user,
        version=version,
        people=_writable_people(user, people) if people is not None else None,
        colleagues=(
            get_many_or_invalid(Colleague, colleague_ids, "colleagues")
            if colleague_ids is not None
            else None
        ),
        require_our_side=True,
        **changes,
    )
    return apikit.tagged(response, get_object_or_404(_interactions(user), pk=interaction_id))


@router.delete("/interactions/{interaction_id}", response={204: None})
def interaction_remove(
    request: HttpRequest, interaction_id: apikit.Id, if_match: str | None = apikit.IfMatch
) -> Status[None]:
    """Delete an interaction recorded by mistake."""
    user = require_writer(request)
    interaction = _writable(user, interaction_id)
    interaction_delete(
        interaction=interaction, actor=user, version=apikit.if_match_version(if_match)
    )
    return Status(204, None)
