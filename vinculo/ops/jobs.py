"""The plain functions the tasks and the scheduler run (no task machinery here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vinculo.audit.context import acting_keep_user
from vinculo.audit.faces import Face
from vinculo.audit.services import audit_health_recompute
from vinculo.health.models import HealthSnapshot
from vinculo.health.services import health_recompute


def recompute_run(
    *, as_of: dt.date, since: dt.date | None = None, every: int = 1
) -> dict[str, Any]:
    """As ``recompute_health``: each day one transaction, plays synced on the last day;
    the task face in the audit trail, with one summary entry for the run."""
    day = since or as_of
    days = 0
    people = accounts = 0
    with acting_keep_user(Face.TASK):
        while True:
            last = day >= as_of
            report = health_recompute(as_of=min(day, as_of), sync_plays=None if last else False)
            days += 1
            people, accounts = report.people, report.accounts
            if last:
                break
            day = min(as_of, day + dt.timedelta(days=every))
        audit_health_recompute(
            as_of=as_of, since=since, days=days, people=people, accounts=accounts
        )
    return {"as_of": as_of.isoformat(), "days": days, "people": people, "accounts": accounts}


def nightly_snapshot_run(day: dt.date) -> dict[str, Any]:
    if HealthSnapshot.objects.filter(as_of=day).exists():
        return {"as_of": day.isoformat(), "skipped": True}
    return recompute_run(as_of=day)


def retention_run(day: dt.date) -> dict[str, Any]:
    """The personal-data retention purge of docs/privacy.md, as a scheduled job."""
    from vinculo.privacy.services import retention_purge

    return {"day": day.isoformat(), "purged": retention_purge(day)}
