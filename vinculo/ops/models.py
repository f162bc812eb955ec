"""What the workers leave behind: their heartbeats and the last run of each scheduled job."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per ``vinculo worker`` process, refreshed every few seconds while it lives.

    ``/healthz`` reports the age of the freshest one; a worker finding a task *running*
    under a worker whose heartbeat stopped (or whose process is gone on this host) puts the
    task back in the queue (every task here is safe to run again).
    """

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    host = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started"))
    seen_at = models.DateTimeField(_("last sign of life"), db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"


class ScheduledJob(models.Model):
    """The last day a scheduled job (nightly snapshot, retention) was enqueued.

    The worker's scheduler locks this row before enqueueing, so with any number of workers
    each job is enqueued once a day.
    """

    name = models.CharField(_("job"), max_length=64, unique=True)
    last_day = models.DateField(_("last day enqueued"), null=True, blank=True)
    last_enqueued_at = models.DateTimeField(_("last enqueued"), null=True, blank=True)
    last_worker = models.CharField(_("enqueued by"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self) -> str:
        return self.name
