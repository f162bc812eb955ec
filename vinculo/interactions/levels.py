"""Suggest the level of a conversation from its notes (M5), in Spanish and English.

A learned model (``levels_model``: TF-IDF of character and word n-grams, logistic
regression, calibrated) gives a probability per level and for "none" (the note says too
little). The suggestion is the most probable level with its probability as confidence; the
reason quotes the note's own words that weighed most for it, and for the runner-up when the
runner-up is close.

* The language is detected from stop words: Spanish or English; a note whose stop words are
  of another language (German, French, Portuguese, Italian, Catalan, Dutch) gets confidence
  0, so no level is stored for it. When no stop word decides (a calendar title), the words
  the model saw in each language's notes decide, else the language stays unknown ("").
* ``suggest_level`` always answers (the command prints every note's best level);
  ``suggest_stored_level`` is the one rule for storing a suggestion on an interaction:
  only at or above ``level_min_confidence()`` (``settings.VINCULO_LEVEL_MIN_CONFIDENCE``).
* When a user sets the level of an interaction that had a suggestion or none,
  ``level_correction_record`` keeps the (note, level) pair for ``vinculo train_levels``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from vinculo.interactions.levels_model import (
    EVALUATION_DIR,
    LANGUAGES,
    MAX_CHARS,
    NONE,
    Scored,
    active_model,
    fold,
    words,
)
from vinculo.vocab import Level

__all__ = [
    "EVALUATION_DIR",
    "LANGUAGES",
    "PRIORITY",
    "LevelSuggestion",
    "level_correction_record",
    "level_min_confidence",
    "suggest_level",
    "suggest_missing_levels",
    "suggest_stored_level",
]

# The order levels are listed in (reasons, reports); ties in probability follow it.
PRIORITY: tuple[Level, ...] = (
    Level.SATISFACTION,
    Level.STRATEGIC,
    Level.OPERATIONAL,
    Level.PERSONAL,
)
# A runner-up is named when it has at least this share of the winner's probability.
RUNNER_UP_SHARE = 0.35
QUOTED_WORDS = 3


@dataclass(frozen=True, slots=True)
class LevelSuggestion:
    level: Level
    confidence: float
    reason: str
    lang: str


def level_min_confidence() -> float:
    """Below this confidence no level is stored on an interaction (setting
    ``VINCULO_LEVEL_MIN_CONFIDENCE``, environment variable of the same name)."""
    value = float(getattr(settings, "VINCULO_LEVEL_MIN_CONFIDENCE", 0.6))
    return min(1.0, max(0.0, value))


# --- Language ------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Folded (no accents). Words shared with Spanish or English once folded ("les", "da", "mes",
# "pero", "van") are left out of the other languages' lists.
_STOP_WORDS: dict[str, frozenset[str]] = {
    "es": _words(
        "el la los las del de que y en un una por para con se su sus al lo como mas pero "
        "muy ya este esta estos estas hay nos les le porque cuando sobre tambien hasta "
        "donde desde todo todos nada otro otra ha han hemos fue son es estan ser "
        "tiene tienen hablamos dice dicen quieren quiere semana ano mes hoy manana ayer "
        "cliente tras sin nuestro nuestra q xq"
    ),
    "en": _words(
        "the of and to in is for on with that it was as at be by this we they he she "
        "from are have has will about our their but an or did how what which would "
        "could should been were not all more them his her its who can next said says "
        "wants want week year month today tomorrow yesterday client customer after w"
    ),
    "de": _words(
        "der die das und ist nicht mit fur auf ein eine wir ich zu den dem von haben wird "
        "sie bitte morgen woche kunde uber sind auch noch nach bei wie oder heute"
    ),
    "fr": _words(
        "et est nous vous avec pour dans pas des du au aux ce cette qui sur mais ils elle je "
        "avons sont ete tres demain semaine commande livraison leur notre avons"
    ),
    "pt": _words(
        "nao uma os em voce tambem sao isso obrigado obrigada muito do fatura faturas encomenda "
        "amanha na ao com e"
    ),
    "it": _words("il di che non per sono della abbiamo anche questo gli ci molto settimana ordine"),
    "ca": _words("amb els aquest aquesta perque dijous dilluns setmana comanda hem fer"),
    "nl": _words("het een niet met voor wij zijn ook maar dat deze"),
}
_ACCENTED_ES = frozenset("ñÑ¿¡")


def _detect(tokens: Sequence[str], original: str) -> str | None:
    counts = {
        lang: sum(1 for t in tokens if t in stop_words) for lang, stop_words in _STOP_WORDS.items()
    }
    if any(ch in original for ch in _ACCENTED_ES):
        counts["es"] += 2
    ours = max(counts["es"], counts["en"])
    other, other_count = max(
        ((lang, n) for lang, n in counts.items() if lang not in LANGUAGES), key=lambda x: x[1]
    )
    # Another language's own words outnumber ours, or match them from three on: the words
    # Spanish shares with French and Catalan ("de", "la", "el") must not outvote "avec, ils".
    if (other_count >= 2 and other_count > ours) or (other_count >= 3 and other_count == ours):
        return other
    if counts["es"] == counts["en"]:
        return None
    return "es" if counts["es"] > counts["en"] else "en"


# --- Reasons -------------------------------------------------------------------------------


def _texts() -> dict[str, str]:
    return _texts_in(get_language() or "")


@lru_cache(maxsize=16)
def _texts_in(language: str) -> dict[str, str]:
    # Translated once per interface language: gettext costs more than scoring a note.
    return {
        "empty": _("empty note"),
        "matched": _("%(level)s %(confidence)s: %(words)s"),
        "runner_up": _("runner-up %(level)s %(confidence)s: %(words)s"),
        "no_words": _("no telling words"),
        "little": _("too little to go on, no level"),
        "other_language": _("not Spanish or English, no level"),
        **{level.value: str(level.label) for level in Level},
    }


def _quotes(text: str, scored: Scored, cls: str, limit: int = QUOTED_WORDS) -> list[str]:
    """The note's own words that pushed it most towards ``cls``; neighbours join a phrase."""
    per_word: dict[str, float] = {}
    first: dict[str, int] = {}
    weights = scored.word_weights(cls)
    for index, word in enumerate(scored.words):
        per_word[word.folded] = per_word.get(word.folded, 0.0) + weights[index]
        first.setdefault(word.folded, index)
    ranked = sorted((w for w in per_word if per_word[w] > 0), key=lambda w: -per_word[w])
    if not ranked:
        return []
    floor = per_word[ranked[0]] * 0.15
    chosen = sorted(first[w] for w in ranked[:limit] if per_word[w] >= floor)
    phrases: list[tuple[float, int, int]] = []  # score, first word, last word
    for index in chosen:
        score = per_word[scored.words[index].folded]
        joined = (
            phrases
            and phrases[-1][2] == index - 1
            and not text[scored.words[index - 1].end : scored.words[index].start].strip(" -")
        )
        if joined:
            total, start, _end = phrases[-1]
            phrases[-1] = (total + score, start, index)
        else:
            phrases.append((score, index, index))
    phrases.sort(key=lambda p: -p[0])
    out = []
    for _score, start, end in phrases:
        quote = " ".join(text[scored.words[start].start : scored.words[end].end].split())
        out.append(f"“{quote}”")
    return out


