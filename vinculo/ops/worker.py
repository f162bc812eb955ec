"""The worker's housekeeping: its heartbeat, requeueing the tasks of dead workers, and the
scheduler (nightly snapshot, retention) — run in a thread beside the queue worker of
``django-tasks-db``, which claims tasks with ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL (and one writer at a time on SQLite)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from vinculo.ops.models import ScheduledJob, WorkerHeartbeat

logger = logging.getLogger("vinculo.worker")

# A task claimed this many times (its workers died under it) is failed, not requeued.
MAX_ATTEMPTS = 3


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def heartbeat(worker_id: str, started_at: dt.datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": timezone.now(),
        },
    )


def dead_workers(stale_after: dt.timedelta) -> set[str]:
    """Workers known dead: a process gone on this host, or silent for ``stale_after``."""
    host = socket.gethostname()
    cutoff = timezone.now() - stale_after
    dead: set[str] = set()
    for worker_id, their_host, pid, seen_at in WorkerHeartbeat.objects.values_list(
        "worker_id", "host", "pid", "seen_at"
    ):
        if (their_host == host and not _pid_alive(pid)) or seen_at < cutoff:
            dead.add(worker_id)
    return dead


def requeue_orphans(stale_after: dt.timedelta) -> int:
    """Put back in the queue the running tasks whose worker died (every task here can be
    run again); a task that has already killed ``MAX_ATTEMPTS`` workers is failed."""
    dead = dead_workers(stale_after)
    known = set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))
    moved = 0
    with transaction.atomic():
        running = DBTaskResult.objects.running().select_for_update(skip_locked=True)
        for result in running:
            last = result.worker_ids[-1] if result.worker_ids else ""
            if last in known and last not in dead:
                continue
            if (
                last not in known
                and result.started_at
                and (result.started_at > timezone.now() - stale_after)
            ):
                continue  # a worker that has not written its first heartbeat yet
            if len(result.worker_ids) >= MAX_ATTEMPTS:
                result.set_failed(RuntimeError(f"its worker died {len(result.worker_ids)} times"))
            else:
                result.status = "READY"
                result.save(update_fields=["status"])
                logger.warning("task %s requeued: worker %s died", result.id, last)
            moved += 1
        WorkerHeartbeat.objects.filter(worker_id__in=dead).delete()
    return moved


@dataclass(frozen=True)
class Job:
    name: str
    hour: int  # local hour from which the day's run is due
    enqueue: Callable[[dt.date], object]
    available: Callable[[], bool] = lambda: True


def _nightly(day: dt.date) -> object:
    from vinculo.ops.tasks import nightly_snapshot

    return nightly_snapshot.enqueue(day=day.isoformat())


def _retention(day: dt.date) -> object:
    from vinculo.ops.tasks import retention

    return retention.enqueue(day=day.isoformat())


def _retention_available() -> bool:
    from vinculo.ops.jobs import retention_function

    return retention_function() is not None


def schedule() -> list[Job]:
    return [
        Job("nightly_snapshot", settings.VINCULO_NIGHTLY_HOUR, _nightly),
        Job("retention", settings.VINCULO_RETENTION_HOUR, _retention, _retention_available),
    ]


def scheduler_tick(worker_id: str, now: dt.datetime | None = None) -> list[str]:
    """Enqueue each job due today and not yet enqueued today; returns their names.

    The job's row is locked (``SELECT … FOR UPDATE``; on SQLite the immediate transaction
    is the lock) and re-read, so two workers ticking at once enqueue it once.
    """
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    enqueued: list[str] = []
    for job in schedule():
        if now.hour < job.hour or not job.available():
            continue
        ScheduledJob.objects.get_or_create(name=job.name)
        with transaction.atomic():
            row = ScheduledJob.objects.select_for_update().get(name=job.name)
            if row.last_day is not None and row.last_day >= today:
                continue
            job.enqueue(today)
            row.last_day = today
            row.last_enqueued_at = timezone.now()
            row.last_worker = worker_id
            row.save(update_fields=["last_day", "last_enqueued_at", "last_worker"])
        enqueued.append(job.name)
    return enqueued


class Housekeeper(threading.Thread):
    """Every ``every`` seconds: heartbeat, requeue orphans, scheduler tick."""

    def __init__(
        self, worker_id: str, *, every: float, stale_after: dt.timedelta, scheduler: bool
    ) -> None:
        super().__init__(name=f"housekeeper-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.every = every
        self.stale_after = stale_after
        self.scheduler = scheduler
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def tick(self) -> None:
        close_old_connections()
        try:
            heartbeat(self.worker_id, self.started_at)
            requeue_orphans(self.stale_after)
            if self.scheduler:
                for name in scheduler_tick(self.worker_id):
                    logger.info("scheduled job %s enqueued", name)
        except DatabaseError as error:  # SQLite busy with a long import: next time
            logger.info("housekeeping skipped: %s", error)

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                self.tick()
                self.stopping.wait(self.every)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        with contextlib.suppress(DatabaseError):
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
