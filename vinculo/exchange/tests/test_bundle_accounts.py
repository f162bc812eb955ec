"""New interactions get their account at the INSERT, in Python (`accounts_at_dates`); the
SQL rule (`interactions_assign_accounts`) must find nothing to change afterwards."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vinculo.exchange.bundle import bundle_import
from vinculo.interactions.models import Interaction
from vinculo.interactions.services import interactions_assign_accounts

FIXTURE = Path(__file__).parent / "fixtures" / "bundle"

pytestmark = pytest.mark.django_db

# John leaves Acme on 28 February 2025 and joins Northwind on 1 March; Pilar is at Acme.
# Madrid is UTC+1 then: 23:00 UTC on 28 February is already 1 March there.
EXTRA = (
    "m-1,2025-02-28T22:59:00Z,5,call,,outbound,,,col-lucia,p-john,import\n"
    "m-2,2025-02-28T23:00:00Z,5,call,,outbound,,,col-lucia,p-john,import\n"
    "m-3,2025-02-28T23:00:00Z,5,call,,outbound,,,col-lucia,p-pilar;p-john,import\n"
    "m-4,2025-03-01T00:00:00+01:00,5,call,,outbound,,,col-lucia,p-john;p-pilar,import\n"
    "m-5,1999-01-01T12:00:00Z,5,call,,outbound,,,col-lucia,p-john;p-oscar,import\n"
)


def test_accounts_set_at_insert_match_the_sql_rule(tmp_path: Path) -> None:
    # Given the fixture bundle plus interactions at the edges of John's move
    bundle = tmp_path / "bundle"
    shutil.copytree(FIXTURE, bundle)
    with (bundle / "interactions.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write(EXTRA)

    # When it is imported
    report = bundle_import(path=bundle)
    assert report.ok, report.problems
    accounts = dict(Interaction.objects.values_list("key", "account__key"))

    # Then the local date in Madrid and the participants' order decide
    assert accounts["m-1"] == "acc-acme"
    assert accounts["m-2"] == "acc-northwind"
    assert accounts["m-3"] == "acc-acme"  # Pilar is listed first
    assert accounts["m-4"] == "acc-northwind"
    assert accounts["m-5"] == "acc-pajaro"  # John had no job yet; Óscar's start is unknown
    # And the SQL rule, run again on every interaction, agrees with each of them
    interactions_assign_accounts(Interaction.objects.all())
    assert dict(Interaction.objects.values_list("key", "account__key")) == accounts
