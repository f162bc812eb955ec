"""The full run's bulk write paths (issue 16) store exactly what the row-by-row paths do.

On PostgreSQL a full run stages its snapshots and new plays with COPY (from
``COPY_FROM`` rows); a small demo stays under that bound, so these tests lower it and
compare every stored field with a run that does not use it. They also pin that a second
run of the same day writes no snapshot (the day's rows already hold the same health).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from vinculo.demo.generator import seed_demo
from vinculo.health import lifecycle, services
from vinculo.health.compute import compute
from vinculo.health.facts import coverage_pairs
from vinculo.health.models import HealthRun, HealthSnapshot, Play
from vinculo.health.services import health_recompute, snapshots_store

AS_OF = dt.date(2026, 11, 23)


def _snapshots() -> list[tuple[Any, ...]]:
    return list(
        HealthSnapshot.objects.order_by("as_of", "person_id", "account_id").values_list(
            "as_of", "person_id", "account_id", "overall", "band", "components", "digest"
        )
    )


def _plays() -> list[tuple[Any, ...]]:
    return list(
        Play.objects.order_by("kind", "person_id", "account_id").values_list(
            "kind", "person_id", "account_id", "fingerprint", "facts", "owner_id", "status",
            "due", "snoozed_until", "dismissed_reason", "raised_on",
        )
    )  # fmt: skip


def _reset() -> None:
    HealthSnapshot.objects.all().delete()
    HealthRun.objects.all().delete()
    Play.objects.all().delete()


@pytest.mark.django_db
def test_copy_paths_store_the_same_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    seed_demo(accounts=6, seed=3, as_of=AS_OF)
    _reset()
    monkeypatch.setattr(services, "COPY_FROM", 10**9)
    monkeypatch.setattr(lifecycle, "COPY_FROM", 10**9)
    health_recompute(as_of=AS_OF, sync_plays=True)
    snapshots, plays = _snapshots(), _plays()
    assert len(snapshots) > 10 and len(plays) > 3  # else the comparison says little

    _reset()
    monkeypatch.setattr(services, "COPY_FROM", 1)
    monkeypatch.setattr(lifecycle, "COPY_FROM", 1)
    health_recompute(as_of=AS_OF, sync_plays=True)
    assert _snapshots() == snapshots
    assert _plays() == plays


@pytest.mark.django_db
def test_a_second_run_of_the_day_writes_no_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    seed_demo(accounts=3, seed=5, as_of=AS_OF)
    health_recompute(as_of=AS_OF, sync_plays=False)
    before = _snapshots()
    result = compute(AS_OF)
    # A few subjects (an incremental update) upsert their rows again, the same.
    assert snapshots_store(result) > 0
    assert _snapshots() == before
    # Many (a full run: from COPY_FROM subjects) read the day's rows and skip equal ones.
    monkeypatch.setattr(services, "COPY_FROM", 1)
    assert snapshots_store(result) == 0
    assert _snapshots() == before


@pytest.mark.django_db
def test_a_full_run_reads_the_coverage_pairs_of_each_account_as_a_chunk_does() -> None:
    seed_demo(accounts=4, seed=9, as_of=AS_OF)
    everyone = coverage_pairs(AS_OF, None, 180)
    for account_id, pairs in everyone.items():
        assert coverage_pairs(AS_OF, [account_id], 180) == {account_id: pairs}
    assert everyone
