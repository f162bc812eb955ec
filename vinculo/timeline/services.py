"""Writing timeline events. Every service that changes a person or account calls this."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from vinculo.people.models import Account, Person
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import User


def event_record(
    *,
    kind: EventKind,
    person: Person | None = None,
    account: Account | None = None,
    actor: User | None = None,
    occurred_at: datetime | None = None,
    data: Mapping[str, Any] | None = None,
) -> TimelineEvent:
    return TimelineEvent.objects.create(
        kind=kind,
        person=person,
        account=account,
        actor=actor if actor is not None and actor.is_authenticated else None,
        occurred_at=occurred_at or timezone.now(),
        data=dict(data or {}),
    )
