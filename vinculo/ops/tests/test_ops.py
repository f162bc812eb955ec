from __future__ import annotations

import datetime as dt
import json
import logging
import os
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from vinculo.ops import views
from vinculo.ops.logs import RequestContextFilter
from vinculo.ops.models import ScheduledJob, WorkerHeartbeat
from vinculo.ops.tasks import recompute
from vinculo.ops.worker import MAX_ATTEMPTS, requeue_orphans, scheduler_tick
from vinculo.users.models import User

pytestmark = pytest.mark.django_db

NIGHT = timezone.make_aware(dt.datetime(2026, 3, 4, 2, 30))


def test_healthz_answers_anonymous_clients_with_yes_no_and_ages_only(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "database": True,
        "migrations": True,
        "worker_age_s": None,
        "ok": True,
    }


def test_healthz_is_503_without_a_fresh_worker_when_one_is_required(
    client: Client, settings: Any
) -> None:
    settings.VINCULO_HEALTHZ_WORKER_MAX_AGE = 60
    assert client.get("/healthz").status_code == 503
    WorkerHeartbeat.objects.create(
        worker_id="w1", host="h", pid=1, started_at=timezone.now(), seen_at=timezone.now()
    )
    response = client.get("/healthz")
    assert response.status_code == 200
    assert 0 <= response.json()["worker_age_s"] < 60


def test_healthz_is_503_when_migrations_are_missing(client: Client, monkeypatch: Any) -> None:
    monkeypatch.setattr(views, "migrations_applied", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["migrations"] is False


def test_the_scheduler_enqueues_the_nightly_snapshot_once_a_day() -> None:
    assert scheduler_tick("w1", now=NIGHT - dt.timedelta(hours=1)) == []  # before 02:00
    assert scheduler_tick("w1", now=NIGHT) == ["nightly_snapshot"]
    assert scheduler_tick("w2", now=NIGHT + dt.timedelta(minutes=5)) == []
    job = ScheduledJob.objects.get(name="nightly_snapshot")
    assert (job.last_day, job.last_worker) == (dt.date(2026, 3, 4), "w1")
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "vinculo.ops.tasks.nightly_snapshot"
    assert queued.args_kwargs == {"args": [], "kwargs": {"day": "2026-03-04"}}
    # Retention (vinculo.privacy) has its own hour, 03:00, and runs once that day too.
    assert not ScheduledJob.objects.filter(name="retention").exists()
    assert scheduler_tick("w2", now=NIGHT + dt.timedelta(hours=1)) == ["retention"]
    assert scheduler_tick("w1", now=NIGHT + dt.timedelta(hours=2)) == []
    assert DBTaskResult.objects.filter(task_path="vinculo.ops.tasks.retention").count() == 1


def _running(worker_ids: list[str]) -> DBTaskResult:
    result = recompute.enqueue()
    row = DBTaskResult.objects.get(pk=result.id)
    row.status = "RUNNING"
    row.worker_ids = worker_ids
    row.started_at = timezone.now() - dt.timedelta(minutes=10)
    row.save()
    return row


def test_a_task_whose_worker_died_is_queued_again_then_failed_after_three_tries() -> None:
    import socket

    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="alive", host=socket.gethostname(), pid=os.getpid(), started_at=now, seen_at=now
    )
    WorkerHeartbeat.objects.create(
        worker_id="dead", host=socket.gethostname(), pid=2**22 + 7, started_at=now, seen_at=now
    )
    alive = _running(["alive"])
    orphan = _running(["dead"])
    worn = _running(["gone"] * MAX_ATTEMPTS)
    assert requeue_orphans(dt.timedelta(seconds=120)) == 2
    statuses = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert statuses == {alive.pk: "RUNNING", orphan.pk: "READY", worn.pk: "FAILED"}
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {"alive"}


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_queued_recompute() -> None:
    from django.core.management import call_command

    result = recompute.enqueue(as_of="2026-03-04")
    call_command("worker", "--batch", "--no-scheduler", "--heartbeat", "60", verbosity=0)
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "SUCCESSFUL"
    assert row.return_value == {"as_of": "2026-03-04", "days": 1, "people": 0, "accounts": 0}
    assert not WorkerHeartbeat.objects.exists()  # removed when the worker stopped


def test_the_tasks_page_is_for_sales_operations_in_spanish(
    client: Client, admin_user: User
) -> None:
    recompute.enqueue()
    client.force_login(admin_user)
    text = client.get(reverse("ops:tasks")).content.decode()
    assert "Tareas en segundo plano" in text
    assert "Recálculo completo" in text and "En cola" in text
    assert "Ningún worker está en marcha" in text
    assert 'hx-trigger="every 2s"' in text
    viewer = User.objects.create_user("v", password="x", role="viewer")
    client.force_login(viewer)
    assert client.get(reverse("ops:tasks")).status_code == 403


def test_each_request_is_logged_as_one_json_line_with_its_id(
    client: Client, admin_user: User, caplog: Any
) -> None:
    from pythonjsonlogger.json import JsonFormatter

    client.force_login(admin_user)
    with caplog.at_level(logging.INFO, logger="vinculo.request"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    (record,) = [r for r in caplog.records if r.name == "vinculo.request"]
    RequestContextFilter().filter(record)
    line = json.loads(
        JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s").format(record)
    )
    assert line["request_id"] == "abc-123"
    assert line["user_id"] == admin_user.pk
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert line["duration_ms"] >= 0
