"""What one team's creators taught triage: their category changes, merges and splits.

The shared model (errata/triage/model.py) stays as it is; a `TeamAdapter` adds, for one team
only, a small correction to its class scores: a bias per category and a weight per
(word feature, category), learned online from each category the creator chose with one step of
the softmax (cross-entropy) gradient. It is what a logistic regression would learn on top of
the shared model's scores, and it starts at zero, so an untouched team gets exactly the shared
model's suggestions. Merges and splits move the team's duplicate threshold: a creator who
keeps merging what triage left apart wants a looser match, one who splits wants a stricter one.

An adapter is plain data (`to_json`/`from_json`), stored per team by the app, so learning for
one team can never change another team's suggestions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from errata.triage.features import TextFeatures, text_features
from errata.triage.model import CategoryModel, softmax

__all__ = ["FORMAT", "TeamAdapter", "replay"]

FORMAT = "errata-triage-team-adapter/1"

# One step's size. Large enough that a category corrected two or three times is suggested
# from then on; the shrink below keeps old lessons from growing without bound.
LEARNING_RATE = 1.5
# Each step first shrinks every weight the example touches by this fraction (L2 decay).
SHRINK = 0.02
# How far merges and splits may move the duplicate threshold, and by how much each one does.
THRESHOLD_STEP = 0.25
THRESHOLD_LIMIT = 1.5
# Word features kept per team: the most recently useful ones (memory stays bounded).
MAX_FEATURES = 20000


@dataclass
class TeamAdapter:
    """Per-team score corrections: `bias[category]` and `weights[feature][category]`."""

    bias: dict[str, float] = field(default_factory=dict)
    weights: dict[str, dict[str, float]] = field(default_factory=dict)
    threshold_offset: float = 0.0
    examples: int = 0

    # -- suggestions -------------------------------------------------------------------------

    def deltas(self, features: TextFeatures, classes: Sequence[str]) -> list[float]:
        """What to add to the shared model's class scores for a text with these features."""
        if not self.examples:
            return [0.0] * len(classes)
        totals = dict(self.bias)
        present = [self.weights[w] for w in features.words if w in self.weights]
        if present:
            scale = 1.0 / math.sqrt(len(features.words))
            for weights in present:
                for category, value in weights.items():
                    totals[category] = totals.get(category, 0.0) + value * scale
        return [totals.get(c, 0.0) for c in classes]

    # -- learning ----------------------------------------------------------------------------

    def learn_category(self, model: CategoryModel, text: str, category: str) -> None:
        """The creator says `text` is `category`: one gradient step towards that."""
        if category not in model.classes:
            raise ValueError(f"unknown category {category!r}")
        features = text_features(text)
        probabilities = softmax(
            [
                s + d
                for s, d in zip(
                    model.raw_scores(features), self.deltas(features, model.classes), strict=True
                )
            ],
            model.temperature,
        )
        # d(log-likelihood)/d(score) = (1 if the chosen class else 0) - p, through the temperature.
        step = {
            c: LEARNING_RATE * ((1.0 if c == category else 0.0) - p) / model.temperature
            for c, p in zip(model.classes, probabilities, strict=True)
        }
        scale = 1.0 / math.sqrt(len(features.words)) if features.words else 0.0
        for c, g in step.items():
            self.bias[c] = self.bias.get(c, 0.0) * (1 - SHRINK) + g * 0.5
        for word in features.words:
            weights = self.weights.pop(word, {})  # re-inserted last: the most recently used
            for c, g in step.items():
                weights[c] = weights.get(c, 0.0) * (1 - SHRINK) + g * scale
            self.weights[word] = {c: round(v, 6) for c, v in weights.items() if abs(v) > 1e-6}
        while len(self.weights) > MAX_FEATURES:
            del self.weights[next(iter(self.weights))]
        self.examples += 1

    def learn_merge(self) -> None:
        """The creator put together findings triage kept apart: match a little more loosely."""
        self.threshold_offset = max(-THRESHOLD_LIMIT, self.threshold_offset - THRESHOLD_STEP)
        self.examples += 1

    def learn_split(self) -> None:
        """The creator took a finding out of the group triage put it in: match more strictly."""
        self.threshold_offset = min(THRESHOLD_LIMIT, self.threshold_offset + THRESHOLD_STEP)
        self.examples += 1

    # -- storage -----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "bias": {c: round(v, 6) for c, v in sorted(self.bias.items())},
            # In learning order (oldest first): the order decides what MAX_FEATURES drops.
            "weights": self.weights,
            "threshold_offset": self.threshold_offset,
            "examples": self.examples,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> TeamAdapter:
        """An adapter from its stored state; an empty or foreign state gives a fresh one."""
        if not data or data.get("format") != FORMAT:
            return cls()
        return cls(
            bias={str(c): float(v) for c, v in data.get("bias", {}).items()},
            weights={
                str(w): {str(c): float(v) for c, v in values.items()}
                for w, values in data.get("weights", {}).items()
            },
            threshold_offset=float(data.get("threshold_offset", 0.0)),
            examples=int(data.get("examples", 0)),
        )


def replay(
    model: CategoryModel, labelled: Sequence[tuple[str, str]]
) -> tuple[list[bool], list[bool]]:
    """Replay labelled findings in order, as a creator would go through them: each is
    suggested, then corrected to its label (and learned from). Returns, per finding, whether
    the untouched model and the adapting one suggested the right category."""
    adapter = TeamAdapter()
    untouched, adapted = [], []
    for text, label in labelled:
        untouched.append(model.suggest(text).category == label)
        adapted.append(model.suggest(text, adapter).category == label)
        adapter.learn_category(model, text, label)
    return untouched, adapted
