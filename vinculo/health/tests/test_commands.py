"""The commands of issue M21: recompute_health and insights (exchange.md section 2)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from vinculo.health.models import HealthSnapshot
from vinculo.health.tests.stories import AS_OF, Story, days_before
from vinculo.vocab import Function

pytestmark = pytest.mark.django_db


def bow_tie_story() -> Story:
    s = Story.new("Acme")
    s.person("Ana", Function.PURCHASING)
    s.person("Pedro", Function.PRODUCTION)
    s.colleague("Luis", Function.SALES)
    s.colleague("Marta", Function.TECHNICAL_SERVICE)
    s.every(10, 8, ["Luis"], ["Ana"])
    return s


def test_insights_json_follows_the_contract() -> None:
    bow_tie_story()
    out = io.StringIO()
    call_command(
        "insights", "--as-of", AS_OF.isoformat(), "--format", "json", "--lang", "en", stdout=out
    )
    data = json.loads(out.getvalue())
    assert data["as_of"] == "2026-06-30"
    [account] = data["accounts"]
    assert account["key"] == "acme"
    assert account["coverage"] == "bow-tie"
    assert (account["health"], account["band"]) == (56, "yellow")
    assert account["components"] == {
        "people": 60,
        "coverage": 25,
        "promises": 100,
        "voice": 100,
        "growth": 30,
        "initiative": 30,
        "value": 50,
        "cadence": 100,
        "frequency": 100,
        "level": 50,
    }
    [play] = [p for p in account["plays"] if p["kind"] == "bow_tie"]
    assert play["subject"] == "acme"
    assert "Pedro" in play["action"] and "Marta" in play["action"]
    people = {p["key"]: p for p in data["people"]}
    assert people["ana"]["account"] == "acme"
    assert people["ana"]["components"] == {
        "cadence": 100,
        "frequency": 100,
        "depth": 85,
        "level": 50,
        "promises": 100,
        "voice": 100,
        "initiative": 30,
        "value": 50,
    }


def test_insights_word_the_plays_in_the_language_asked_for() -> None:
    bow_tie_story()
    out = io.StringIO()
    call_command(
        "insights", "--as-of", AS_OF.isoformat(), "--format", "json", "--lang", "es", stdout=out
    )
    data = json.loads(out.getvalue())
    assert data["accounts"][0]["plays"] == [
        {
            "kind": "bow_tie",
            "subject": "acme",
            "reason": "Pajarita: Luis y Ana concentran el 100% de la relación.",
            "action": "Presenta a nuestro Marta (servicio técnico) a su Pedro (producción).",
        },
        {
            "kind": "no_initiative",
            "subject": "acme",
            "reason": "Ninguna idea ni propuesta nueva en los últimos 180 días.",
            "action": "Llévales una propuesta que les ahorre tiempo o dinero.",
        },
    ]


def test_insights_as_of_ignores_later_facts() -> None:
    s = bow_tie_story()
    first = io.StringIO()
    call_command("insights", "--as-of", "2026-03-01", stdout=first)
    s.talk(days_before(-1, AS_OF.replace(month=3, day=1)), ["Marta"], ["Pedro"])
    second = io.StringIO()
    call_command("insights", "--as-of", "2026-03-01", stdout=second)
    assert first.getvalue() == second.getvalue()


def test_insights_table_format_names_the_plays() -> None:
    bow_tie_story()
    out = io.StringIO()
    call_command("insights", "--as-of", AS_OF.isoformat(), "--format", "table", stdout=out)
    assert "acme" in out.getvalue() and "bow_tie" in out.getvalue()


def test_recompute_backfills_one_snapshot_per_day() -> None:
    bow_tie_story()
    call_command(
        "recompute_health",
        "--from",
        "2026-06-01",
        "--as-of",
        "2026-06-30",
        "--every",
        "7",
        stdout=io.StringIO(),
    )
    days = sorted(set(HealthSnapshot.objects.values_list("as_of", flat=True)))
    assert [d.isoformat() for d in days] == [
        "2026-06-01",
        "2026-06-08",
        "2026-06-15",
        "2026-06-22",
        "2026-06-29",
        "2026-06-30",
    ]
    # Re-running a day replaces its snapshots instead of adding more.
    before = HealthSnapshot.objects.count()
    call_command("recompute_health", "--as-of", "2026-06-30", stdout=io.StringIO())
    assert HealthSnapshot.objects.count() == before


def test_recompute_refuses_a_bad_date() -> None:
    with pytest.raises(CommandError):
        call_command("recompute_health", "--as-of", "30/06/2026")


def test_recompute_if_missing_skips_a_day_already_computed() -> None:
    bow_tie_story()
    call_command("recompute_health", "--as-of", "2026-06-30", stdout=io.StringIO())
    HealthSnapshot.objects.update(overall=1)
    out = io.StringIO()
    call_command("recompute_health", "--as-of", "2026-06-30", "--if-missing", stdout=out)
    assert "already computed" in out.getvalue()
    assert set(HealthSnapshot.objects.values_list("overall", flat=True)) == {1}
