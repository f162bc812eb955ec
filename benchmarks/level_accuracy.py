"""Accuracy and speed of the conversation level suggestion (M5) on the labelled notes.

    .venv/bin/python benchmarks/level_accuracy.py [--errors dev|heldout] [--seconds 2]

Prints, per language and split (dev: used while tuning the word lists; heldout: not), the
accuracy, the recall per level, the confusion matrix, how often the language was detected
right, and the notes per second of ``suggest_level``. ``--errors`` lists the misses of one
split; look at the held-out misses only after the word lists are frozen.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vinculo.settings")

import django

django.setup()

from vinculo.interactions.levels import EVALUATION_DIR, suggest_level  # noqa: E402
from vinculo.vocab import Level  # noqa: E402

LEVELS = [level.value for level in Level]
CONFIDENT = 0.3  # below this, a suggestion rests on one weak word or on nothing
SHORT = {"operational": "oper", "strategic": "strat", "satisfaction": "satis", "personal": "pers"}


def load(lang: str) -> list[tuple[str, str, str]]:
    with (EVALUATION_DIR / f"levels_{lang}.tsv").open(encoding="utf-8", newline="") as handle:
        return [
            (row["level"], row["split"], row["note"])
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]


def report(lang: str, split: str, rows: list[tuple[str, str, str]], errors: str | None) -> float:
    confusion: Counter[tuple[str, str]] = Counter()
    lang_right = 0
    confident = confident_right = 0
    misses = []
    for expected, _, note in rows:
        suggestion = suggest_level(note)
        confusion[expected, suggestion.level.value] += 1
        lang_right += suggestion.lang == lang
        if suggestion.confidence >= CONFIDENT:
            confident += 1
            confident_right += suggestion.level.value == expected
        if suggestion.level.value != expected:
            misses.append((expected, suggestion, note))
    right = sum(confusion[level, level] for level in LEVELS)
    accuracy = right / len(rows)
    print(
        f"\n{lang} {split}: accuracy {accuracy:.3f} ({right}/{len(rows)}), "
        f"language detected {lang_right}/{len(rows)}"
    )
    print(
        f"  confidence >= {CONFIDENT}: {confident}/{len(rows)} notes, accuracy "
        f"{confident_right / confident if confident else 0:.3f}"
    )
    print("  expected \\ suggested " + " ".join(f"{SHORT[c]:>6}" for c in LEVELS) + "  recall")
    for level in LEVELS:
        total = sum(confusion[level, c] for c in LEVELS)
        recall = confusion[level, level] / total if total else 0.0
        cells = " ".join(f"{confusion[level, c]:>6}" for c in LEVELS)
        print(f"  {level:<21}{cells}  {recall:.2f}")
    if errors == split:
        for expected, suggestion, note in misses:
            print(
                f"  MISS {expected} -> {suggestion.level.value} {suggestion.confidence:.2f}: "
                f"{note}\n       {suggestion.reason}"
            )
    return accuracy


def speed(notes: list[str], seconds: float) -> tuple[float, float]:
    """Notes per wall-clock second and per CPU second (the second is steadier on a busy
    machine, where other processes take the CPU away)."""
    count = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        for note in notes:
            suggest_level(note)
        count += len(notes)
    return count / (time.perf_counter() - wall), count / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", choices=["dev", "heldout"])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    notes = []
    for lang in ("es", "en"):
        rows = load(lang)
        notes += [note for _, _, note in rows]
        for split in ("dev", "heldout"):
            report(lang, split, [r for r in rows if r[1] == split], args.errors)
    wall, cpu = speed(notes, args.seconds)
    mean = sum(map(len, notes)) / len(notes)
    print(
        f"\nspeed: {wall:,.0f} notes/second, {cpu:,.0f} per CPU second "
        f"(mean note {mean:.0f} characters, one process, Python {sys.version.split()[0]})"
    )


if __name__ == "__main__":
    main()
