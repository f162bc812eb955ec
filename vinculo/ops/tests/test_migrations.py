"""Migrations forward on a populated database: an earlier schema filled with rows through
its own (historical) models, then ``migrate`` to the latest; the rows are all there and
the data migrations did their work. A subprocess on a database of its own (SQLite file, or
PostgreSQL when the suite runs there)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from vinculo.ops.tests.realdb import real_db
from vinculo.people.models import search_key


def test_migrating_a_populated_database_forward_keeps_the_rows_and_fills_the_new_columns(
    tmp_path: Path,
) -> None:
    script = Path(__file__).with_name("migrate_populated.py")
    with real_db(tmp_path) as db:
        done = subprocess.run(
            [sys.executable, str(script)],
            env=db.env(tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    # From before the data migrations of people (search_name) and health (daily summary).
    assert ["people", "0004_privacy_legal_basis_source"] in found["from"]
    assert ["health", "0006_snapshot_as_of_index"] in found["from"]
    assert found["pending"] == []
    made = found["made"]
    assert found["people"] == made["people"] == 30
    assert found["names_kept"] is True
    assert found["employments"] == 30
    assert found["interactions"] == made["interactions"] == 120
    assert found["person_links"] == made["person_links"]
    # people/0005: every person's search key, accents and case folded.
    assert found["search_names_right"] is True
    assert found["search_name_sample"] == search_key("Ángela Núñez 0") == "angela nunez 0"
    # health/0007: one summary row per person and day, counting every link; per account,
    # every interaction.
    assert found["summary_person_days"] == found["summary_person_days_expected"] > 0
    assert found["summary_person_n"] == made["person_links"]
    assert found["summary_account_n"] == made["interactions"]
