"""Conversation level suggestion (M5, exchange.md §4): the learned model, its reasons, when it
abstains, the command, the bulk helper, corrections and retraining, and the accuracy on the
frozen held-out notes."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from vinculo.factories import InteractionFactory
from vinculo.interactions import levels_model
from vinculo.interactions.levels import (
    level_min_confidence,
    normalised_note,
    suggest_level,
    suggest_missing_levels,
    suggest_stored_level,
)
from vinculo.interactions.levels_model import (
    SHIPPED_MODEL,
    Labelled,
    Model,
    active_path,
    files_digest,
    forget_loaded_model,
    heldout_accuracy,
    labelled_files,
    load_labelled,
    predict,
)
from vinculo.interactions.models import Interaction, LevelCorrection
from vinculo.interactions.services import interaction_set_level
from vinculo.users.models import Role, User
from vinculo.vocab import Level

# Held-out accuracy of the shipped model measured by benchmarks/level_accuracy.py
# (docs/benchmarks.md): es 0.905, en 0.905. The floors sit a little below.
HELD_OUT_FLOOR = {"es": 0.89, "en": 0.89}


@pytest.fixture(autouse=True)
def english_reasons() -> Iterator[None]:
    # Reasons are translated; the assertions below read the English ones unless they say.
    with translation.override("en"):
        yield


@pytest.fixture
def team_var_dir(settings, tmp_path: Path) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """An installation data directory of its own, and no team model loaded from elsewhere."""
    settings.VAR_DIR = tmp_path
    forget_loaded_model()
    yield tmp_path
    forget_loaded_model()


def run_command(text: str, *args: str) -> list[str]:
    out = io.StringIO()
    call_command("suggest_level", *args, stdin=io.StringIO(text), stdout=out)
    return out.getvalue().splitlines()


# --- one level per language ----------------------------------------------------------------


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
            "Revisión anual: nos dicen que están muy satisfechos con el servicio",
            "satisfaction",
            "es",
        ),
        ("Me contó que su hija se casa en verano y que se van de viaje a Italia", "personal", "es"),
        ("Customer chasing the invoice for order 5512, credit note needed", "operational", "en"),
        ("They walked us through their growth plan and goals for next year", "strategic", "en"),
        (
            "Annual review: they told us they are very satisfied with our service",
            "satisfaction",
            "en",
        ),
        ("She told me her son is getting married and they are off on holiday", "personal", "en"),
    ],
)
def test_each_level_in_both_languages(note: str, level: str, lang: str) -> None:
    suggestion = suggest_level(note)
    assert (suggestion.level.value, suggestion.lang) == (level, lang)
    assert suggestion.confidence >= level_min_confidence()
    assert suggest_stored_level(note) == suggestion


def test_accents_and_case_do_not_matter() -> None:
    accented = suggest_level("Plan de expansión para el próximo año, según la dirección")
    plain = suggest_level("PLAN DE EXPANSION PARA EL PROXIMO ANO, SEGUN LA DIRECCION")
    assert accented.level == plain.level == Level.STRATEGIC
    assert accented.confidence == plain.confidence


# --- reasons -------------------------------------------------------------------------------


def _quotes(reason: str) -> list[str]:
    return re.findall(r"“([^”]+)”", reason)


def test_the_reason_quotes_the_notes_own_words_for_the_level() -> None:
    note = "Hablamos del plan de expansión para el año que viene"
    suggestion = suggest_level(note)
    assert suggestion.reason.startswith(f"Strategic {suggestion.confidence:.2f}: ")
    quotes = _quotes(suggestion.reason)
    assert "expansión" in quotes
    assert 1 <= len(quotes) <= 3
    assert all(quote in note for quote in quotes)


def test_neighbouring_words_are_one_quote_but_not_across_punctuation() -> None:
    suggestion = suggest_level("Semáforo de Iberfruta: rojo en documentación, verde en trato")
    assert all("," not in quote for quote in _quotes(suggestion.reason))


def test_a_close_runner_up_is_named_with_its_words() -> None:
    note = "semaforo trimestral Globex, todo en verde salvo entregas"
    suggestion = suggest_level(note)
    first, runner = suggestion.reason.split("; runner-up ")
    assert first.startswith("Operational ")
    assert runner.startswith("Satisfaction review ")
    assert all(quote in note for quote in _quotes(runner))


def test_reasons_are_in_the_readers_language() -> None:
    note = "semaforo trimestral Globex, todo en verde salvo entregas"
    with translation.override("es"):
        reason = suggest_level(note).reason
        assert reason.startswith("Operativo ")
        assert "; le sigue Revisión de satisfacción " in reason
        assert suggest_level("ok").reason.startswith("la nota dice demasiado poco, sin nivel; ")
        foreign = suggest_level("Der Kunde hat die Bestellung bestätigt und wir liefern")
        assert foreign.reason.startswith("no está en español ni en inglés, sin nivel; ")


# --- knowing when it does not know -------------------------------------------------------


@pytest.mark.parametrize(
    "note", ["ok", "fine", "all good", "vale", "todo bien", "gracias", "see email", "Reunión"]
)
def test_a_note_that_says_nothing_gets_no_level(note: str) -> None:
    suggestion = suggest_level(note)
    assert suggestion.confidence < level_min_confidence()
    assert suggestion.reason.startswith("too little to go on, no level; ")
    assert suggest_stored_level(note) is None


@pytest.mark.parametrize(
    ("note", "lang"),
    [
        ("Der Kunde hat die Bestellung für nächste Woche bestätigt, wir liefern am Montag.", "de"),
        ("Nous avons parlé de leur stratégie pour l'année prochaine et de nouveaux marchés.", "fr"),
        ("Il cliente ha confermato l'ordine per la settimana prossima, consegna lunedì.", "it"),
        ("El client ha confirmat la comanda per dijous, amb els palets de sempre.", "ca"),
    ],
)
def test_a_note_in_another_language_gets_no_level(note: str, lang: str) -> None:
    suggestion = suggest_level(note)
    assert (suggestion.lang, suggestion.confidence) == (lang, 0.0)
    assert suggestion.reason.startswith("not Spanish or English, no level; ")
    assert suggest_stored_level(note) is None


def test_the_threshold_is_a_setting(settings) -> None:  # type: ignore[no-untyped-def]
    note = "semaforo trimestral Globex, todo en verde salvo entregas"  # confidence 0.62
    confidence = suggest_level(note).confidence
    assert 0.6 <= confidence < 0.7
    settings.VINCULO_LEVEL_MIN_CONFIDENCE = 0.6
    assert level_min_confidence() == 0.6
    assert suggest_stored_level(note) is not None
    settings.VINCULO_LEVEL_MIN_CONFIDENCE = 0.7
    assert suggest_stored_level(note) is None


def test_empty_note_has_zero_confidence() -> None:
    for text in ("", "   ", "¿?!", "\t"):
        suggestion = suggest_level(text)
        assert (suggestion.level, suggestion.confidence) == (Level.OPERATIONAL, 0.0)
        assert suggestion.reason == "empty note"
        assert suggest_stored_level(text) is None


def test_language_can_be_forced() -> None:
    assert suggest_level("QBR con Acme").lang in {"es", ""}
    assert suggest_level("QBR con Acme", lang="en").lang == "en"


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gets_a_valid_suggestion(text: str) -> None:
    suggestion = suggest_level(text)
    assert suggestion.level in Level
    assert 0.0 <= suggestion.confidence <= 1.0
    assert suggestion.reason


# --- the command (exchange.md §4) --------------------------------------------------------


def test_command_prints_one_line_per_note_in_order() -> None:
    lines = run_command(
        "Pedido urgente de 40 palets, sale hoy\n"
        "\n"
        "Annual review: they are very happy with our service\n"
        "ok\n"
    )
    assert len(lines) == 4
    fields = [line.split("\t") for line in lines]
    assert all(len(f) == 3 for f in fields)
    assert [f[0] for f in fields[:3]] == ["operational", "operational", "satisfaction"]
    assert fields[1] == ["operational", "0.00", "empty note"]
    assert all(re.fullmatch(r"[01]\.\d\d", f[1]) for f in fields)
    # The command prints its best level even below the threshold, with its low confidence.
    assert float(fields[3][1]) < level_min_confidence()


def test_command_respects_the_language_option() -> None:
    assert run_command("QBR Acme\n", "--lang", "en")[0].split("\t")[0] == "satisfaction"


def test_command_on_no_input_prints_nothing() -> None:
    assert run_command("") == []


# --- the labelled notes and the accuracy ---------------------------------------------------


@pytest.mark.parametrize("lang", ["es", "en"])
def test_labelled_notes_are_large_balanced_and_the_held_out_is_apart(lang: str) -> None:
    train = load_labelled("train", [lang])
    held = load_labelled("heldout", [lang])
    train_levels = Counter(n.level for n in train if n.level != "none")
    assert sum(train_levels.values()) >= 600
    assert set(train_levels) == set(Level.values)
    assert max(train_levels.values()) - min(train_levels.values()) <= 10
    assert len({n.voice for n in train}) >= 5
    assert sum(1 for n in held if n.level != "none") >= 250
    train_notes = {normalised_note(n.note) for n in train}
    assert not [n.note for n in held if normalised_note(n.note) in train_notes]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_held_out_accuracy_floor(lang: str) -> None:
    accuracy = heldout_accuracy(Model.load(SHIPPED_MODEL), load_labelled("heldout", [lang]))
    assert accuracy[lang] >= HELD_OUT_FLOOR[lang]


def test_the_shipped_model_was_trained_on_the_current_labelled_files() -> None:
    # After editing a training file, run `vinculo train_levels --shipped`.
    assert Model.load(SHIPPED_MODEL).meta["trained_on"] == files_digest(labelled_files("train"))


def test_the_shipped_model_is_reproduced_from_the_labelled_files() -> None:
    shipped = Model.load(SHIPPED_MODEL)
    rebuilt = levels_model.train_shipped()
    notes = load_labelled("heldout")
    assert [predict(rebuilt, n.note) for n in notes] == [predict(shipped, n.note) for n in notes]
    for note in notes[::10]:
        a, b = shipped.score(note.note), rebuilt.score(note.note)
        assert a is not None and b is not None
        assert a.probabilities == pytest.approx(b.probabilities, abs=1e-3)


# --- storing suggestions ---------------------------------------------------------------------


@pytest.mark.django_db
def test_suggest_missing_levels_fills_only_empty_levels_and_confident_ones() -> None:
    strategic = InteractionFactory(level="", summary="Roadmap and goals for next year")
    personal = InteractionFactory(level="", summary="Me contó lo de la boda de su hija")
    chosen = InteractionFactory(level=Level.PERSONAL, summary="Invoice 42 overdue")
    silent = InteractionFactory(level="", summary="")
    vague = InteractionFactory(level="", summary="ok, hablamos")
    foreign = InteractionFactory(level="", summary="Wir haben die Rechnung für den Kunden bezahlt")
    assert suggest_missing_levels(Interaction.objects.all()) == 2
    got = {
        i.pk: (i.level, i.level_suggested)
        for i in Interaction.objects.filter(pk__in=[
            strategic.pk, personal.pk, chosen.pk, silent.pk, vague.pk, foreign.pk
        ])
    }  # fmt: skip
    assert got == {
        strategic.pk: (Level.STRATEGIC, True),
        personal.pk: (Level.PERSONAL, True),
        chosen.pk: (Level.PERSONAL, False),
        silent.pk: ("", False),
        vague.pk: ("", False),
        foreign.pk: ("", False),
    }


@pytest.mark.django_db
def test_suggest_missing_levels_reads_and_writes_in_batches(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    InteractionFactory.create_batch(30, level="", summary="Pedido urgente de palets")
    with django_assert_num_queries(2):  # one read, one bulk update (a CASE per row)
        assert suggest_missing_levels(Interaction.objects.all()) == 30


# --- corrections and retraining --------------------------------------------------------------


@pytest.mark.django_db
def test_setting_the_level_of_a_suggested_interaction_keeps_the_pair(owner: User) -> None:
    suggested = InteractionFactory(
        level=Level.OPERATIONAL, level_suggested=True, summary="Semáforo Acme: verde en plazos"
    )
    open_one = InteractionFactory(level="", summary="Semáforo Globex, ámbar en trato")
    users_own = InteractionFactory(level=Level.PERSONAL, summary="Boda de su hija")

    interaction_set_level(interaction=suggested, level=Level.SATISFACTION, actor=owner)
    interaction_set_level(interaction=open_one, level=Level.SATISFACTION, actor=owner)
    interaction_set_level(interaction=users_own, level=Level.STRATEGIC, actor=owner)

    rows = list(
        LevelCorrection.objects.values_list(
            "interaction_id", "note", "level", "suggested_level", "created_by_id"
        )
    )
    assert rows == [
        (suggested.pk, "Semáforo Acme: verde en plazos", "satisfaction", "operational", owner.pk),
        (open_one.pk, "Semáforo Globex, ámbar en trato", "satisfaction", "", owner.pk),
    ]
    suggested.refresh_from_db()
    assert (suggested.level, suggested.level_suggested) == (Level.SATISFACTION, False)
    # Changed again by a user: the latest choice is kept too.
    interaction_set_level(interaction=suggested, level=Level.STRATEGIC, actor=owner)
    assert LevelCorrection.objects.filter(interaction=suggested).count() == 2
    with pytest.raises(ValidationError):
        interaction_set_level(interaction=suggested, level="urgent", actor=owner)


@pytest.mark.django_db
def test_the_api_sets_a_level_and_keeps_the_correction(owner: User) -> None:
    interaction = InteractionFactory(
        level=Level.OPERATIONAL, level_suggested=True, summary="Semáforo Acme: verde en plazos"
    )
    owner.role = Role.ADMIN  # the interaction has no owner: the administrator's view
    owner.save(update_fields=["role"])
    client = Client()
    client.force_login(owner)
    response = client.post(
        f"/api/v1/interactions/{interaction.pk}/level",
        data={"level": "satisfaction"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["level"], response.json()["level_suggested"]) == (
        "satisfaction",
        False,
    )
    assert LevelCorrection.objects.get().suggested_level == "operational"


# The team's shorthand: a "semáforo" (traffic light) is their review of how the relationship
# is going, colour by colour. The shipped notes never say it, and the model reads the topics
# named in it as operational.
TEAM_CORRECTIONS = [
    "Semáforo con Acme: verde en plazos, ámbar en facturación",
    "semaforo Globex: todo verde salvo la documentacion",
    "Semáforo trimestral Iberfruta, rojo en entregas",
    "semáforo de la cuenta: ámbar en soporte",
    "Semáforo anual con Talleres Ruiz, verde en calidad",
    "semaforo Norte: rojo en plazos de entrega, verde en precio",
    "Semáforo con compras: verde, ámbar en incidencias",
    "semáforo Alimentos Sur: ámbar por retrasos",
    "Semáforo de Metal Bilbao, verde en todo",
    "semaforo con su director: rojo en tiempos de respuesta",
    "Semáforo Logística Este: ámbar en albaranes",
    "semáforo cuenta Vega, verde en pedidos y en facturas",
    "Semáforo con Ana: rojo en instalación",
    "semaforo semestral Grupo Mar, ámbar en stock",
    "Semáforo con Textil Sol: verde en muestras",
    "semáforo con mantenimiento, rojo en averías",
    "Semáforo Hierros: ámbar en precios",
    "semaforo con calidad: verde en lotes, rojo en devoluciones",
    "Semáforo trimestre 2, ámbar en transporte",
    "semáforo con la planta de Vigo: verde en repuestos",
]
PATTERN = [
    "Semáforo con Frutas Levante: ámbar en pedidos urgentes",
    "semaforo de Cárnicas Oeste, rojo en facturas",
    "Semáforo con logística: verde en entregas",
    "semáforo Papelera Norte: ámbar en reclamaciones",
    "Semáforo con el almacén de Getafe, rojo en stock",
    "semaforo anual de Vinos Duero: verde en precios, ámbar en portes",
]


@pytest.mark.django_db
def test_retraining_with_corrections_learns_the_teams_pattern(
    owner: User, team_var_dir: Path
) -> None:
    before = [suggest_level(note).level for note in PATTERN]
    assert before.count(Level.SATISFACTION) <= 1
    # The frozen held-out notes plus the team's pattern, as this team would measure it.
    measured = load_labelled("heldout") + [
        Labelled("satisfaction", note, "es", "team") for note in PATTERN
    ]
    accuracy_before = heldout_accuracy(Model.load(SHIPPED_MODEL), measured)
    for note in TEAM_CORRECTIONS:
        interaction = InteractionFactory(level="", summary=note)
        interaction_set_level(interaction=interaction, level=Level.SATISFACTION, actor=owner)

    out = io.StringIO()
    call_command("train_levels", stdout=out)
    report = out.getvalue()
    assert "trained on" in report and " 20 corrections" in report
    written = team_var_dir / "levels" / "level_model_v1.json.gz"
    assert f"wrote {written}" in report
    assert active_path() == written

    after = [suggest_level(note).level for note in PATTERN]
    assert after == [Level.SATISFACTION] * len(PATTERN)
    accuracy_after = heldout_accuracy(Model.load(written), measured)
    assert accuracy_after["es"] > accuracy_before["es"]
    assert accuracy_after["all"] > accuracy_before["all"]
    # On the frozen notes alone it is no worse than the command's tolerance allows.
    frozen_before = heldout_accuracy(Model.load(SHIPPED_MODEL))["all"]
    assert heldout_accuracy(Model.load(written))["all"] >= frozen_before - 0.005
    assert Model.load(written).meta["version"] == 1
    assert Model.load(written).meta["corrections"] == 20


@pytest.mark.django_db
def test_a_model_worse_on_the_frozen_notes_is_refused(owner: User, team_var_dir: Path) -> None:
    # Corrections that call two thirds of the shipped personal notes operational.
    personal = [n.note for n in load_labelled("train") if n.level == "personal"]
    personal = [note for i, note in enumerate(personal) if i % 3]
    LevelCorrection.objects.bulk_create(
        [LevelCorrection(note=note, level=Level.OPERATIONAL) for note in personal]
    )
    with pytest.raises(CommandError, match="worse on the frozen held-out notes"):
        call_command("train_levels", stdout=io.StringIO())
    assert not (team_var_dir / "levels").exists()
    assert active_path() == SHIPPED_MODEL