def _part(key: str, level: str, probability: float, quotes: list[str]) -> str:
    texts = _texts()
    return texts[key] % {
        "level": texts[level],
        "confidence": f"{probability:.2f}",
        "words": ", ".join(quotes) if quotes else texts["no_words"],
    }


# --- Suggesting ----------------------------------------------------------------------------


def suggest_level(text: str, *, lang: str = "auto") -> LevelSuggestion:
    """Suggest the level of one conversation from its notes; pure and fast."""
    text = (text or "")[:MAX_CHARS]
    found = words(text)
    tokens = [w.folded for w in found]
    if not tokens:
        return LevelSuggestion(Level.OPERATIONAL, 0.0, _texts()["empty"], "")
    model = active_model()
    detected = lang if lang in LANGUAGES else _detect(tokens, text)
    if detected is None:
        detected = model.language(tokens) or ""
    scored = model.score(text, found)
    assert scored is not None  # there are words
    probabilities = scored.probabilities
    ranked = sorted(PRIORITY, key=lambda level: -probabilities[level.value])
    best, runner = ranked[0], ranked[1]
    p_best, p_runner = probabilities[best.value], probabilities[runner.value]
    parts = []
    if detected and detected not in LANGUAGES:
        parts.append(_texts()["other_language"])
        confidence = 0.0
    else:
        confidence = round(p_best, 2)
        if probabilities[NONE] > p_best:
            parts.append(_texts()["little"])
    parts.append(_part("matched", best.value, p_best, _quotes(text, scored, best.value)))
    if p_runner >= RUNNER_UP_SHARE * p_best and p_runner >= 0.1:
        parts.append(
            _part("runner_up", runner.value, p_runner, _quotes(text, scored, runner.value, 2))
        )
    return LevelSuggestion(best, confidence, "; ".join(parts), detected)


