"""The learned conversation-level model (M5): features, inference, training, storage.

One bilingual linear model over TF-IDF features of the note: character 2-5-grams inside each
word (accents and case folded, so "proximo" and "Próximo" are one feature and typos still
share most of their grams) plus word unigrams and bigrams. A multinomial logistic regression
gives a probability per class; the classes are the four levels plus ``none``, learnt from
notes that say nothing ("ok", "vale", "see email"), so that a contentless note puts its
weight on ``none`` and no level comes out confident. A temperature fitted on out-of-fold
predictions of the training notes makes the probabilities calibrated.

Training uses scikit-learn (only ``train()`` imports it); the trained model is exported to a
small gzipped JSON table (per feature: its IDF and one weight per class) and inference is
plain Python over that table, so that suggesting a level costs a few dictionary look-ups per
n-gram and no process pays for importing scikit-learn or unpickling estimators.

The model shipped in the package (``level_model.json.gz``) is rebuilt from the labelled files
with ``vinculo train_levels --shipped``; ``vinculo train_levels`` adds the team's corrections
and writes ``level_model_vN.json.gz`` under the installation's data directory
(``settings.VAR_DIR / "levels"``), which is loaded in preference to the shipped one.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

EVALUATION_DIR = Path(__file__).resolve().parent / "evaluation"
SHIPPED_MODEL = Path(__file__).resolve().parent / "level_model.json.gz"
NONE = "none"
CLASSES = ("operational", "strategic", "satisfaction", "personal", NONE)
LANGUAGES = ("es", "en")
FORMAT = 1
# Regularisation of the logistic regression, chosen by 5-fold cross-validation on the
# training notes only (docs/benchmarks.md); 10 beat 1, 3 and 30 there.
C = 10.0
MIN_DF = 2  # an n-gram seen in one training note only is noise, and doubles the file
MAX_CHARS = 20_000
FOLDS = 5


# --- Features ----------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+")
_APOSTROPHES = frozenset("'`\u2019\u00b4")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _APOSTROPHES:
        return " "
    decomposed = unicodedata.normalize("NFKD", ch.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case, accents and apostrophes off; may change the length (``ß``)."""
    if text.isascii():
        return text.lower().replace("'", " ").replace("`", " ")
    return "".join(map(_fold_char, text))


@dataclass(frozen=True, slots=True)
class Word:
    folded: str
    start: int  # span in the original text, for quoting
    end: int


def words(text: str) -> list[Word]:
    """The note's words, folded, with their place in the original text."""
    found = []
    for match in _TOKEN.finditer(text):
        folded = fold(match.group())
        for part in _TOKEN.findall(folded):  # folding may split ("l'été")
            found.append(Word(part, match.start(), match.end()))
    return found


def word_grams(token: str) -> list[str]:
    """The features of one word: its character 2-5-grams (padded with a space on each side,
    so beginnings and endings are features of their own) and the word itself."""
    padded = f" {token} "
    size = len(padded)
    found = [padded[start : start + n] for n in range(2, 6) for start in range(size - n + 1)]
    found.append("w:" + token)
    return found


def grams(tokens: Sequence[str]) -> Iterator[tuple[str, int]]:
    """Every feature of a note with the index of the word it comes from (a bigram counts for
    its first word); the training analyzer and inference share ``word_grams``."""
    previous = ""
    for index, token in enumerate(tokens):
        for gram in word_grams(token):
            yield gram, index
        if previous:
            yield f"b:{previous} {token}", index - 1
        previous = token


def analyzer(text: str) -> list[str]:
    return [gram for gram, _ in grams([w.folded for w in words(text[:MAX_CHARS])])]


