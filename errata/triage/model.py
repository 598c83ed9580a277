"""The learned categoriser at run time: a multinomial logistic regression over the features of
errata/triage/features.py, read from exported weights and evaluated in plain Python.

`manage.py train_triage` fits it with scikit-learn on the real-report corpus and the seed
(errata/triage/training.py) and writes `errata/data/triage-model.json.gz`; this module only
reads that file, so serving triage needs neither scikit-learn nor NumPy. Its probabilities are
temperature-scaled (one scalar fitted on held-out predictions during training) so that a
suggestion made with confidence 0.8 is right about 80% of the time.

`suggest_category` is what triage calls: the learned model when its file is there, else the
rule engine (errata/triage/categories.py), which also stays the baseline it is measured against.
"""

from __future__ import annotations

import gzip
import json
import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from errata.triage import categories
from errata.triage.categories import CategorySuggestion
from errata.triage.features import CUE_NAMES, TextFeatures, char_ngrams, text_features

__all__ = [
    "MODEL_PATH",
    "CategoryModel",
    "ScoreAdjuster",
    "current_model",
    "load_model",
    "suggest_category",
    "use_model",
]

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "triage-model.json.gz"
FORMAT = "errata-triage-category-model/1"
_PIECE_CACHE_LIMIT = 200_000


class ScoreAdjuster(Protocol):
    """Something that shifts a model's class scores for one team (errata/triage/adaptation.py)."""

    def deltas(self, features: TextFeatures, classes: Sequence[str]) -> list[float]: ...


def _add(first: list[float], second: Sequence[float]) -> list[float]:
    return list(map(operator.add, first, second))


