"""Background work, through Django's task interface (``django-tasks``) and the database
queue of ``django-tasks-db``: enqueue from a request, run by ``vinculo worker``.

Every task here is safe to kill at any moment and to run again: each is one transaction
(an import, a recompute of a day) or a sequence of them that a re-run redoes to the same
end. That is what lets a worker requeue a task whose worker died.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks import task

from vinculo.ops.jobs import nightly_snapshot_run, recompute_run

IMPORT_TASK = "vinculo.ops.tasks.import_apply"


@task()
def import_apply(run_id: int, actor_id: int) -> dict[str, Any]:
    """Apply a web import (its preview was confirmed); the run row keeps the report."""
    from vinculo.capture.runs import import_run_apply

    run = import_run_apply(run_id=run_id, actor_id=actor_id)
    return {"run": run.pk, "status": run.status}


@task()
def recompute(as_of: str | None = None, since: str | None = None, every: int = 1) -> dict[str, Any]:
    """A full recompute as of a date (today by default); with ``since``, a backfill."""
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    first = dt.date.fromisoformat(since) if since else None
    return recompute_run(as_of=day, since=first, every=every)


@task()
def nightly_snapshot(day: str) -> dict[str, Any]:
    """The day's health snapshots and plays, unless they are already there."""
    return nightly_snapshot_run(dt.date.fromisoformat(day))


@task()
def retention(day: str) -> dict[str, Any]:
    """The retention purge of ``vinculo.privacy`` (scheduled only when that module has it)."""
    from vinculo.ops.jobs import retention_run

    return retention_run(dt.date.fromisoformat(day))
