"""``vinculo train_levels [--shipped] [--dry-run]``: retrain the conversation-level model.

Without options: the shipped training notes plus the team's corrections (``LevelCorrection``;
for a note corrected several times the latest level wins, and a correction replaces a shipped
label of the same note) train a new model, which is measured on the frozen held-out notes
against the model in use. A model worse there (more than ``TOLERANCE`` below) is refused:
exit status 1, nothing written. Otherwise it is written as ``level_model_vN.json.gz`` in
``VINCULO_VAR_DIR/levels/`` and used from then on (running processes read it at their next
start).

``--shipped`` rebuilds the model shipped in the package from the labelled files alone: the
one command that reproduces ``vinculo/interactions/level_model.json.gz``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from vinculo.interactions import levels_model
from vinculo.interactions.levels import _detect, normalised_note
from vinculo.interactions.levels_model import (
    SHIPPED_MODEL,
    Labelled,
    Model,
    active_model,
    active_path,
    forget_loaded_model,
    heldout_accuracy,
    labelled_files,
    load_labelled,
    team_dir,
    team_models,
)
from vinculo.interactions.models import LevelCorrection

# A new model may score this much below the one in use on the frozen held-out notes (about two
# of its 524 notes) and still be taken: retraining on a few more notes moves a borderline note
# or two either way, while a real regression costs far more (docs/benchmarks.md).
TOLERANCE = 0.005


def _figures(accuracy: dict[str, float]) -> str:
    return ", ".join(f"{key} {accuracy[key]:.3f}" for key in ("es", "en", "all"))


def corrected_notes(model: Model) -> list[Labelled]:
    """The team's corrections as labelled notes, the latest per note."""
    latest: dict[str, Labelled] = {}
    for note, level in LevelCorrection.objects.order_by("id").values_list("note", "level"):
        tokens = [w.folded for w in levels_model.words(note)]
        lang = _detect(tokens, note) or model.language(tokens) or ""
        latest[normalised_note(note)] = Labelled(level, note, lang, "correction")
    return list(latest.values())


class Command(BaseCommand):
    help = (
        "Retrain the conversation-level model on the shipped notes plus the team's "
        "corrections; refuses a model worse on the frozen held-out notes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--shipped",
            action="store_true",
            help="Rebuild the model shipped in the package from the labelled files only.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Train and measure, write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["shipped"]:
            model = levels_model.train_shipped()
            self.stdout.write(f"held-out accuracy: {_figures(heldout_accuracy(model))}")
            if not options["dry_run"]:
                model.dump(SHIPPED_MODEL)
                forget_loaded_model()
                self.stdout.write(f"wrote {SHIPPED_MODEL}")
            return

        current = active_model()
        before = heldout_accuracy(current)
        corrections = corrected_notes(current)
        corrected = {normalised_note(n.note) for n in corrections}
        shipped = [n for n in load_labelled("train") if normalised_note(n.note) not in corrected]
        versions = team_models()
        version = versions[-1][0] + 1 if versions else 1
        model = levels_model.train(
            shipped + corrections,
            meta={
                "version": version,
                "corrections": len(corrections),
                "trained_on": levels_model.files_digest(labelled_files("train")),
                "created_at": timezone.now().isoformat(timespec="seconds"),
            },
        )
        after = heldout_accuracy(model)
        self.stdout.write(
            f"trained on {len(shipped)} shipped notes and {len(corrections)} corrections\n"
            f"held-out accuracy before ({active_path().name}): {_figures(before)}\n"
            f"held-out accuracy after: {_figures(after)}"
        )
        if after["all"] < before["all"] - TOLERANCE:
            raise CommandError(
                f"the new model is worse on the frozen held-out notes; kept {active_path().name}"
            )
        if options["dry_run"]:
            return
        path = team_dir() / f"level_model_v{version}.json.gz"
        model.dump(path)
        forget_loaded_model()
        self.stdout.write(f"wrote {path}")