def softmax(scores: Sequence[float], temperature: float = 1.0) -> list[float]:
    top = max(scores)
    exps = [math.exp((s - top) / temperature) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


@dataclass
class CategoryModel:
    """Exported weights: per word feature (its squared idf, its idf-weighted class weights), per
    character n-gram (idf-weighted class weights), per rule cue (mean, scale, class weights)."""

    classes: tuple[str, ...]
    intercept: tuple[float, ...]
    temperature: float
    words: Mapping[str, tuple[float, tuple[float, ...]]]
    grams: Mapping[str, tuple[float, ...]]
    cue_mean: tuple[float, ...]
    cue_scale: tuple[float, ...]
    cue_weights: tuple[tuple[float, ...], ...]
    meta: dict[str, Any] = field(default_factory=dict)
    _pieces: dict[str, tuple[float, ...]] = field(default_factory=dict, repr=False)

    _cue_base: tuple[float, ...] = field(default=(), repr=False)
    _cue_rows: tuple[tuple[float, ...], ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        # (value - mean) / scale * weights, summed over cues, is a constant (every cue at 0)
        # plus value / scale * weights for the few cues a text has: most are 0.
        base = [0.0] * len(self.intercept)
        for mean, scale, weights in zip(
            self.cue_mean, self.cue_scale, self.cue_weights, strict=True
        ):
            base = [b - mean / scale * w for b, w in zip(base, weights, strict=True)]
        self._cue_base = tuple(base)
        self._cue_rows = tuple(
            tuple(w / scale for w in weights)
            for scale, weights in zip(self.cue_scale, self.cue_weights, strict=True)
        )

    def _piece_vector(self, piece: str) -> tuple[float, ...]:
        """The summed n-gram weights of one piece; () when none of its n-grams is known."""
        # One lookup per n-gram and one C-level column sum, not a list per n-gram.
        known = [w for w in map(self.grams.get, char_ngrams(piece)) if w is not None]
        result = tuple(map(sum, zip(*known, strict=True))) if known else ()
        if len(self._pieces) > _PIECE_CACHE_LIMIT:
            self._pieces.clear()
        # Words recur across comments: their n-grams are summed once and remembered.
        self._pieces[piece] = result
        return result

    def raw_scores(self, features: TextFeatures) -> list[float]:
        """Class scores before temperature: the logistic regression's decision function.
        (Lookups go through map and columns are summed with zip and sum, which run in C: this
        is the hot path of triage.)"""
        vectors: list[Sequence[float]] = [self.intercept, self._cue_base]
        entries = [entry for entry in map(self.words.get, features.words) if entry is not None]
        if entries:
            norm = 1.0 / math.sqrt(sum(entry[0] for entry in entries))
            columns = zip(*(entry[1] for entry in entries), strict=True)
            vectors.append([sum(c) * norm for c in columns])
        if features.pieces:
            found = list(map(self._pieces.get, features.pieces))
            if None in found:  # pieces not seen before: sum their n-grams once
                found = [
                    v if v is not None else self._piece_vector(p)
                    for p, v in zip(features.pieces, found, strict=True)
                ]
            pieces = [v for v in found if v]
            if pieces:
                norm = 1.0 / math.sqrt(len(features.pieces))
                vectors.append([sum(c) * norm for c in zip(*pieces, strict=True)])
        # The cues' part: each non-zero cue's value times its row of weights (divided by its
        # scale, precomputed); most cues are 0 for any one text.
        rows = self._cue_rows
        vectors.extend(
            [value * w for w in rows[i]] for i, value in enumerate(features.cues) if value
        )
        return [sum(column) for column in zip(*vectors, strict=True)]

    def probabilities(self, text: str, adjuster: ScoreAdjuster | None = None) -> list[float]:
        """Calibrated class probabilities, in the order of `classes`."""
        features = text_features(text)
        scores = self.raw_scores(features)
        if adjuster is not None:
            scores = _add(scores, adjuster.deltas(features, self.classes))
        return softmax(scores, self.temperature)

    def suggest(self, text: str, adjuster: ScoreAdjuster | None = None) -> CategorySuggestion:
        probabilities = self.probabilities(text, adjuster)
        best = max(range(len(probabilities)), key=probabilities.__getitem__)
        return CategorySuggestion(self.classes[best], round(probabilities[best], 3))

    # -- the file ----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "classes": list(self.classes),
            "intercept": list(self.intercept),
            "temperature": self.temperature,
            "cues": {
                name: {"mean": mean, "scale": scale, "weights": list(weights)}
                for name, mean, scale, weights in zip(
                    CUE_NAMES, self.cue_mean, self.cue_scale, self.cue_weights, strict=True
                )
            },
            "words": {f: [q, *u] for f, (q, u) in sorted(self.words.items())},
            "grams": {g: list(u) for g, u in sorted(self.grams.items())},
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CategoryModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a triage category model (format {data.get('format')!r})")
        classes = tuple(data["classes"])
        cues = data["cues"]
        if set(cues) != set(CUE_NAMES):
            raise ValueError("the model was trained on other rule cues; run train_triage")
        return cls(
            classes=classes,
            intercept=tuple(data["intercept"]),
            temperature=float(data["temperature"]),
            words={f: (v[0], tuple(v[1:])) for f, v in data["words"].items()},
            grams={g: tuple(v) for g, v in data["grams"].items()},
            cue_mean=tuple(cues[n]["mean"] for n in CUE_NAMES),
            cue_scale=tuple(cues[n]["scale"] for n in CUE_NAMES),
            cue_weights=tuple(tuple(cues[n]["weights"]) for n in CUE_NAMES),
            meta=dict(data.get("meta") or {}),
        )

    def save(self, path: Path) -> None:
        """Write the model as gzipped JSON, byte for byte the same for the same weights."""
        payload = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":")).encode()
        with (
            path.open("wb") as raw,
            gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out,
        ):
            out.write(payload)


def load_model(path: Path = MODEL_PATH) -> CategoryModel:
    with gzip.open(path, "rb") as stream:
        return CategoryModel.from_json(json.loads(stream.read()))


_state: dict[str, CategoryModel | None] = {}


def current_model() -> CategoryModel | None:
    """The model triage uses: the committed file, read once; None when it is missing."""
    if "model" not in _state:
        _state["model"] = load_model() if MODEL_PATH.exists() else None
    return _state["model"]


def use_model(model: CategoryModel | None) -> None:
    """Make triage use this model (None: the rule engine), as cross-validation folds do."""
    _state["model"] = model
    _suggest_cached.cache_clear()


@lru_cache(maxsize=16384)
def _suggest_cached(text: str) -> CategorySuggestion:
    model = current_model()
    return model.suggest(text) if model is not None else categories.suggest_category(text)


def suggest_category(text: str, adjuster: ScoreAdjuster | None = None) -> CategorySuggestion:
    """The category of a finding's text, with a calibrated confidence; `adjuster` shifts the
    scores for one team (what it learned from that team's corrections)."""
    if adjuster is None:
        return _suggest_cached(text)
    model = current_model()
    if model is None:
        return categories.suggest_category(text)
    return model.suggest(text, adjuster)
