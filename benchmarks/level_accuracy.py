"""Accuracy, calibration and speed of the conversation level suggestion (M5).

    .venv/bin/python benchmarks/level_accuracy.py [--errors] [--seconds 2]

Measured on the frozen held-out notes (``vinculo/interactions/evaluation/levels_heldout_*``,
never used for a choice), through ``suggest_level`` itself with the model in use (the shipped
one unless ``vinculo train_levels`` wrote a team model under VINCULO_VAR_DIR). Prints, per
language: accuracy, macro-F1, recall per level, the confusion matrix, accuracy per voice,
reliability by confidence bin, coverage against accuracy for confidence thresholds, how many
of the held-out notes that say nothing get no level, how many notes in other languages get
no level, and the notes per CPU second. ``--errors`` lists the misses: look at them only to
write new *training* notes in other words, never to tune on these.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vinculo.settings")

import django

django.setup()

from vinculo.interactions.levels import (  # noqa: E402
    LevelSuggestion,
    level_min_confidence,
    suggest_level,
)
from vinculo.interactions.levels_model import (  # noqa: E402
    NONE,
    Labelled,
    active_path,
    load_labelled,
)
from vinculo.vocab import Level  # noqa: E402

LEVELS = [level.value for level in Level]
SHORT = {"operational": "oper", "strategic": "strat", "satisfaction": "satis", "personal": "pers"}
BINS = (0.0, 0.3, 0.5, 0.7, 0.9, 1.01)
THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
# Notes in languages the model does not read: none of them may get a level.
OTHER_LANGUAGES = [
    "Der Kunde hat die Bestellung für nächste Woche bestätigt und wir liefern am Montag.",
    "Wir haben über die Strategie für das nächste Jahr gesprochen, sie wollen wachsen.",
    "Er ist mit unserem Service sehr zufrieden und bedankt sich für die schnelle Hilfe.",
    "Sie war im Urlaub mit der Familie in Italien, die Kinder sind jetzt in der Schule.",
    "Le client a confirmé la commande pour la semaine prochaine, livraison lundi.",
    "Nous avons parlé de leur stratégie pour l'année prochaine et de nouveaux marchés.",
    "Ils sont très contents de notre service depuis la réclamation de mars.",
    "Elle rentre de vacances avec ses enfants, ils étaient dans le sud de la France.",
    "O cliente confirmou o pedido e a entrega é na segunda, não há problema com a fatura.",
    "Il cliente ha confermato l'ordine per la settimana prossima, consegna lunedì.",
    "El client ha confirmat la comanda per dijous, amb els palets de sempre.",
    "De klant heeft de bestelling voor volgende week bevestigd, het is niet dringend.",
]


def f1(confusion: Counter[tuple[str, str]], level: str) -> float:
    tp = confusion[level, level]
    predicted = sum(confusion[e, level] for e in LEVELS)
    actual = sum(confusion[level, s] for s in LEVELS)
    if not tp:
        return 0.0
    precision, recall = tp / predicted, tp / actual
    return 2 * precision * recall / (precision + recall)


def report(lang: str, notes: list[Labelled], errors: bool) -> dict[str, float]:
    levelled = [n for n in notes if n.level != NONE]
    results: list[tuple[Labelled, LevelSuggestion]] = [(n, suggest_level(n.note)) for n in levelled]
    confusion: Counter[tuple[str, str]] = Counter((n.level, s.level.value) for n, s in results)
    right = sum(confusion[level, level] for level in LEVELS)
    accuracy = right / len(results)
    macro_f1 = sum(f1(confusion, level) for level in LEVELS) / len(LEVELS)
    lang_right = sum(s.lang == lang for _, s in results)
    print(
        f"\n{lang} held-out: accuracy {accuracy:.3f} ({right}/{len(results)}), "
        f"macro-F1 {macro_f1:.3f}, language detected {lang_right}/{len(results)}"
    )
    print("  expected \\ suggested " + " ".join(f"{SHORT[c]:>6}" for c in LEVELS) + "  recall")
    for level in LEVELS:
        total = sum(confusion[level, c] for c in LEVELS)
        cells = " ".join(f"{confusion[level, c]:>6}" for c in LEVELS)
        print(f"  {level:<21}{cells}  {confusion[level, level] / total:.2f}")
    voices: dict[str, list[bool]] = {}
    for n, s in results:
        voices.setdefault(n.voice, []).append(s.level.value == n.level)
    print(
        "  by voice: "
        + ", ".join(f"{v} {sum(r) / len(r):.2f} ({len(r)})" for v, r in sorted(voices.items()))
    )
    print("  reliability: confidence bin -> notes, mean confidence, accuracy")
    for low, high in pairwise(BINS):
        inside = [(n, s) for n, s in results if low <= s.confidence < high]
        if inside:
            mean = sum(s.confidence for _, s in inside) / len(inside)
            acc = sum(s.level.value == n.level for n, s in inside) / len(inside)
            print(f"    [{low:.1f}, {min(high, 1.0):.1f}) {len(inside):>4}  {mean:.2f}  {acc:.2f}")
    print("  threshold -> coverage, accuracy of the notes given a level")
    for threshold in THRESHOLDS:
        kept = [(n, s) for n, s in results if s.confidence >= threshold and s.confidence > 0]
        acc = sum(s.level.value == n.level for n, s in kept) / len(kept) if kept else 0.0
        print(f"    {threshold:.1f}  {len(kept) / len(results):.3f}  {acc:.3f}")
    empty = [n for n in notes if n.level == NONE]
    threshold = level_min_confidence()
    abstained = sum(suggest_level(n.note).confidence < threshold for n in empty)
    print(
        f"  notes that say nothing: {abstained}/{len(empty)} get no level at the threshold "
        f"{threshold:.2f}"
    )
    if errors:
        for n, s in results:
            if s.level.value != n.level:
                print(f"  MISS {n.level} -> {s.level.value} {s.confidence:.2f}: {n.note}")
                print(f"       {s.reason}")
    return {"accuracy": accuracy, "macro_f1": macro_f1}


def speed(notes: list[str], seconds: float) -> tuple[float, float]:
    """Notes per wall-clock second and per CPU second (the second is steadier on a busy
    machine, where other processes take the CPU away)."""
    suggest_level(notes[0])  # the model is read once per process, not timed
    count = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        for note in notes:
            suggest_level(note)
        count += len(notes)
    return count / (time.perf_counter() - wall), count / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    print(f"model: {active_path()}")
    notes: list[str] = []
    for lang in ("es", "en"):
        held = load_labelled("heldout", [lang])
        notes += [n.note for n in held]
        report(lang, held, args.errors)
    threshold = level_min_confidence()
    other = [suggest_level(note) for note in OTHER_LANGUAGES]
    given = sum(s.confidence >= threshold for s in other)
    print(f"\nother languages: {len(other) - given}/{len(other)} get no level")
    wall, cpu = speed(notes, args.seconds)
    mean = sum(map(len, notes)) / len(notes)
    print(
        f"\nspeed: {wall:,.0f} notes/second, {cpu:,.0f} per CPU second "
        f"(mean note {mean:.0f} characters, one process, Python {sys.version.split()[0]})"
    )


if __name__ == "__main__":
    main()
