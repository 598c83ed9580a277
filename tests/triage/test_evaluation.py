from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from errata.triage.categories import suggest_category as rule_category
from errata.triage.evaluation import METRIC_KEYS, evaluate

SEED = Path(__file__).resolve().parents[2] / "errata" / "data" / "seed-labeled.json"


def comment(
    text: str,
    *,
    role: str = "patron",
    timestamps: list[float] | None = None,
    items: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "id": text[:10],
        "author": None,
        "role": role,
        "text": text,
        "timestamps_s": timestamps or [],
        "items": items if items is not None else [finding(text)],
    }


def finding(
    text: str, category: str = "none", at: float | None = None, group: str | None = None
) -> dict[str, Any]:
    return {"text": text, "timestamp_s": at, "category": category, "duplicate_group": group}


def dataset(*videos: list[dict[str, Any]], duration_s: float = 1200) -> dict[str, Any]:
    return {
        "videos": [
            {"title": f"v{n}", "duration_s": duration_s, "comments": comments}
            for n, comments in enumerate(videos)
        ]
    }


def test_the_metrics_are_exactly_those_of_the_design_table() -> None:
    assert tuple(evaluate(dataset([comment("Great video!")]))) == METRIC_KEYS
    assert set(METRIC_KEYS) == {
        "timestamp_precision", "timestamp_recall", "timestamp_f1", "segmentation_accuracy",
        "category_accuracy", "category_macro_f1", "erratum_precision", "erratum_recall",
        "erratum_f1", "duplicate_precision", "duplicate_recall", "duplicate_f1", "items",
        "comments",
        # added by issue 18: calibration, duplicate F1 over videos with groups, corrections
        "category_ece", "duplicate_grouped_f1", "correction_precision", "correction_recall",
        "correction_f1",
    }  # fmt: skip


def test_timestamps_match_within_one_second_counted_over_every_comment_of_every_role() -> None:
    metrics = evaluate(
        dataset(
            [
                comment("at 1:00 and 2:00 the label", timestamps=[60.5, 120]),  # 2 of 2
                comment("at 3:00 the label", timestamps=[181.5]),  # 1.5 s off: no match
                comment("the label is odd", timestamps=[10]),  # one missed
                comment("see 0:30", role="creator", timestamps=[]),  # one extra, still counted
            ]
        )
    )
    assert metrics["timestamp_precision"] == pytest.approx(2 / 4)
    assert metrics["timestamp_recall"] == pytest.approx(2 / 4)
    assert metrics["timestamp_f1"] == pytest.approx(0.5)
    assert metrics["comments"] == 4


def test_each_gold_timestamp_is_matched_at_most_once() -> None:
    metrics = evaluate(dataset([comment("at 6:00, and again at 6:00", timestamps=[360])]))
    assert metrics["timestamp_precision"] == pytest.approx(1 / 2)
    assert metrics["timestamp_recall"] == pytest.approx(1.0)


def test_a_range_is_scored_by_both_ends() -> None:
    metrics = evaluate(dataset([comment("from 9:01 to 9:19", timestamps=[541, 559])]))
    assert metrics["timestamp_f1"] == pytest.approx(1.0)


def test_segmentation_counts_findings_of_patron_comments_only() -> None:
    two_points = "1:00 the title has a typo. 2:00 the legend covers the curve."
    metrics = evaluate(
        dataset(
            [
                comment(two_points, items=[finding("a"), finding("b")]),  # right
                comment("Great video!", items=[finding("a"), finding("b")]),  # wrong
                comment("1:00 typo. 2:00 overlap.", role="creator", items=[finding("x")]),
            ]
        )
    )
    assert metrics["segmentation_accuracy"] == pytest.approx(1 / 2)


def test_categories_are_scored_per_gold_item_skipping_labels_outside_the_eight() -> None:
    items = [
        finding("This is awesome!", "none"),  # predicted none: right
        finding("Typo: 'recieve' should be 'receive' on the title slide.", "typo"),  # right
        finding("Could you add a quick example before the proof?", "code"),  # predicted content
        finding("Some text", "unlabelled"),  # skipped
    ]
    # The rule engine, so the predictions above are fixed whatever model file is installed.
    metrics = evaluate(dataset([comment("a comment", items=items)]), categorize=rule_category)
    assert metrics["items"] == 3
    assert metrics["category_accuracy"] == pytest.approx(2 / 3)
    # none 1.0, typo 1.0, code 0.0 (never predicted), content 0.0 (never right)
    assert metrics["category_macro_f1"] == pytest.approx(0.5)
    # errata: gold typo, code; predicted typo -> precision 1, recall 1/2
    assert metrics["erratum_precision"] == pytest.approx(1.0)
    assert metrics["erratum_recall"] == pytest.approx(0.5)
    assert metrics["erratum_f1"] == pytest.approx(2 / 3)


def test_creator_items_are_not_scored_for_categories() -> None:
    metrics = evaluate(dataset([comment("Thanks!", role="creator", items=[finding("x", "typo")])]))
    assert metrics["items"] == 0
    assert metrics["category_accuracy"] == 0.0


def test_duplicate_pairs_are_counted_per_video() -> None:
    first_video = [
        comment("a", items=[finding('at 5:58 "maybe" instead of "mabye"', "typo", 358, "g1")]),
        comment("b", items=[finding('typo: "mabye" at 6:00', "typo", 360, "g1")]),
        comment("c", items=[finding("This is awesome!", "none")]),
        # a gold pair the engine cannot see: a question and an overlap far apart
        comment("d", items=[finding("Why do we need the bias at all?", "content", None, "g2")]),
        comment("e", items=[finding("The arrows overlap the label.", "visual", 540, "g2")]),
    ]
    second_video = [
        # the same group name in another video is another problem
        comment("f", items=[finding('typo: "mabye" at 6:01', "typo", 361, "g1")]),
    ]
    metrics = evaluate(dataset(first_video, second_video))
    # gold pairs: (a, b) and (d, e); the engine groups (a, b) only
    assert metrics["duplicate_precision"] == pytest.approx(1.0)
    assert metrics["duplicate_recall"] == pytest.approx(0.5)
    assert metrics["duplicate_f1"] == pytest.approx(2 / 3)


def test_nothing_to_score_gives_zeros_not_errors() -> None:
    metrics = evaluate({"videos": []})
    assert all(metrics[key] == 0 for key in METRIC_KEYS)
    metrics = evaluate(dataset([comment("Great video!")]))
    # no gold or predicted duplicate pairs, timestamps or errata: ratios with a zero
    # denominator are 0, and so is an F1 whose precision and recall are 0
    assert metrics["duplicate_f1"] == 0.0
    assert metrics["timestamp_f1"] == 0.0
    assert metrics["segmentation_accuracy"] == 1.0


def test_the_seed_data_set_clears_the_acceptance_bars() -> None:
    metrics = evaluate(json.loads(SEED.read_text(encoding="utf-8")))
    assert metrics["timestamp_f1"] >= 0.97
    assert metrics["segmentation_accuracy"] >= 0.9
    assert metrics["category_accuracy"] >= 0.85
    assert metrics["erratum_f1"] >= 0.9
    assert metrics["duplicate_f1"] >= 0.85
    assert (metrics["items"], metrics["comments"]) == (38, 43)