# --- The model ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scored:
    """Class probabilities of one note, and what is needed to explain them."""

    probabilities: dict[str, float]
    words: list[Word]
    classes: tuple[str, ...]
    weights: np.ndarray  # classes x the note's features
    values: np.ndarray  # the note's TF-IDF value per feature
    occurrence_feature: np.ndarray  # per occurrence of a feature: its position in values
    occurrence_word: np.ndarray  # ... and the word it comes from
    occurrences: np.ndarray  # per feature: how often it occurs

    def word_weights(self, cls: str) -> list[float]:
        """How much each word pushed the note towards ``cls``, against the average class:
        each feature's value times its weight for ``cls`` less its mean weight, shared
        among its occurrences."""
        if not len(self.values):
            return [0.0] * len(self.words)
        c = self.classes.index(cls)
        per_feature = self.values * (self.weights[c] - self.weights.mean(axis=0))
        per_feature = per_feature / self.occurrences
        found = np.bincount(
            self.occurrence_word,
            weights=per_feature[self.occurrence_feature],
            minlength=len(self.words),
        )
        return [float(v) for v in found]


class Model:
    """The exported model: feature index, IDF, one weight per class and feature."""

    def __init__(
        self,
        *,
        classes: tuple[str, ...],
        rows: dict[str, Sequence[float]],  # feature -> (idf, weight per class...)
        intercept: Sequence[float],
        temperature: float,
        meta: dict[str, Any] | None = None,
        lang_words: dict[str, float] | None = None,
    ) -> None:
        self.classes = classes
        self.temperature = temperature
        self.meta = meta or {}
        # word -> log(P(word | es) / P(word | en)), for notes whose stop words do not decide
        self.lang_words = lang_words or {}
        features = sorted(rows)
        self.index = {gram: j for j, gram in enumerate(features)}
        table = np.array([rows[g] for g in features], dtype=np.float64).reshape(
            len(features), len(classes) + 1
        )
        self.idf = table[:, 0].copy()
        self.coef = np.ascontiguousarray(table[:, 1:].T)  # classes x features
        self.intercept = np.array(intercept, dtype=np.float64)
        self._cache: dict[str, tuple[int, ...]] = {}

    def _known(self, token: str) -> tuple[int, ...]:
        """The model's features among a word's own grams; cached, as notes share words."""
        known = self._cache.get(token)
        if known is None:
            if len(self._cache) > 200_000:
                self._cache.clear()
            index = self.index
            known = tuple(index[g] for g in word_grams(token) if g in index)
            self._cache[token] = known
        return known

    def score(self, text: str, found: list[Word] | None = None) -> Scored | None:
        """Probabilities for ``text`` (``found``: its ``words()``, when already split)."""
        if found is None:
            found = words(text[:MAX_CHARS])
        if not found:
            return None
        index = self.index
        position: dict[int, int] = {}  # feature -> its place among the note's features
        occurrence_feature: list[int] = []
        occurrence_word: list[int] = []
        tokens = [w.folded for w in found]
        for word, token in enumerate(tokens):
            for j in self._known(token):
                occurrence_feature.append(position.setdefault(j, len(position)))
                occurrence_word.append(word)
            if word:
                bigram = index.get(f"b:{tokens[word - 1]} {token}")
                if bigram is not None:
                    occurrence_feature.append(position.setdefault(bigram, len(position)))
                    occurrence_word.append(word - 1)
        columns = np.fromiter(position, dtype=np.intp, count=len(position))
        occurrences = np.bincount(
            np.array(occurrence_feature, dtype=np.intp), minlength=len(columns)
        ).astype(np.float64)
        weights = self.coef[:, columns]
        if len(columns):
            values = (1.0 + np.log(occurrences)) * self.idf[columns]
            values /= np.sqrt(values @ values)
            logits = weights @ values + self.intercept
        else:
            values = np.zeros(0)
            logits = self.intercept.copy()
        scaled = logits / self.temperature
        exps = np.exp(scaled - scaled.max())
        probabilities = exps / exps.sum()
        return Scored(
            {cls: float(p) for cls, p in zip(self.classes, probabilities, strict=True)},
            found,
            self.classes,
            weights,
            values,
            np.array(occurrence_feature, dtype=np.intp),
            np.array(occurrence_word, dtype=np.intp),
            occurrences,
        )

    def language(self, tokens: Iterable[str]) -> str | None:
        evidence = sum(self.lang_words.get(token, 0.0) for token in tokens)
        if abs(evidence) < 1.0:
            return None
        return "es" if evidence > 0 else "en"

    # -- storage --

    def dump(self, path: Path) -> None:
        data = {
            "format": FORMAT,
            "classes": list(self.classes),
            "intercept": [round(float(v), 5) for v in self.intercept],
            "temperature": round(self.temperature, 5),
            "meta": self.meta,
            "lang_words": {w: round(v, 3) for w, v in sorted(self.lang_words.items())},
            "rows": {
                gram: [round(float(self.idf[j]), 5)] + [round(float(v), 5) for v in self.coef[:, j]]
                for gram, j in self.index.items()
            },
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        tmp = path.with_suffix(".tmp")
        # mtime=0: the same model gives the same bytes, so a rebuild shows no diff in git.
        with open(tmp, "wb") as handle, gzip.GzipFile(fileobj=handle, mode="wb", mtime=0) as gz:
            gz.write(raw)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Model:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("format") != FORMAT:
            raise ValueError(f"{path}: unknown model format {data.get('format')!r}")
        return cls(
            classes=tuple(data["classes"]),
            rows=data["rows"],
            intercept=tuple(data["intercept"]),
            temperature=float(data["temperature"]),
            meta=data["meta"],
            lang_words=data["lang_words"],
        )


# --- Where models live -------------------------------------------------------------------


def team_dir() -> Path:
    return Path(settings.VAR_DIR) / "levels"


_VERSIONED = re.compile(r"^level_model_v(\d+)\.json\.gz$")


def team_models() -> list[tuple[int, Path]]:
    """The models trained by this installation, oldest first."""
    folder = team_dir()
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _VERSIONED.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def active_path() -> Path:
    models = team_models()
    return models[-1][1] if models else SHIPPED_MODEL


_loaded: dict[str, Model] = {}


def active_model() -> Model:
    """The newest team model, else the shipped one; read once per process."""
    model = _loaded.get("active")
    if model is None:
        model = _loaded["active"] = Model.load(active_path())
    return model


def forget_loaded_model() -> None:
    """Read the model again at the next suggestion (after training, in tests)."""
    _loaded.clear()


# --- Labelled notes ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Labelled:
    level: str  # one of CLASSES
    note: str
    lang: str
    voice: str = ""


def labelled_files(split: str) -> list[Path]:
    return [EVALUATION_DIR / f"levels_{split}_{lang}.tsv" for lang in LANGUAGES]


def load_labelled(split: str, langs: Sequence[str] = LANGUAGES) -> list[Labelled]:
    """``split`` is ``train`` or ``heldout`` (frozen: measured on, never tuned on)."""
    notes = []
    for lang in langs:
        path = EVALUATION_DIR / f"levels_{split}_{lang}.tsv"
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                notes.append(Labelled(row["level"], row["note"], lang, row["voice"]))
    return notes


def files_digest(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# --- Training ----------------------------------------------------------------------------


def _fit(texts: Sequence[str], labels: Sequence[str], weights: Sequence[float]) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        analyzer=analyzer, sublinear_tf=True, min_df=MIN_DF, lowercase=False
    )
    matrix = vectorizer.fit_transform(texts)
    classifier = LogisticRegression(C=C, solver="saga", tol=1e-3, max_iter=3000, random_state=0)
    classifier.fit(matrix, labels, sample_weight=list(weights))
    return vectorizer, classifier


def _temperature(logits: list[list[float]], labels: list[int]) -> float:
    """The temperature that minimises the log loss of out-of-fold logits (golden section)."""

    def loss(t: float) -> float:
        total = 0.0
        for z, y in zip(logits, labels, strict=True):
            scaled = [v / t for v in z]
            top = max(scaled)
            total += top + math.log(sum(math.exp(v - top) for v in scaled)) - scaled[y]
        return total / len(labels)

    low, high = 0.2, 5.0
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(40):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if loss(a) < loss(b):
            high = b
        else:
            low = a
    return (low + high) / 2


def _lang_words(notes: Sequence[Labelled]) -> dict[str, float]:
    counts = {"es": dict[str, int](), "en": dict[str, int]()}
    for note in notes:
        if note.lang in counts:
            for word in {w.folded for w in words(note.note)}:
                counts[note.lang][word] = counts[note.lang].get(word, 0) + 1
    es_total = sum(counts["es"].values()) + 1
    en_total = sum(counts["en"].values()) + 1
    table = {}
    for word in counts["es"].keys() | counts["en"].keys():
        es, en = counts["es"].get(word, 0), counts["en"].get(word, 0)
        if es + en < 2 or word.isdigit():
            continue
        ratio = math.log(((es + 0.5) / es_total) / ((en + 0.5) / en_total))
        if abs(ratio) >= 1.0:
            table[word] = ratio
    return table


def train(
    notes: Sequence[Labelled],
    *,
    weights: Sequence[float] | None = None,
    meta: dict[str, Any] | None = None,
) -> Model:
    """A model from labelled notes; deterministic (same notes, same model)."""
    from sklearn.model_selection import StratifiedKFold

    texts = [n.note for n in notes]
    labels = [n.level for n in notes]
    sample = list(weights) if weights is not None else [1.0] * len(notes)
    # Out-of-fold logits for the temperature: each note scored by a model that never saw it.
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    oof_logits: list[list[float]] = []
    oof_labels: list[int] = []
    for fit_rows, test_rows in folds.split(texts, labels):
        vectorizer, classifier = _fit(
            [texts[i] for i in fit_rows], [labels[i] for i in fit_rows],
            [sample[i] for i in fit_rows],
        )  # fmt: skip
        order = [list(classifier.classes_).index(c) for c in CLASSES]
        raw = classifier.decision_function(vectorizer.transform([texts[i] for i in test_rows]))
        for row, i in zip(raw, test_rows, strict=True):
            oof_logits.append([float(row[j]) for j in order])
            oof_labels.append(CLASSES.index(labels[i]))
    temperature = _temperature(oof_logits, oof_labels)

    vectorizer, classifier = _fit(texts, labels, sample)
    order = [list(classifier.classes_).index(c) for c in CLASSES]
    idf = vectorizer.idf_
    coef = classifier.coef_
    rows: dict[str, Sequence[float]] = {
        gram: (float(idf[j]), *(float(coef[c, j]) for c in order))
        for gram, j in vectorizer.vocabulary_.items()
    }
    intercept = tuple(float(classifier.intercept_[c]) for c in order)
    import sklearn

    return Model(
        classes=CLASSES,
        rows=rows,
        intercept=intercept,
        temperature=temperature,
        meta={"notes": len(notes), "scikit_learn": sklearn.__version__, **(meta or {})},
        lang_words=_lang_words(notes),
    )


def train_shipped() -> Model:
    """The shipped model: the training notes of both languages and nothing else."""
    files = labelled_files("train")
    return train(load_labelled("train"), meta={"trained_on": files_digest(files)})


def predict(model: Model, text: str) -> str:
    """The most probable of the four levels (what the command prints), ``none`` left out."""
    scored = model.score(text)
    if scored is None:
        return CLASSES[0]
    return max(CLASSES[:-1], key=lambda cls: scored.probabilities[cls])


def heldout_accuracy(model: Model, notes: Sequence[Labelled] | None = None) -> dict[str, float]:
    """Accuracy on the frozen held-out notes that have a level, per language and ``all``."""
    notes = [n for n in (notes or load_labelled("heldout")) if n.level != NONE]
    right: dict[str, int] = {}
    total: dict[str, int] = {}
    for note in notes:
        for key in (note.lang, "all"):
            total[key] = total.get(key, 0) + 1
            right[key] = right.get(key, 0) + (predict(model, note.note) == note.level)
    return {key: right[key] / total[key] for key in total}
