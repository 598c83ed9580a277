"""Range errata in the exports: markers carry the range's length (read back by
OpenTimelineIO), Markdown and CSV show "6:02-6:10"."""

from __future__ import annotations

import csv
import io

import opentimelineio as otio
import pytest

from errata.io.exports import export_render
from tests import factories
from tests.io.test_exports import MARKER_ADAPTERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranged(cut):
    return [
        factories.ErratumFactory(
            cut=cut, timestamp_s=362, timestamp_end_s=370, title="Label flickers", category="visual"
        ),
        factories.ErratumFactory(cut=cut, timestamp_s=600, title="Typo", category="typo"),
    ]


@pytest.mark.parametrize("fmt", ["fcp7", "fcpxml", "otio"])
def test_a_range_erratums_marker_has_the_ranges_duration(ranged, cut, fmt):
    content = export_render(cut=cut, fmt=fmt).content
    timeline = otio.adapters.read_from_string(content, **MARKER_ADAPTERS[fmt])
    (clip,) = list(timeline.find_clips())
    markers = sorted(
        (m.marked_range.start_time.to_seconds(), m.marked_range.duration.to_seconds(), m.name)
        for m in clip.markers
    )
    assert markers[0][:2] == (362, 8)
    assert markers[0][2].startswith("visual 6:02-6:10: Label flickers")
    # A point erratum stays a point.
    assert markers[1][:2] == (600, 0)


def test_the_edl_names_the_range_in_its_marker_since_a_loc_line_has_no_length(ranged, cut):
    edl = export_render(cut=cut, fmt="edl").content
    timeline = otio.adapters.read_from_string(edl, **MARKER_ADAPTERS["edl"])
    (clip,) = list(timeline.find_clips())
    markers = sorted((m.marked_range.start_time.to_seconds(), m.name) for m in clip.markers)
    assert markers[0] == (362, "VISUAL 6:02-6:10: LABEL FLICKERS (0 REPORTS)")
    assert markers[1] == (600, "TYPO: TYPO (0 REPORTS)")


def test_markdown_and_csv_show_the_range(ranged, cut):
    markdown = export_render(cut=cut, fmt="md").content
    assert "6:02\u20136:10" in markdown
    assert "10:00 " in markdown and "10:00\u2013" not in markdown
    rows = list(csv.DictReader(io.StringIO(export_render(cut=cut, fmt="csv").content)))
    by_title = {r["title"]: r for r in rows}
    assert by_title["Label flickers"]["time"] == "6:02\u20136:10"
    assert (
        by_title["Label flickers"]["timestamp_end_s"],
        by_title["Label flickers"]["duration_s"],
    ) == ("370.0", "8.0")
    assert (by_title["Typo"]["time"], by_title["Typo"]["duration_s"]) == ("10:00", "")
