"""Run as a script: N threads log interactions at once through the real service.

Prints ``{"ok": n, "errors": [...]}``; used by test_reliability and by the load test's
SQLite check (benchmarks/load)."""

import json
import os
import sys
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vinculo.settings")
import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from vinculo.interactions.services import interaction_log  # noqa: E402
from vinculo.people.models import Person  # noqa: E402
from vinculo.users.models import User  # noqa: E402


def main(threads: int, each: int) -> None:
    people = list(Person.objects.order_by("pk")[:threads])
    actor = User.objects.order_by("pk").first()
    ok: list[int] = []
    errors: list[str] = []
    barrier = threading.Barrier(threads)
    import time

    began = time.monotonic()

    def write(index: int) -> None:
        try:
            barrier.wait()
            for n in range(each):
                interaction_log(
                    started_at=timezone.now(),
                    channel="call",
                    people=[people[index % len(people)]],
                    summary=f"writer {index} call {n}",
                    actor=actor,
                )
                ok.append(1)
        except Exception as error:
            import time
            import traceback

            frames = traceback.extract_tb(error.__traceback__)
            where = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in frames][-12:]
            errors.append(
                f"{time.monotonic() - began:.1f}s {type(error).__name__}: {error} {where}"
            )
        finally:
            connection.close()

    workers = [threading.Thread(target=write, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps({"ok": len(ok), "errors": errors[:10], "error_count": len(errors)}))


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 40, int(sys.argv[2]) if len(sys.argv) > 2 else 5
    )
