from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from errata.triage import triage_comment
from errata.triage.findings import FindingDraft, split_findings

SEED = Path(__file__).resolve().parents[2] / "errata" / "data" / "seed-labeled.json"


def seed_comment(comment_id: str) -> dict[str, Any]:
    data = json.loads(SEED.read_text(encoding="utf-8"))
    return next(c for c in data["videos"][0]["comments"] if c["id"] == comment_id)


def texts(text: str, **kwargs: Any) -> list[str]:
    return [f.text for f in split_findings(text, **kwargs)]


@pytest.mark.parametrize("comment_id", ["c04", "c15"])
def test_a_seed_comment_with_several_points_splits_exactly_like_the_hand_labels(
    comment_id: str,
) -> None:
    comment = seed_comment(comment_id)
    findings = split_findings(comment["text"], duration_s=1153)
    assert [f.text for f in findings] == [item["text"] for item in comment["items"]]
    assert [f.timestamp_s for f in findings] == [item["timestamp_s"] for item in comment["items"]]


def test_the_greeting_and_the_sign_off_of_a_split_comment_belong_to_no_finding() -> None:
    text = seed_comment("c04")["text"]
    joined = " ".join(texts(text, duration_s=1153))
    assert "Hi Grant, some thoughts:" not in joined
    assert "Hope that helps" not in joined
    assert "Keep up the great work" not in joined


def test_every_finding_is_the_exact_span_of_the_comment_it_came_from() -> None:
    text = seed_comment("c04")["text"]
    for finding in split_findings(text, duration_s=1153):
        assert text[finding.start : finding.end] == finding.text
        for stamp in finding.timestamps:
            assert finding.start <= stamp.start < stamp.end <= finding.end


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # one timestamped point per sentence
        (
            "The title is misspelled at 1:20. The axis label overlaps the curve around 3:40.",
            ["The title is misspelled at 1:20.", "The axis label overlaps the curve around 3:40."],
        ),
        # a timestamp alone on its line heads the text below it
        (
            "timestamp: 6:00\n\nThe neuron shading is inconsistent.",
            ["timestamp: 6:00\n\nThe neuron shading is inconsistent."],
        ),
        (
            "5:30\nThe label is misspelled.\n\n6:10\nThe arrow overlaps the text.",
            ["5:30\nThe label is misspelled.", "6:10\nThe arrow overlaps the text."],
        ),
        # a timestamp trailing a sentence belongs to that sentence
        (
            "Typo in the title card. (1:20)\nAxis label overlaps the curve. (3:40)",
            ["Typo in the title card. (1:20)", "Axis label overlaps the curve. (3:40)"],
        ),
        ("The label is misspelled. 5:30", ["The label is misspelled. 5:30"]),
        # lists and ranges of timestamps are one point
        (
            "at 6:00, 6:03 and 6:10 the label flickers",
            ["at 6:00, 6:03 and 6:10 the label flickers"],
        ),
        ("from 9:01 to 9:19 the audio is quiet", ["from 9:01 to 9:19 the audio is quiet"]),
        (
            "At 2:30 you say X, but at 2:45 you say Y.",
            ["At 2:30 you say X, but at 2:45 you say Y."],
        ),
        # a clause break between two timestamps makes two points
        ("Typo at 1:20; overlap at 1:45", ["Typo at 1:20", "overlap at 1:45"]),
        (
            "1:20 - typo in the title. 1:45 - overlap",
            ["1:20 - typo in the title.", "1:45 - overlap"],
        ),
        # a conjunction before a moment far from the first starts a new point
        (
            "At 1:20 the title has a typo and at 3:40 the graph is cut off.",
            ["At 1:20 the title has a typo", "at 3:40 the graph is cut off."],
        ),
        # a timestamp at the end of a clause that introduces it is part of it
        ("Misspelling in the title: 0:45", ["Misspelling in the title: 0:45"]),
        # "Also," with a new timestamp in a new sentence is a new point
        (
            "At 2:10 'teh' should be 'the'. Also, when you talk about limits around 4:00, "
            "the epsilon is missing.",
            [
                "At 2:10 'teh' should be 'the'.",
                "Also, when you talk about limits around 4:00, the epsilon is missing.",
            ],
        ),
        # chatter before the first timestamp joins the first point
        (
            "Great video! At 3:10 the arrow overlaps the label. At 5:00 the sign is flipped.",
            ["Great video! At 3:10 the arrow overlaps the label.", "At 5:00 the sign is flipped."],
        ),
        # an introducer ending in a colon is dropped
        (
            "A few notes: 0:45 the title has a typo. 2:30 the legend covers the curve.",
            ["0:45 the title has a typo.", "2:30 the legend covers the curve."],
        ),
        # a real point before the first timestamp is a point of its own
        (
            "Love this! The red and green curves are hard to tell apart for colorblind viewers. "
            "3:20 the axis label is cut off.",
            [
                "Love this! The red and green curves are hard to tell apart for colorblind "
                "viewers.",
                "3:20 the axis label is cut off.",
            ],
        ),
        # sign-offs after the last point are dropped
        (
            "1:00 typo in the title. 2:00 the graph is cut off. Thanks, and keep it up!",
            ["1:00 typo in the title.", "2:00 the graph is cut off."],
        ),
        # numbered and bulleted points
        (
            "A few things:\n1. The title is misspelled\n2. The axis overlaps\n3. The colors clash\n"
            "Thanks!",
            ["The title is misspelled", "The axis overlaps", "The colors clash"],
        ),
        (
            "- typo in title\n- overlap at 3:40\n- audio click at 5:00",
            ["typo in title", "overlap at 3:40", "audio click at 5:00"],
        ),
        (
            "* the title is misspelled\n* the legend covers the curve",
            ["the title is misspelled", "the legend covers the curve"],
        ),
        (
            "1) typo in the title 2) the axis label overlaps 3) audio click",
            ["typo in the title", "the axis label overlaps", "audio click"],
        ),
        (
            "Loved it! Some notes:\n- At 1:10, the graph label overlaps\n- 3:45 audio pops\n"
            "- Maybe explain why the determinant is zero?",
            [
                "At 1:10, the graph label overlaps",
                "3:45 audio pops",
                "Maybe explain why the determinant is zero?",
            ],
        ),
        (
            "Minor things: (1) at 0:30 the title is cut off (2) at 1:20 you say 'cosine'",
            ["at 0:30 the title is cut off", "at 1:20 you say 'cosine'"],
        ),
        (
            "2:35 - 'Eigenvalue' is misspelled\n4:10 - the arrow should point the other way\n\n"
            "Great video overall!",
            ["2:35 - 'Eigenvalue' is misspelled", "4:10 - the arrow should point the other way"],
        ),
        # no timestamps, no bullets: the whole comment is one point, greeting and all
        (
            "Hi! You use red and green for the weights. Otherwise- awesome!",
            ["Hi! You use red and green for the weights. Otherwise- awesome!"],
        ),
        ("This is awesome!", ["This is awesome!"]),
        ("* screams out of joy *", ["* screams out of joy *"]),
        ("  Great video!\n", ["Great video!"]),
    ],
)
def test_a_comment_splits_into_the_points_it_makes(text: str, expected: list[str]) -> None:
    assert texts(text, duration_s=1200) == expected


