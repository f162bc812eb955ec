"""Plays have a current life; history is snapshots. Owners; play actions by an actor."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import translation

from vinculo.factories import TeamFactory, UserFactory
from vinculo.health.models import HealthSnapshot, Play, PlayKind, PlayStatus
from vinculo.health.services import health_recompute, play_dismiss, play_done, play_snooze
from vinculo.health.tests.stories import AS_OF, Story, days_before
from vinculo.people.models import Colleague
from vinculo.people.services import contact_plan_set
from vinculo.timeline.models import EventKind, TimelineEvent
from vinculo.users.models import Role

FIELDS = (
    "kind",
    "person_id",
    "account_id",
    "fingerprint",
    "facts",
    "owner_id",
    "status",
    "due",
    "snoozed_until",
    "raised_on",
)


def play_rows() -> list[tuple[Any, ...]]:
    return sorted(
        (tuple(row) for row in Play.objects.values_list(*FIELDS)), key=lambda row: repr(row)
    )


def overdue_story() -> Story:
    """Ana's cadence is 30 days and the last contact was 40 days before AS_OF."""
    s = Story.new("Ciclo")
    ana = s.person("Ana")
    s.colleague("Luis")
    s.talk(days_before(40), ["Luis"], ["Ana"])
    contact_plan_set(person=ana, every_days=30)
    return s


@pytest.mark.django_db
def test_a_past_date_writes_snapshots_and_leaves_todays_plays_alone() -> None:
    # Given plays synced as of AS_OF (the newest date computed)
    s = overdue_story()
    health_recompute(as_of=AS_OF)
    before = play_rows()
    assert [row[0] for row in before].count(PlayKind.CADENCE_OVERDUE) == 1

    # When the history of a date when Ana was not yet overdue is computed
    out = io.StringIO()
    call_command("recompute_health", "--as-of", days_before(20).isoformat(), stdout=out)

    # Then that day's snapshot is there, and the plays are exactly as they were
    assert out.getvalue() == (
        f"as of {days_before(20)}: 1 people, 1 accounts; plays unchanged (history only)\n"
    )
    snapshot = HealthSnapshot.objects.get(person=s.people["Ana"], as_of=days_before(20))
    assert snapshot.components["cadence"]["facts"]["days_since"] == 20
    assert play_rows() == before
    # and a backfill of the past ending before the newest date does not touch them either
    call_command(
        "recompute_health",
        "--from",
        days_before(60).isoformat(),
        "--as-of",
        days_before(10).isoformat(),
        "--every",
        "7",
        stdout=io.StringIO(),
    )
    assert play_rows() == before
    # and the current date run again changes nothing
    assert health_recompute(as_of=AS_OF).plays == {
        "raised": 0,
        "updated": 0,
        "reopened": 0,
        "closed": 0,
    }
    assert play_rows() == before


@pytest.mark.django_db
def test_a_backfill_syncs_plays_only_on_its_last_day() -> None:
    overdue_story()
    out = io.StringIO()
    call_command(
        "recompute_health",
        "--from",
        days_before(14).isoformat(),
        "--as-of",
        AS_OF.isoformat(),
        "--every",
        "7",
        stdout=out,
    )
    assert out.getvalue().splitlines() == [
        "as of 2026-06-16: 1 people, 1 accounts; plays unchanged (history only)",
        "as of 2026-06-23: 1 people, 1 accounts; plays unchanged (history only)",
        "as of 2026-06-30: 1 people, 1 accounts; raised 3, updated 0, reopened 0, closed 0",
    ]
    assert sorted(Play.objects.values_list("kind", "raised_on")) == [
        (PlayKind.BOW_TIE, AS_OF),
        (PlayKind.CADENCE_OVERDUE, AS_OF),
        (PlayKind.NO_INITIATIVE, AS_OF),
    ]
    play = Play.objects.get(kind=PlayKind.CADENCE_OVERDUE, person__isnull=False)
    assert play.facts["days_since"] == 40


def _vinculo(var: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "vinculo", *args]


def _env(var: Path) -> dict[str, str]:
    return os.environ | {"VINCULO_VAR_DIR": str(var), "DATABASE_URL": "", "PYTHONUNBUFFERED": "1"}


