"""The plain functions the tasks and the scheduler run (no task machinery here)."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from typing import Any

from vinculo.health.models import HealthSnapshot
from vinculo.health.services import health_recompute


def recompute_run(
    *, as_of: dt.date, since: dt.date | None = None, every: int = 1
) -> dict[str, Any]:
    """As ``recompute_health``: each day one transaction, plays synced on the last day."""
    day = since or as_of
    days = 0
    people = accounts = 0
    while True:
        last = day >= as_of
        report = health_recompute(as_of=min(day, as_of), sync_plays=None if last else False)
        days += 1
        people, accounts = report.people, report.accounts
        if last:
            break
        day = min(as_of, day + dt.timedelta(days=every))
    return {"as_of": as_of.isoformat(), "days": days, "people": people, "accounts": accounts}


def nightly_snapshot_run(day: dt.date) -> dict[str, Any]:
    if HealthSnapshot.objects.filter(as_of=day).exists():
        return {"as_of": day.isoformat(), "skipped": True}
    return recompute_run(as_of=day)


def retention_function() -> Callable[[dt.date], Any] | None:
    """``vinculo.privacy.retention_purge(today)`` when that module is installed, else None."""
    try:
        module = importlib.import_module("vinculo.privacy")
    except ImportError:
        return None
    found = getattr(module, "retention_purge", None)
    return found if callable(found) else None


def retention_run(day: dt.date) -> dict[str, Any]:
    purge = retention_function()
    if purge is None:
        return {"day": day.isoformat(), "skipped": "vinculo.privacy.retention_purge is absent"}
    result = purge(day)
    return {"day": day.isoformat(), "result": result if isinstance(result, dict) else str(result)}