def test_a_finding_without_a_time_in_its_text_takes_the_players_time() -> None:
    (finding,) = split_findings("The legend covers the curve.", player_time_s=42.0)
    assert (finding.timestamp_s, finding.timestamp_source) == (42.0, "player")


def test_a_time_named_in_the_text_wins_over_the_players_time() -> None:
    (finding,) = split_findings("at 1:20 the legend covers the curve", player_time_s=42.0)
    assert (finding.timestamp_s, finding.timestamp_source) == (80.0, "text")


def test_a_finding_with_no_time_anywhere_has_none() -> None:
    (finding,) = split_findings("The legend covers the curve.")
    assert (finding.timestamp_s, finding.timestamp_source) == (None, "")


def test_a_range_gives_the_finding_both_ends_and_its_start_as_the_time() -> None:
    (finding,) = split_findings("from 9:01 to 9:19 the audio is quiet")
    assert [t.seconds for t in finding.timestamps] == [541, 559]
    assert finding.timestamp_s == 541


def test_a_time_past_the_end_of_the_cut_is_not_the_findings_time() -> None:
    (finding,) = split_findings("at 25:00 the title", duration_s=1153, player_time_s=10.0)
    assert (finding.timestamp_s, finding.timestamp_source) == (10.0, "player")


@pytest.mark.parametrize("text", ["x", "Great video!", "   ", "\n", "at 6:00"])
def test_non_empty_text_always_gives_at_least_one_finding(text: str) -> None:
    findings = split_findings(text)
    assert findings
    assert all(isinstance(f, FindingDraft) for f in findings)


def test_empty_text_gives_no_findings() -> None:
    assert split_findings("") == []


def test_triage_gives_each_finding_a_category_and_a_confidence() -> None:
    findings = triage_comment(seed_comment("c15")["text"], duration_s=1153)
    assert [f.category for f in findings] == ["typo", "notation"]
    assert all(0.0 <= f.confidence <= 1.0 for f in findings)
    assert findings[0].timestamp_s == 363


def test_the_creators_own_replies_are_not_findings() -> None:
    assert triage_comment("Good catch, thanks!", author_is_creator=True) == []


def test_praise_is_a_finding_of_category_none() -> None:
    (finding,) = triage_comment("This is awesome!")
    assert finding.category == "none"
