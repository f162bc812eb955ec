"""Writes to the trail that the signals cannot see: one summary entry per set-based write."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils import timezone

from vinculo.audit.context import current
from vinculo.audit.models import Action, AuditEntry


def audit_bulk(
    *,
    model: str,
    label: str,
    counts: Mapping[str, Any],
    object_id: str = "",
    person_id: int | None = None,
    account_id: int | None = None,
) -> AuditEntry:
    """One entry for a write of many rows at once (an import run, a recompute, a purge):
    ``model`` names what was written (e.g. ``capture.ImportRun``), ``label`` the run (a
    file name), ``counts`` what it did. No row's values are copied here."""
    acting = current()
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=acting.actor(),
        face=acting.face,
        model=model,
        object_id=object_id,
        object_repr=label[:200],
        action=Action.BULK,
        changes={"counts": dict(counts)},
        person_id=person_id,
        account_id=account_id,
    )


def audit_health_recompute(
    *, as_of: date, since: date | None, days: int, people: int, accounts: int
) -> AuditEntry:
    """The one summary entry of a full health recompute (the ``recompute_health`` command,
    the ``recompute`` and nightly tasks): who, through which face and when come from the
    acting context, as for an import; the counts are the run's days and the people and
    accounts of its last day. The snapshots themselves are derived data, not audited."""
    first = since or as_of
    label = f"recompute_health {as_of}" if first == as_of else f"recompute_health {first}…{as_of}"
    return audit_bulk(
        model="health.HealthRun",
        label=label,
        counts={
            "from": first.isoformat(),
            "as_of": as_of.isoformat(),
            "days": days,
            "people": people,
            "accounts": accounts,
        },
    )