def suggest_stored_level(text: str) -> LevelSuggestion | None:
    """The suggestion to store on an interaction with these notes, or None: no words, another
    language, or a confidence below ``level_min_confidence()``."""
    if not (text or "").strip():
        return None
    suggestion = suggest_level(text)
    if suggestion.confidence <= 0 or suggestion.confidence < level_min_confidence():
        return None
    return suggestion


# --- Bulk ----------------------------------------------------------------------------------

BATCH = 1000


def suggest_missing_levels(queryset: QuerySet[Any]) -> int:
    """Suggest a level for every interaction in ``queryset`` that has none.

    Only rows with ``level == ""`` are touched, so a level a user chose is never replaced;
    the rows written are marked ``level_suggested``. A row whose suggestion falls below the
    confidence threshold (or has no words, or is in another language) stays without a level.
    Reads and writes in batches; returns the number of rows given a level.
    """
    # Filtering the writes on level="" too: a level a user sets meanwhile is kept.
    writer = queryset.model._default_manager.filter(level="")
    pending = (
        queryset.filter(level="")
        .exclude(summary="")
        .only("pk", "summary", "level", "level_suggested")
        .order_by("pk")
    )
    updated = 0
    batch: list[Any] = []
    for row in pending.iterator(chunk_size=BATCH):
        suggestion = suggest_stored_level(row.summary)
        if suggestion is None:
            continue
        row.level = suggestion.level.value
        row.level_suggested = True
        batch.append(row)
        if len(batch) >= BATCH:
            updated += writer.bulk_update(batch, ["level", "level_suggested"])
            batch = []
    if batch:
        updated += writer.bulk_update(batch, ["level", "level_suggested"])
    return updated


# --- Corrections ---------------------------------------------------------------------------


def level_correction_record(*, interaction: Any, level: str, actor: Any = None) -> Any:
    """Keep the (note, level) pair when a user sets the level of ``interaction`` while it
    had a suggestion or no level at all; returns the LevelCorrection or None.

    Called by the service that changes levels, before it writes the new level. A level a
    user had already chosen and changes again is kept too (the latest choice wins when
    training), but a note without words teaches nothing and is skipped.
    """
    from vinculo.interactions.models import LevelCorrection

    note = (interaction.summary or "").strip()
    if not level or not note:
        return None
    if interaction.level and not interaction.level_suggested:
        previous = LevelCorrection.objects.filter(interaction=interaction)
        if not previous.exists():
            return None  # a user's own level, changed by a user: not about the model
    return LevelCorrection.objects.create(
        interaction=interaction,
        note=note[:MAX_CHARS],
        level=level,
        suggested_level=interaction.level if interaction.level_suggested else "",
        created_by=actor
        if actor is not None and getattr(actor, "is_authenticated", False)
        else None,
    )


def normalised_note(text: str) -> str:
    """The key under which equal notes are one training example."""
    return " ".join(fold(text).split())
