"""Conversation level suggestion (M5, exchange.md §4): the function, the command, the bulk
helper, and the accuracy on the shipped held-out notes."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from vinculo.factories import InteractionFactory
from vinculo.interactions.levels import (
    DEFAULT_CONFIDENCE,
    EVALUATION_DIR,
    PRIORITY,
    suggest_level,
    suggest_missing_levels,
)
from vinculo.interactions.models import Interaction
from vinculo.vocab import Level

# Held-out accuracy measured when the word lists were frozen (docs/benchmarks.md): es 0.81,
# en 0.72. The floors sit a little below, so a change that makes things worse fails here.
HELD_OUT_FLOOR = {"es": 0.78, "en": 0.70}


@pytest.fixture(autouse=True)
def english_reasons() -> Iterator[None]:
    # Reasons are translated; the assertions below read the English ones.
    with translation.override("en"):
        yield


def run_command(text: str, *args: str) -> list[str]:
    out = io.StringIO()
    call_command("suggest_level", *args, stdin=io.StringIO(text), stdout=out)
    return out.getvalue().splitlines()


# --- one level per language --------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "level", "lang"),
    [
        (
            "El cliente reclama el albarán del pedido 8812, la factura no cuadra",
            "operational",
            "es",
        ),
        (
            "Hablamos de su plan de expansión y de los objetivos para el año que viene",
            "strategic",
            "es",
        ),
        (
            "Le pregunté qué tal fue el trimestre; nos pasa la encuesta de satisfacción",
            "satisfaction",
            "es",
        ),
        ("Nos contó lo de la boda de su hija y las vacaciones en la playa", "personal", "es"),
        ("The invoice for order 5521 is wrong and the delivery was short", "operational", "en"),
        ("They shared the roadmap and their growth targets for next year", "strategic", "en"),
        ("How did we do this year? Their feedback on our service was mixed", "satisfaction", "en"),
        ("He told me about his kids and his birthday, and a bit of football", "personal", "en"),
    ],
)
def test_each_level_in_both_languages(note: str, level: str, lang: str) -> None:
    # When a typical note of the level is read
    suggestion = suggest_level(note)

    # Then the level, the language and a reason naming the level are given
    assert suggestion.level == level
    assert suggestion.lang == lang
    assert suggestion.reason.startswith(level)
    assert 0.5 <= suggestion.confidence <= 1


def test_stems_match_every_form_of_a_word() -> None:
    for note in ("Entrega el martes", "Entregas parciales", "Todo entregado ya"):
        suggestion = suggest_level(note, lang="es")
        assert suggestion.level == Level.OPERATIONAL, note
        assert "“Entreg" in suggestion.reason or "“entreg" in suggestion.reason


def test_accents_and_case_do_not_matter() -> None:
    # Given the same note with and without accents and in capitals
    accented = suggest_level("Reunión sobre el AÑO QUE VIENE y la expansión")
    plain = suggest_level("reunion sobre el ano que viene y la expansion")

    # Then both get the same level and confidence, and the reason quotes the note as written
    assert (accented.level, accented.confidence) == (plain.level, plain.confidence)
    assert accented.level == Level.STRATEGIC
    assert "“el AÑO QUE VIENE”" in accented.reason
    assert "“el ano que viene”" in plain.reason


def test_a_negated_problem_is_not_an_incident() -> None:
    # "sin incidencias" alone reads as a quarter that went well, not as an incident
    quiet = suggest_level("Trimestre sin incidencias")
    assert quiet.level == Level.SATISFACTION
    assert "“incidencias” (negated)" in quiet.reason

    # but the delivery it qualifies is still operational
    delivery = suggest_level("Entrega del pedido 4512 sin incidencias")
    assert delivery.level == Level.OPERATIONAL

    # and a negator beyond the clause does not reach the word
    handled = suggest_level("No era urgente. Incidencia con el lote 22, enviamos técnico")
    assert handled.level == Level.OPERATIONAL
    assert "negated" not in handled.reason


def test_english_negation_and_contractions() -> None:
    assert suggest_level("No complaints at all this quarter").level == Level.SATISFACTION
    # "we'll" is not the word "well", and "didn't" still negates
    suggestion = suggest_level("We didn't have any issues; we'll ship the order Friday")
    assert suggestion.level == Level.OPERATIONAL
    assert "“well”" not in suggestion.reason
    assert "“issues” (negated)" in suggestion.reason


def test_a_complaint_being_handled_is_operational() -> None:
    suggestion = suggest_level("Queja por el retraso del pedido, enviamos técnico mañana")
    assert suggestion.level == Level.OPERATIONAL


def test_happy_after_a_complaint_is_satisfaction() -> None:
    # Given a client who is now happy after a complaint (exchange.md §4)
    es = suggest_level("Después de la queja de marzo ya están contentos otra vez")
    en = suggest_level("Happy again after last month's complaint")

    # Then the conversation is a satisfaction review, and the reason names the rule
    for suggestion in (es, en):
        assert suggestion.level == Level.SATISFACTION
        assert "happy after a complaint" in suggestion.reason


def test_not_happy_with_a_complaint_stays_operational() -> None:
    suggestion = suggest_level("Not happy at all: complaint about the late delivery")
    assert suggestion.level == Level.OPERATIONAL
    assert "happy after a complaint" not in suggestion.reason


def test_ties_follow_the_documented_priority() -> None:
    assert PRIORITY == (Level.SATISFACTION, Level.STRATEGIC, Level.OPERATIONAL, Level.PERSONAL)
    # "pedido" (operational, 2) against "encuesta" (satisfaction, 2)
    suggestion = suggest_level("pedido y encuesta", lang="es")
    assert suggestion.level == Level.SATISFACTION
    assert "tie broken by priority" in suggestion.reason


def test_nothing_matched_is_operational_with_low_confidence() -> None:
    suggestion = suggest_level("Lorem ipsum dolor sit amet")
    assert suggestion.level == Level.OPERATIONAL
    assert suggestion.confidence == DEFAULT_CONFIDENCE
    assert "no level words found" in suggestion.reason


def test_empty_note_has_zero_confidence() -> None:
    for note in ("", "   ", "\t", "…!?"):
        suggestion = suggest_level(note)
        assert (suggestion.level, suggestion.confidence, suggestion.lang) == (
            Level.OPERATIONAL,
            0.0,
            "",
        )


def test_language_is_detected_and_can_be_forced() -> None:
    assert suggest_level("Hablamos con el cliente de los pedidos").lang == "es"
    assert suggest_level("We talked to the client about the orders").lang == "en"
    # Forced to English, a Spanish note finds no English words
    forced = suggest_level("Hablamos con el cliente de los pedidos", lang="en")
    assert (forced.lang, forced.confidence) == ("en", DEFAULT_CONFIDENCE)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gets_a_valid_suggestion(text: str) -> None:
    suggestion = suggest_level(text)
    assert suggestion.level in Level.values
    assert 0.0 <= suggestion.confidence <= 1.0
    assert suggestion.lang in {"", "es", "en"}
    assert "\t" not in suggestion.reason and "\n" not in suggestion.reason


# --- the command ---------------------------------------------------------------------------

LINE = re.compile(r"^(operational|strategic|satisfaction|personal)\t(0\.\d\d|1\.00)\t[^\t]+$")


def test_command_prints_one_line_per_note_in_order() -> None:
    # Given notes of each level, an empty line, a line with tabs and emoji, and a long one
    notes = [
        "Pedido 4471 confirmado para el jueves",
        "Next year they open a plant in Poland: roadmap and goals",
        "",
        "¿Cómo lo estamos haciendo?\tfeedback 🙂🙂",
        "Weekend in the mountains with the kids",
        "pedido " * 5000,
    ]

    # When they are piped through the command
    lines = run_command("\n".join(notes) + "\n")

    # Then each note gets one well-formed line, in the input order
    assert len(lines) == len(notes)
    assert all(LINE.match(line) for line in lines), lines
    assert [line.split("\t")[0] for line in lines] == [
        "operational",
        "strategic",
        "operational",
        "satisfaction",
        "personal",
        "operational",
    ]
    assert lines[2] == "operational\t0.00\tempty note"


def test_command_respects_the_language_option() -> None:
    lines = run_command("Hablamos de los pedidos\r\n", "--lang", "en")
    assert lines == ["operational\t0.10\tno level words found; operational by default"]


def test_command_on_no_input_prints_nothing() -> None:
    assert run_command("") == []


# --- the evaluation set ---------------------------------------------------------------------


def load_notes(lang: str) -> list[dict[str, str]]:
    path = EVALUATION_DIR / f"levels_{lang}.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.parametrize("lang", ["es", "en"])
def test_evaluation_set_is_large_and_balanced(lang: str) -> None:
    rows = load_notes(lang)
    assert len(rows) >= 120
    per_level = {level: sum(r["level"] == level for r in rows) for level in Level.values}
    assert min(per_level.values()) >= len(rows) // 4 - 2, per_level
    assert {r["split"] for r in rows} == {"dev", "heldout"}
    assert sum(r["split"] == "heldout" for r in rows) >= 60


@pytest.mark.parametrize("lang", ["es", "en"])
def test_held_out_accuracy_floor(lang: str) -> None:
    # Given the held-out notes, never used while tuning the word lists
    rows = [r for r in load_notes(lang) if r["split"] == "heldout"]

    # When each one is suggested a level, the language left to detection
    right = sum(suggest_level(r["note"]).level == r["level"] for r in rows)

    # Then the accuracy stays at or above the floor recorded in docs/benchmarks.md
    assert right / len(rows) >= HELD_OUT_FLOOR[lang], f"{right}/{len(rows)}"


# --- the bulk helper ------------------------------------------------------------------------


@pytest.mark.django_db
def test_suggest_missing_levels_fills_only_empty_levels() -> None:
    # Given interactions without a level, one with a level a user chose, and one without notes
    strategic = InteractionFactory(level="", summary="Roadmap and goals for next year")
    personal = InteractionFactory(level="", summary="Le conté lo de la boda de mi hija")
    chosen = InteractionFactory(level=Level.PERSONAL, summary="Invoice 42 overdue")
    silent = InteractionFactory(level="", summary="")

    # When missing levels are suggested
    updated = suggest_missing_levels(Interaction.objects.all())

    # Then only the two rows without a level and with notes change, marked as suggested
    assert updated == 2
    rows = {i.pk: (i.level, i.level_suggested) for i in Interaction.objects.all()}
    assert rows[strategic.pk] == (Level.STRATEGIC, True)
    assert rows[personal.pk] == (Level.PERSONAL, True)
    assert rows[chosen.pk] == (Level.PERSONAL, False)
    assert rows[silent.pk] == ("", False)

    # And a second run has nothing left to do
    assert suggest_missing_levels(Interaction.objects.all()) == 0


@pytest.mark.django_db
def test_suggest_missing_levels_respects_the_queryset_and_batches(
    django_assert_max_num_queries: object,
) -> None:
    # Given many rows without a level, only some of them in the queryset passed
    InteractionFactory.create_batch(30, level="", summary="Pedido urgente de palets")
    outside = InteractionFactory(level="", summary="Pedido urgente de palets", place="Bilbao")

    # When levels are suggested for the others: a read and a bulk write, not a query per row
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        updated = suggest_missing_levels(Interaction.objects.exclude(place="Bilbao"))

    # Then those 30 are filled and the row outside the queryset is left alone
    assert updated == 30
    outside.refresh_from_db()
    assert (outside.level, outside.level_suggested) == ("", False)
    assert Interaction.objects.filter(level=Level.OPERATIONAL, level_suggested=True).count() == 30
