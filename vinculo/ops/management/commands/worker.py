"""``vinculo worker``: run the queued tasks; any number of them, on any number of machines
sharing the PostgreSQL database (on SQLite, on the machine that holds the file)."""

from __future__ import annotations

import datetime as dt
import logging
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from vinculo.ops.worker import Housekeeper

logger = logging.getLogger("vinculo.worker")


class Command(BaseCommand):
    help = (
        "Run background tasks (imports, recomputes, the nightly snapshot, retention) from the "
        "database queue, with a heartbeat, the requeueing of tasks whose worker died, and the "
        "scheduler of the nightly jobs (once per day whatever the number of workers)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--queue-name", default="*", help="queues, comma separated (all)")
        parser.add_argument("--interval", type=float, default=1.0, help="idle poll, seconds")
        parser.add_argument("--batch", action="store_true", help="exit when the queue is empty")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--worker-id", default="")
        parser.add_argument("--no-scheduler", action="store_true", help="do not schedule jobs")
        parser.add_argument("--heartbeat", type=float, default=5.0, help="seconds (5)")
        parser.add_argument(
            "--stale-after",
            type=float,
            default=120.0,
            help="seconds without heartbeat after which a worker counts as dead (120)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not logging.getLogger("django_tasks_db").handlers and options["verbosity"] > 0:
            for name in ("django_tasks_db", "django_tasks", "vinculo.worker"):
                log = logging.getLogger(name)
                log.setLevel(logging.INFO)
        worker_id = options["worker_id"] or get_random_string(32)
        housekeeper = Housekeeper(
            worker_id,
            every=options["heartbeat"],
            stale_after=dt.timedelta(seconds=options["stale_after"]),
            scheduler=not options["no_scheduler"],
        )
        housekeeper.tick()  # heartbeat before the first claim
        housekeeper.start()
        worker = Worker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=not options["batch"],
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            housekeeper.stop()
