"""The engine's sentences in the reader's locale: money grouped, plurals by count, dates
in the language's one style, vocabulary by its label (branch pages, issue 13)."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from vinculo.health import words

GROWTH = {
    "year": 2025,
    "wallet_share": 0.3,
    "lines": 1,
    "total_lines": 4,
    "revenue": 298768.0,
    "revenue_before": 247116.0,
}


def test_revenue_reads_as_money_in_each_language() -> None:
    with translation.override("en"):
        assert "revenue 298,768 against 247,116 the year before" in words.explain("growth", GROWTH)
    with translation.override("es"):
        text = words.explain("growth", GROWTH)
    assert "298768.0" not in text
    assert "298\xa0768" in text or "298.768" in text


def test_one_interaction_and_one_day_are_singular() -> None:
    with translation.override("en"):
        assert words.explain("frequency", {"recent": 1, "prior": 3, "days": 90}).startswith(
            "1 interaction in the last 90 days"
        )
        assert words.explain("cadence", {"days_since": 1, "every_days": 30}) == (
            "Last two-way contact 1 day ago; usual cadence: 30 days."
        )
        reason, _action = words.reason_and_action(
            "cadence_overdue", {"days_since": 1, "every_days": 1}
        )
        assert reason.startswith("Last two-way contact 1 day ago")
    with translation.override("es"):
        assert words.explain("cadence", {"days_since": 1, "every_days": 30}) == (
            "Último contacto bidireccional hace 1 día; cadencia habitual: 30 días."
        )
        assert words.explain("frequency", {"recent": 1, "prior": 3, "days": 90}).startswith(
            "1 interacción en"
        )


def test_stored_iso_dates_read_in_the_language_style() -> None:
    facts = {"text": "Send the offer", "due": "2024-01-14", "days_late": 3}
    with translation.override("en"):
        reason, _action = words.reason_and_action("promise_overdue", facts)
        assert "2024-01-14" not in reason
        assert "due on 14 Jan 2024 (3 days ago)" in reason
        assert words.day(dt.date(2026, 11, 20)) == "20 Nov 2026"
    with translation.override("es"):
        reason, _action = words.reason_and_action("promise_overdue", facts)
        assert "vencía el 14/01/2024 (hace 3 días)" in reason


def test_severity_and_functions_read_by_their_label_in_spanish() -> None:
    with translation.override("es"):
        reason, _action = words.complaint_words(
            {"severity": "critical", "age": 3, "target": 2, "text": "x", "answered": False}
        )
        assert "gravedad crítica" in reason and "critical" not in reason
        assert words.introduction(
            {
                "ours": "Raúl Soto",
                "our_function": "technical_service",
                "theirs": "Beatriz León",
                "their_function": "production",
            }
        ) == ("Presenta a Raúl Soto, servicio técnico, a Beatriz León, producción.")
    with translation.override("en"):
        assert words.introduction(
            {
                "ours": "Raúl Soto",
                "our_function": "technical_service",
                "theirs": "Beatriz León",
                "their_function": "purchasing",
            }
        ) == ("Introduce Raúl Soto, technical service, to Beatriz León, purchasing.")
