"""``/healthz`` for load balancers: no sign-in, no data, only yes/no and ages."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult

from vinculo.ops.models import ScheduledJob, WorkerHeartbeat
from vinculo.web.access import AuthedHttpRequest, require_sales_operations

_migrated = False  # once the plan is empty it stays so for this process's code


def migrations_applied() -> bool:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connection)
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and every migration is applied, else 503.

    The age of the freshest worker heartbeat is reported; it fails the check only when
    ``VINCULO_HEALTHZ_WORKER_MAX_AGE`` (seconds) is set and exceeded.
    """
    body: dict[str, object] = {"database": False, "migrations": False, "worker_age_s": None}
    ok = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["database"] = True
        body["migrations"] = migrations_applied()
        ok = bool(body["migrations"])
        if ok:
            seen = WorkerHeartbeat.objects.aggregate(seen=Max("seen_at"))["seen"]
            if seen is not None:
                body["worker_age_s"] = round((timezone.now() - seen).total_seconds(), 1)
    except DatabaseError:
        ok = False
    limit = settings.VINCULO_HEALTHZ_WORKER_MAX_AGE
    if ok and limit:
        age = body["worker_age_s"]
        ok = isinstance(age, float) and age <= limit
    body["ok"] = ok
    return JsonResponse(body, status=200 if ok else 503)


@login_not_required
@require_GET
def ping(request: HttpRequest) -> JsonResponse:
    """The cheapest answer the application gives: no database, for load-test baselines."""
    return JsonResponse({"ok": True})


TASKS_SHOWN = 50

_TASK_NAMES = {
    "vinculo.ops.tasks.import_apply": gettext_lazy("Import"),
    "vinculo.ops.tasks.recompute": gettext_lazy("Full recompute"),
    "vinculo.ops.tasks.nightly_snapshot": gettext_lazy("Nightly snapshot"),
    "vinculo.ops.tasks.retention": gettext_lazy("Retention"),
}
_STATUS_NAMES = {
    "READY": gettext_lazy("Queued"),
    "RUNNING": gettext_lazy("Running"),
    "SUCCESSFUL": gettext_lazy("Done"),
    "FAILED": gettext_lazy("Failed"),
}


@require_GET
def task_list(request: AuthedHttpRequest) -> HttpResponse:
    """Sales operations: the background tasks (queued, running, finished), the workers and
    the scheduled jobs. Polled every few seconds while something is queued or running."""
    require_sales_operations(request)
    results = list(
        DBTaskResult.objects.only(
            "id", "status", "task_path", "enqueued_at", "started_at", "finished_at", "worker_ids"
        ).order_by("-enqueued_at")[:TASKS_SHOWN]
    )
    rows = [
        {
            "name": _TASK_NAMES.get(r.task_path, r.task_path.rsplit(".", 1)[-1]),
            "status": r.status.lower(),
            "status_name": _STATUS_NAMES.get(r.status, r.status),
            "enqueued_at": r.enqueued_at,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "attempts": len(r.worker_ids),
        }
        for r in results
    ]
    context = {
        "rows": rows,
        "busy": any(r.status in {"READY", "RUNNING"} for r in results),
        "workers": list(WorkerHeartbeat.objects.order_by("host", "pid")),
        "jobs": list(ScheduledJob.objects.order_by("name")),
        "nav": "imports",
    }
    template = "ops/_tasks.html" if request.htmx else "ops/tasks.html"
    return render(request, template, context)
