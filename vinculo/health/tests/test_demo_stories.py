"""The engine's conclusions on the demo set's scripted stories (demo/generator.py STORIES)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import translation

from vinculo.demo.generator import STORIES, STORY_PEOPLE
from vinculo.health.insights import insights

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def demo() -> dict[str, dict[str, object]]:
    call_command(
        "seed_demo", "--accounts", str(len(STORIES)), "--as-of", AS_OF.isoformat(),
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    with translation.override("en"):
        data = insights(AS_OF)
    subjects: dict[str, dict[str, object]] = {a["key"]: a for a in data["accounts"]}
    subjects.update({p["key"]: p for p in data["people"]})
    return subjects


def kinds(row: dict[str, object]) -> set[str]:
    return {p["kind"] for p in row["plays"]}  # type: ignore[attr-defined, index]


def people_plays_at(demo: dict[str, dict[str, object]], account: str) -> set[str]:
    return {
        kind
        for row in demo.values()
        if row.get("account") == account and "coverage" not in row
        for kind in kinds(row)
    }


def test_coverage_classes(demo: dict[str, dict[str, object]]) -> None:
    assert demo[STORIES["bow_tie"]]["coverage"] == "bow-tie"
    assert demo[STORIES["transitional"]]["coverage"] == "transitional"
    assert demo[STORIES["diamond"]]["coverage"] == "diamond"
    assert "bow_tie" in kinds(demo[STORIES["bow_tie"]])
    assert "bow_tie" not in kinds(demo[STORIES["diamond"]])


def test_silence_level_and_shrinking_meetings(demo: dict[str, dict[str, object]]) -> None:
    silent = STORIES["going_silent"]
    assert "going_silent" in kinds(demo[silent]) | people_plays_at(demo, silent)
    dropped = STORIES["level_dropped"]
    assert "level_dropped" in kinds(demo[dropped])
    assert "meetings_shrinking" in people_plays_at(demo, STORIES["shrinking_meetings"])


def test_complaints_and_concessions(demo: dict[str, dict[str, object]]) -> None:
    complaints = STORIES["complaints"]
    assert "complaint_open" in kinds(demo[complaints]) | people_plays_at(demo, complaints)
    assert "concession_outlier" in kinds(demo[STORIES["habitual_concessions"]])
    assert "concession_outlier" not in kinds(demo[STORIES["ordinary_concessions"]])


def test_meals_and_job_change(demo: dict[str, dict[str, object]]) -> None:
    assert "meal_without_new_contact" in kinds(demo[STORIES["bow_tie"]])
    mover = demo[STORY_PEOPLE["job_changer"]]
    assert mover["account"] == STORIES["job_change_to"]
    assert "contact_moved" in kinds(mover)


def test_the_diamond_is_healthier_than_the_bow_tie(demo: dict[str, dict[str, object]]) -> None:
    diamond, bow_tie = demo[STORIES["diamond"]], demo[STORIES["bow_tie"]]
    assert diamond["health"] > bow_tie["health"]  # type: ignore[operator]
    assert diamond["components"]["coverage"] > bow_tie["components"]["coverage"]  # type: ignore[index]