def _run(var: Path, *args: str) -> str:
    done = subprocess.run(
        _vinculo(var, *args), env=_env(var), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _plays_in(var: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(var / "vinculo.sqlite3") as db:
        rows = db.execute(
            "SELECT kind, person_id, account_id, fingerprint, facts, owner_id, status, due,"
            " snoozed_until, raised_on FROM health_play"
        ).fetchall()
    return sorted(rows, key=repr)


def _snapshots_in(var: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(var / "vinculo.sqlite3") as db:
        rows = db.execute(
            "SELECT as_of, person_id, account_id, overall, band, components"
            " FROM health_healthsnapshot"
        ).fetchall()
    return sorted(rows, key=repr)


def test_a_backfill_killed_and_run_again_ends_with_the_same_plays(tmp_path: Path) -> None:
    """A real process on a real SQLite file, killed with SIGKILL in the middle."""
    base, whole, killed = tmp_path / "base", tmp_path / "whole", tmp_path / "killed"
    base.mkdir()
    _run(base, "migrate", "-v0")
    _run(base, "seed_demo", "--accounts", "3", "--as-of", "2026-06-30", "--no-progress")
    # Plays as of an earlier current date, so the backfill starts from a lived-in state.
    _run(base, "recompute_health", "--as-of", "2026-04-30")
    with sqlite3.connect(base / "vinculo.sqlite3") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for target in (whole, killed):
        target.mkdir()
        shutil.copy(base / "vinculo.sqlite3", target / "vinculo.sqlite3")
        shutil.copy(base / "secret_key", target / "secret_key")
    backfill = ("recompute_health", "--from", "2026-05-01", "--as-of", "2026-06-30", "--every", "7")

    _run(whole, *backfill)

    process = subprocess.Popen(
        _vinculo(killed, *backfill),
        env=_env(killed),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(3)]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert all("history only" in line for line in lines), lines
    assert _plays_in(killed) == _plays_in(base)  # killed mid-way: plays not touched yet

    _run(killed, *backfill)

    plays = _plays_in(killed)
    assert plays == _plays_in(whole)
    assert plays != _plays_in(base)  # the last day did sync
    assert _snapshots_in(killed) == _snapshots_in(whole)


# --- owners -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_play_has_an_owner_account_then_person_then_team_manager_then_admin() -> None:
    team = TeamFactory()
    manager = UserFactory(role=Role.MANAGER, team=team)
    admin = UserFactory(role=Role.ADMIN)
    account_owner_user = UserFactory()
    person_owner_user = UserFactory()
    account_owner = Colleague.objects.create(name="Olga", user=account_owner_user)
    person_owner = Colleague.objects.create(name="Pepe", user=person_owner_user)
    no_user_in_team = Colleague.objects.create(name="Tere", team=team)

    def story(name: str, account_owner: Colleague | None, person_owner: Colleague | None) -> int:
        s = Story.new(name)
        s.account.owner = account_owner
        s.account.save()
        ana = s.person(f"Ana {name}")
        ana.owner = person_owner
        ana.save()
        s.colleague("Luis")
        s.talk(days_before(40), ["Luis"], [f"Ana {name}"])
        contact_plan_set(person=ana, every_days=30)
        return ana.pk

    both = story("Ambos", account_owner, person_owner)
    person_only = story("Persona", None, person_owner)
    team_only = story("Equipo", no_user_in_team, None)
    nobody = story("Nadie", None, None)

    health_recompute(as_of=AS_OF)

    owners = dict(
        Play.objects.filter(kind=PlayKind.CADENCE_OVERDUE).values_list("person_id", "owner_id")
    )
    assert owners == {
        both: account_owner_user.pk,
        person_only: person_owner_user.pk,
        team_only: manager.pk,
        nobody: admin.pk,
    }
    assert not Play.objects.filter(owner__isnull=True).exists()


# --- actions --------------------------------------------------------------------------------


@pytest.fixture
def open_play(db: None) -> Play:
    overdue_story()
    health_recompute(as_of=AS_OF)
    return Play.objects.get(kind=PlayKind.CADENCE_OVERDUE)


def test_done_records_who_closed_it_on_the_timeline(open_play: Play) -> None:
    user = UserFactory()
    play = play_done(play=open_play, actor=user)
    assert play.status == PlayStatus.DONE
    [event] = TimelineEvent.objects.filter(kind=EventKind.PLAY_DONE)
    assert (event.person_id, event.actor_id, event.data) == (
        open_play.person_id,
        user.pk,
        {"play": open_play.pk, "play_kind": "cadence_overdue"},
    )


def test_a_closed_play_cannot_be_closed_again_and_says_so_in_spanish(open_play: Play) -> None:
    user = UserFactory()
    play_done(play=open_play, actor=user)
    with translation.override("es"), pytest.raises(ValidationError) as error:
        play_dismiss(play=open_play, reason="Ya no aplica", actor=user)
    assert error.value.messages == ["Esta alerta ya está cerrada."]
    assert Play.objects.get(pk=open_play.pk).dismissed_reason == ""
    assert TimelineEvent.objects.filter(kind=EventKind.PLAY_DISMISSED).count() == 0


def test_snooze_and_dismiss_leave_events_with_their_details(open_play: Play) -> None:
    user = UserFactory()
    until = AS_OF + dt.timedelta(days=7)
    play_snooze(play=open_play, until=until, actor=user, today=AS_OF)
    play_dismiss(play=open_play, reason="  De baja  ", actor=user)
    events = {
        e.kind: e.data
        for e in TimelineEvent.objects.filter(
            kind__in=[EventKind.PLAY_SNOOZED, EventKind.PLAY_DISMISSED]
        )
    }
    assert events == {
        EventKind.PLAY_SNOOZED: {
            "play": open_play.pk,
            "play_kind": "cadence_overdue",
            "until": "2026-07-07",
        },
        EventKind.PLAY_DISMISSED: {
            "play": open_play.pk,
            "play_kind": "cadence_overdue",
            "reason": "De baja",
        },
    }
    assert Play.objects.get(pk=open_play.pk).status == PlayStatus.DISMISSED


def test_a_viewer_cannot_act_on_a_play(open_play: Play) -> None:
    viewer = UserFactory(role=Role.VIEWER)
    with translation.override("es"), pytest.raises(PermissionDenied) as error:
        play_done(play=open_play, actor=viewer)
    assert str(error.value) == "No puedes cambiar alertas."
    assert Play.objects.get(pk=open_play.pk).status == PlayStatus.OPEN
    assert not TimelineEvent.objects.filter(kind=EventKind.PLAY_DONE).exists()


@pytest.mark.django_db
def test_an_open_play_left_without_owner_gets_one_at_the_next_sync() -> None:
    # Given a play raised before owners were always set (stored as it was then)
    admin = UserFactory(role=Role.ADMIN)
    overdue_story()
    health_recompute(as_of=AS_OF)
    Play.objects.update(owner=None)
    # When the plays are synced again
    report = health_recompute(as_of=AS_OF)
    # Then every open play has an owner, and only that changed
    assert set(Play.objects.values_list("owner_id", flat=True)) == {admin.pk}
    assert report.plays == {"raised": 0, "updated": 3, "reopened": 0, "closed": 0}
