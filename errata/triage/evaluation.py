"""The triage metrics of DESIGN.md ("Triage metrics") on a labelled data set.

Data set shape: {"videos": [{"title", "duration_s", "comments": [{"id", "author", "role",
"text", "timestamps_s", "items": [{"text", "timestamp_s", "category", "duplicate_group"}]}]}]}.

Conventions where the table leaves a choice: a ratio with a zero denominator is 0.0 (so is
an F1 whose precision and recall are both 0); a comment without a "role" counts as a
patron's; category_macro_f1 averages over the categories that occur in the gold labels or
the predictions (as scikit-learn does by default).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from typing import Any

from errata.triage.categories import CATEGORIES, ERRATUM_CATEGORIES, suggest_category
from errata.triage.duplicates import GroupingItem, group_findings
from errata.triage.findings import split_findings
from errata.triage.timestamps import extract_timestamps

__all__ = ["METRIC_KEYS", "TIMESTAMP_TOLERANCE_S", "evaluate"]

TIMESTAMP_TOLERANCE_S = 1.0

METRIC_KEYS = (
    "timestamp_precision",
    "timestamp_recall",
    "timestamp_f1",
    "segmentation_accuracy",
    "category_accuracy",
    "category_macro_f1",
    "erratum_precision",
    "erratum_recall",
    "erratum_f1",
    "duplicate_precision",
    "duplicate_recall",
    "duplicate_f1",
    "items",
    "comments",
)


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


def evaluate(dataset: dict[str, Any]) -> dict[str, float | int]:
    """The metrics of DESIGN.md's "Triage metrics" table, keyed as there."""
    timestamps_predicted = timestamps_gold = timestamps_matched = 0
    segmented = segmented_right = 0
    gold_categories: list[str] = []
    predicted_categories: list[str] = []
    duplicates_predicted = duplicates_gold = duplicates_both = 0
    comments = 0

    for video in dataset.get("videos", []):
        duration = video.get("duration_s")
        grouping_items: list[GroupingItem] = []
        gold_groups: list[str | None] = []
        for comment in video.get("comments", []):
            comments += 1
            text = comment.get("text") or ""
            predicted = [t.seconds for t in extract_timestamps(text, duration_s=duration)]
            gold = [float(v) for v in comment.get("timestamps_s") or []]
            timestamps_predicted += len(predicted)
            timestamps_gold += len(gold)
            timestamps_matched += _matched_timestamps(predicted, gold)
            if not _is_patron(comment):
                continue
            items = comment.get("items") or []
            segmented += 1
            if len(split_findings(text, duration_s=duration)) == len(items):
                segmented_right += 1
            for item in items:
                item_text = item.get("text") or ""
                if item.get("category") in CATEGORIES:
                    gold_categories.append(item["category"])
                    predicted_categories.append(suggest_category(item_text).category)
                grouping_items.append(
                    GroupingItem(
                        key=len(grouping_items),
                        text=item_text,
                        timestamp_s=item.get("timestamp_s"),
                    )
                )
                gold_groups.append(item.get("duplicate_group"))
        labels = group_findings(grouping_items)
        predicted_pairs, gold_pairs, both_pairs = _duplicate_counts(labels, gold_groups)
        duplicates_predicted += predicted_pairs
        duplicates_gold += gold_pairs
        duplicates_both += both_pairs

    timestamp_precision = _ratio(timestamps_matched, timestamps_predicted)
    timestamp_recall = _ratio(timestamps_matched, timestamps_gold)

    items = len(gold_categories)
    correct = sum(g == p for g, p in zip(gold_categories, predicted_categories, strict=True))
    labels_seen = sorted(set(gold_categories) | set(predicted_categories))
    per_label_f1 = []
    for label in labels_seen:
        tp = sum(
            g == label and p == label
            for g, p in zip(gold_categories, predicted_categories, strict=True)
        )
        precision = _ratio(tp, predicted_categories.count(label))
        recall = _ratio(tp, gold_categories.count(label))
        per_label_f1.append(_f1(precision, recall))

    gold_errata = [c in ERRATUM_CATEGORIES for c in gold_categories]
    predicted_errata = [c in ERRATUM_CATEGORIES for c in predicted_categories]
    errata_both = sum(g and p for g, p in zip(gold_errata, predicted_errata, strict=True))
    erratum_precision = _ratio(errata_both, sum(predicted_errata))
    erratum_recall = _ratio(errata_both, sum(gold_errata))

    duplicate_precision = _ratio(duplicates_both, duplicates_predicted)
    duplicate_recall = _ratio(duplicates_both, duplicates_gold)

    return {
        "timestamp_precision": timestamp_precision,
        "timestamp_recall": timestamp_recall,
        "timestamp_f1": _f1(timestamp_precision, timestamp_recall),
        "segmentation_accuracy": _ratio(segmented_right, segmented),
        "category_accuracy": _ratio(correct, items),
        "category_macro_f1": _ratio(sum(per_label_f1), len(per_label_f1)),
        "erratum_precision": erratum_precision,
        "erratum_recall": erratum_recall,
        "erratum_f1": _f1(erratum_precision, erratum_recall),
        "duplicate_precision": duplicate_precision,
        "duplicate_recall": duplicate_recall,
        "duplicate_f1": _f1(duplicate_precision, duplicate_recall),
        "items": items,
        "comments": comments,
    }
