"""The triage metrics of DESIGN.md ("Triage metrics") on a labelled data set, and the same
metrics under leave-one-source-out cross-validation.

Data set shape: {"videos": [{"title", "duration_s", "source"?, "comments": [{"id", "author",
"role", "text", "timestamps_s", "items": [{"text", "timestamp_s", "category",
"duplicate_group", "correction"?: {"wrong", "right"}}]}]}]}.

Conventions where the table leaves a choice: a ratio with a zero denominator is 0.0 (so is
an F1 whose precision and recall are both 0); a comment without a "role" counts as a
patron's; category_macro_f1 averages over the categories that occur in the gold labels or
the predictions (as scikit-learn does by default). The counts behind every ratio are kept in a
Tally, so folds add up before any ratio is taken.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from errata.triage.categories import CATEGORIES, ERRATUM_CATEGORIES, CategorySuggestion
from errata.triage.categories import suggest_category as rule_category
from errata.triage.corrections import correction_key, extract_correction
from errata.triage.duplicates import GroupingItem, group_findings
from errata.triage.findings import split_findings
from errata.triage.model import suggest_category as learned_category
from errata.triage.timestamps import extract_timestamps

__all__ = [
    "METRIC_KEYS",
    "TIMESTAMP_TOLERANCE_S",
    "Categorizer",
    "Tally",
    "cross_validate",
    "evaluate",
    "source_folds",
]

TIMESTAMP_TOLERANCE_S = 1.0

METRIC_KEYS = (
    "timestamp_precision",
    "timestamp_recall",
    "timestamp_f1",
    "segmentation_accuracy",
    "category_accuracy",
    "category_macro_f1",
    "category_ece",
    "erratum_precision",
    "erratum_recall",
    "erratum_f1",
    "duplicate_precision",
    "duplicate_recall",
    "duplicate_f1",
    "duplicate_grouped_f1",
    "correction_precision",
    "correction_recall",
    "correction_f1",
    "items",
    "comments",
)

Categorizer = Callable[[str], CategorySuggestion]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def _matched_timestamps(predicted: Iterable[float], gold: Iterable[float]) -> int:
    """Predictions that match a still-unmatched gold value within the tolerance, greedily
    in text order, each taking the nearest such gold value."""
    unmatched = [float(value) for value in gold]
    matched = 0
    for value in predicted:
        best = None
        for index, candidate in enumerate(unmatched):
            gap = abs(candidate - value)
            if gap <= TIMESTAMP_TOLERANCE_S and (best is None or gap < best[0]):
                best = (gap, index)
        if best is not None:
            unmatched.pop(best[1])
            matched += 1
    return matched


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


def _duplicate_counts(
    labels: list[Hashable], gold_groups: list[str | None]
) -> tuple[int, int, int]:
    """(pairs the engine grouped, gold pairs, pairs both grouped), counted by group sizes."""
    predicted = sum(_pairs(n) for n in Counter(labels).values())
    gold = sum(_pairs(n) for g, n in Counter(gold_groups).items() if g is not None)
    both = sum(
        _pairs(n)
        for (_, g), n in Counter(zip(labels, gold_groups, strict=True)).items()
        if g is not None
    )
    return predicted, gold, both


def _is_patron(comment: dict[str, Any]) -> bool:
    return comment.get("role", "patron") == "patron"


@dataclass
class Tally:
    """The counts behind the metrics, summed over videos (and over folds)."""

    timestamps_predicted: int = 0
    timestamps_gold: int = 0
    timestamps_matched: int = 0
    segmented: int = 0
    segmented_right: int = 0
    gold_categories: list[str] = field(default_factory=list)
    predicted_categories: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=lambda: [0, 0, 0])
    grouped_duplicates: list[int] = field(default_factory=lambda: [0, 0, 0])
    corrections: list[int] = field(default_factory=lambda: [0, 0, 0])
    comments: int = 0

    def add_video(self, video: dict[str, Any], categorize: Categorizer) -> None:
        duration = video.get("duration_s")
        grouping_items: list[GroupingItem] = []
        gold_groups: list[str | None] = []
        for comment in video.get("comments", []):
            self.comments += 1
            text = comment.get("text") or ""
            predicted = [t.seconds for t in extract_timestamps(text, duration_s=duration)]
            gold = [float(v) for v in comment.get("timestamps_s") or []]
            self.timestamps_predicted += len(predicted)
            self.timestamps_gold += len(gold)
            self.timestamps_matched += _matched_timestamps(predicted, gold)
            if not _is_patron(comment):
                continue
            items = comment.get("items") or []
            self.segmented += 1
            if len(split_findings(text, duration_s=duration)) == len(items):
                self.segmented_right += 1
            for item in items:
                item_text = item.get("text") or ""
                if item.get("category") in CATEGORIES:
                    suggestion = categorize(item_text)
                    self.gold_categories.append(item["category"])
                    self.predicted_categories.append(suggestion.category)
                    self.confidences.append(suggestion.confidence)
                self._add_correction(item, item_text)
                grouping_items.append(
                    GroupingItem(
                        key=len(grouping_items),
                        text=item_text,
                        timestamp_s=item.get("timestamp_s"),
                    )
                )
                gold_groups.append(item.get("duplicate_group"))
        labels = group_findings(grouping_items, categorize=categorize)
        counts = _duplicate_counts(labels, gold_groups)
        self.duplicates = [a + b for a, b in zip(self.duplicates, counts, strict=True)]
        if counts[1]:
            self.grouped_duplicates = [
                a + b for a, b in zip(self.grouped_duplicates, counts, strict=True)
            ]

    def _add_correction(self, item: dict[str, Any], text: str) -> None:
        gold = item.get("correction")
        predicted = extract_correction(text)
        gold_key = correction_key(gold.get("wrong", ""), gold.get("right", "")) if gold else None
        if gold_key is not None and not gold_key[1]:
            gold_key = None  # a label without a right side states no correction
        predicted_key = correction_key(predicted.wrong, predicted.right) if predicted else None
        self.corrections[0] += predicted_key is not None
        self.corrections[1] += gold_key is not None
        self.corrections[2] += predicted_key is not None and predicted_key == gold_key

    def merge(self, other: Tally) -> None:
        self.timestamps_predicted += other.timestamps_predicted
        self.timestamps_gold += other.timestamps_gold
        self.timestamps_matched += other.timestamps_matched
        self.segmented += other.segmented
        self.segmented_right += other.segmented_right
        self.gold_categories += other.gold_categories
        self.predicted_categories += other.predicted_categories
        self.confidences += other.confidences
        for mine, theirs in (
            (self.duplicates, other.duplicates),
            (self.grouped_duplicates, other.grouped_duplicates),
            (self.corrections, other.corrections),
        ):
            for index, value in enumerate(theirs):
                mine[index] += value
        self.comments += other.comments

    def per_category(self) -> dict[str, dict[str, float | int]]:
        """Precision, recall, F1 and support of each of the eight categories."""
        gold, predicted = self.gold_categories, self.predicted_categories
        table: dict[str, dict[str, float | int]] = {}
        for label in CATEGORIES:
            tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
            precision = _ratio(tp, predicted.count(label))
            recall = _ratio(tp, gold.count(label))
            table[label] = {
                "precision": precision,
                "recall": recall,
                "f1": _f1(precision, recall),
                "support": gold.count(label),
            }
        return table

    def confusion(self) -> dict[str, dict[str, int]]:
        """{gold category: {predicted category: count}}."""
        counts = Counter(zip(self.gold_categories, self.predicted_categories, strict=True))
        return {g: {p: counts[(g, p)] for p in CATEGORIES} for g in CATEGORIES}

    def metrics(self) -> dict[str, float | int]:
        timestamp_precision = _ratio(self.timestamps_matched, self.timestamps_predicted)
        timestamp_recall = _ratio(self.timestamps_matched, self.timestamps_gold)
        gold, predicted = self.gold_categories, self.predicted_categories
        correct = [g == p for g, p in zip(gold, predicted, strict=True)]
        labels_seen = sorted(set(gold) | set(predicted))
        per_label_f1 = []
        for label in labels_seen:
            tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
            per_label_f1.append(
                _f1(_ratio(tp, predicted.count(label)), _ratio(tp, gold.count(label)))
            )
        gold_errata = [c in ERRATUM_CATEGORIES for c in gold]
        predicted_errata = [c in ERRATUM_CATEGORIES for c in predicted]
        errata_both = sum(g and p for g, p in zip(gold_errata, predicted_errata, strict=True))
        erratum_precision = _ratio(errata_both, sum(predicted_errata))
        erratum_recall = _ratio(errata_both, sum(gold_errata))
        dup_predicted, dup_gold, dup_both = self.duplicates
        duplicate_precision = _ratio(dup_both, dup_predicted)
        duplicate_recall = _ratio(dup_both, dup_gold)
        grouped_predicted, grouped_gold, grouped_both = self.grouped_duplicates
        corr_predicted, corr_gold, corr_both = self.corrections
        correction_precision = _ratio(corr_both, corr_predicted)
        correction_recall = _ratio(corr_both, corr_gold)
        return {
            "timestamp_precision": timestamp_precision,
            "timestamp_recall": timestamp_recall,
            "timestamp_f1": _f1(timestamp_precision, timestamp_recall),
            "segmentation_accuracy": _ratio(self.segmented_right, self.segmented),
            "category_accuracy": _ratio(sum(correct), len(gold)),
            "category_macro_f1": _ratio(sum(per_label_f1), len(per_label_f1)),
            "category_ece": _expected_calibration_error(self.confidences, correct),
            "erratum_precision": erratum_precision,
            "erratum_recall": erratum_recall,
            "erratum_f1": _f1(erratum_precision, erratum_recall),
            "duplicate_precision": duplicate_precision,
            "duplicate_recall": duplicate_recall,
            "duplicate_f1": _f1(duplicate_precision, duplicate_recall),
            "duplicate_grouped_f1": _f1(
                _ratio(grouped_both, grouped_predicted), _ratio(grouped_both, grouped_gold)
            ),
            "correction_precision": correction_precision,
            "correction_recall": correction_recall,
            "correction_f1": _f1(correction_precision, correction_recall),
            "items": len(gold),
            "comments": self.comments,
        }


def _expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """The gap between confidence and accuracy over equal-width confidence bins, weighted by
    how many predictions fall in each (Guo et al., 2017)."""
    total = len(confidences)
    if not total:
        return 0.0
    error = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [i for i, p in enumerate(confidences) if low < p <= high or (b == 0 and p <= 0)]
        if members:
            accuracy = sum(correct[i] for i in members) / len(members)
            confidence = sum(confidences[i] for i in members) / len(members)
            error += len(members) / total * abs(accuracy - confidence)
    return error


def _default_categorizer(text: str) -> CategorySuggestion:
    return learned_category(text)


def evaluate(
    dataset: dict[str, Any], *, categorize: Categorizer | None = None
) -> dict[str, float | int]:
    """The metrics of DESIGN.md's "Triage metrics" table, keyed as there. Categories come
    from `categorize` (by default what triage uses: the learned model, else the rules)."""
    return evaluation_tally(dataset, categorize=categorize).metrics()


def evaluation_tally(dataset: dict[str, Any], *, categorize: Categorizer | None = None) -> Tally:
    tally = Tally()
    for video in dataset.get("videos", []):
        tally.add_video(video, categorize or _default_categorizer)
    return tally


def _video_source(video: dict[str, Any], number: int) -> str:
    return str(video.get("source") or video.get("title") or f"video {number}")


def source_folds(dataset: dict[str, Any], folds: int | None = None) -> list[list[int]]:
    """Video indices per fold: every source (a video) in one fold only. `folds=None` is
    leave-one-source-out (a fold per source); else sources are dealt round-robin, in sorted
    order, into that many folds."""
    sources = sorted({_video_source(v, i) for i, v in enumerate(dataset.get("videos", []))})
    if folds is None or folds >= len(sources):
        fold_of = {s: i for i, s in enumerate(sources)}
        count = len(sources)
    else:
        fold_of = {s: i % folds for i, s in enumerate(sources)}
        count = folds
    grouped: list[list[int]] = [[] for _ in range(count)]
    for index, video in enumerate(dataset.get("videos", [])):
        grouped[fold_of[_video_source(video, index)]].append(index)
    return [g for g in grouped if g]


def cross_validate(
    dataset: dict[str, Any],
    *,
    extra_training: Sequence[tuple[str, str]] = (),
    folds: int | None = None,
    fit: Callable[[list[tuple[str, str]]], Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Leave-one-source-out (or grouped k-fold) evaluation of the learned categoriser beside
    the rule engine on the same folds. For each fold the model is fitted on the other folds'
    items plus `extra_training` (the seed) and never sees a report of the videos it is
    tested on; the rule engine, which learns nothing, is scored on the same videos."""
    from errata.triage.training import fit_category_model, labelled_items

    fit = fit or fit_category_model
    videos = dataset.get("videos", [])
    learned, rules = Tally(), Tally()
    fold_list = source_folds(dataset, folds)
    for number, test in enumerate(fold_list):
        held_out = set(test)
        train_set = {"videos": [v for i, v in enumerate(videos) if i not in held_out]}
        examples = [(t, c) for t, c, _ in labelled_items(train_set)] + list(extra_training)
        model = fit(examples)
        for index in test:
            learned.add_video(videos[index], model.suggest)
            rules.add_video(videos[index], rule_category)
        if progress is not None:
            progress(number + 1, len(fold_list))
    return {
        "folds": len(fold_list),
        "learned": {
            **learned.metrics(),
            "per_category": learned.per_category(),
            "confusion": learned.confusion(),
        },
        "rules": {
            **rules.metrics(),
            "per_category": rules.per_category(),
            "confusion": rules.confusion(),
        },
    }
