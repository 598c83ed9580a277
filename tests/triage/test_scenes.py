from __future__ import annotations

import pytest

from errata.triage.scenes import SceneLocator, SpanRef, suggest_scene

SPANS = [
    SpanRef("Intro", 0.0, 38.0),
    SpanRef("BrainAndHow", 38.0, 48.0),
    SpanRef("WriteAProgram", 48.0, 67.0),
    # a gap from 67 to 70
    SpanRef("LayOutPlan", 70.0, 125.0),
]


@pytest.mark.parametrize(
    ("timestamp_s", "scene"),
    [
        (0.0, "Intro"),
        (10.0, "Intro"),
        (37.99, "Intro"),
        (38.0, "BrainAndHow"),  # an exact boundary goes to the span that starts there
        (47.5, "BrainAndHow"),
        (48.0, "WriteAProgram"),
        (66.9, "WriteAProgram"),
        (67.0, "WriteAProgram"),  # just past the end, nothing else contains it
        (68.5, "WriteAProgram"),
        (69.0, "WriteAProgram"),
        (70.0, "LayOutPlan"),
        (125.0, "LayOutPlan"),  # the very end of the cut
        (127.0, "LayOutPlan"),
        (127.5, None),  # past the tolerance
        (-1.0, None),
        (None, None),
    ],
)
def test_a_position_maps_to_the_scene_on_screen(
    timestamp_s: float | None, scene: str | None
) -> None:
    assert suggest_scene(timestamp_s, SPANS) == scene


def test_the_order_spans_are_given_in_does_not_matter() -> None:
    assert suggest_scene(50.0, list(reversed(SPANS))) == "WriteAProgram"


def test_the_tolerance_can_be_changed() -> None:
    assert suggest_scene(68.5, SPANS, tolerance_s=1.0) is None
    assert suggest_scene(68.5, SPANS, tolerance_s=0.0) is None
    assert suggest_scene(67.0, SPANS, tolerance_s=0.0) == "WriteAProgram"


def test_overlapping_spans_prefer_the_one_that_started_last() -> None:
    spans = [SpanRef("Long", 0.0, 100.0), SpanRef("Inset", 40.0, 50.0)]
    locator = SceneLocator(spans)
    assert locator.locate(45.0) == "Inset"
    assert locator.locate(55.0) == "Long"
    assert locator.locate(5.0) == "Long"


def test_no_spans_means_no_scene() -> None:
    assert suggest_scene(10.0, []) is None


def test_empty_spans_are_ignored() -> None:
    assert suggest_scene(5.0, [SpanRef("Empty", 5.0, 5.0), SpanRef("Real", 0.0, 10.0)]) == "Real"


def test_one_locator_answers_many_lookups_like_the_function() -> None:
    locator = SceneLocator(SPANS)
    for t in [x / 2 for x in range(0, 260)]:
        assert locator.locate(t) == suggest_scene(t, SPANS)
