"""Writes to the trail that the signals cannot see: one summary entry per set-based write."""

from __future__ import annotations

from collections.abc import Mapping
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
