"""The reads every export shares (one checklist of a cut: its errata, scenes and reporters) and
the text helpers that keep patron text on one line."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation

from errata.catalog.selectors import (
    cut_spans_in_order,
)
from errata.fixes.reporters import Reporter, errata_reporters
from errata.fixes.selectors import errata_of_cut
from errata.models import (
    OPEN_STATUSES,
    Category,
    Cut,
    Erratum,
    Finding,
    Remedy,
    Scene,
    SceneSpan,
)
from errata.triage.scenes import SceneLocator, SpanRef
from errata.triage.timestamps import format_time

# Categories that are problems in the video (content and none are feedback and chatter).
PROBLEM_CATEGORIES = {
    Category.TYPO,
    Category.NOTATION,
    Category.NARRATION,
    Category.COLOR,
    Category.VISUAL,
    Category.CODE,
}


@dataclass
class Row:
    """An erratum with what every format needs about it, read once."""

    erratum: Erratum
    scene: Scene | None
    reporters: list[Reporter] = field(default_factory=list)

    @property
    def reporter_count(self) -> int:
        """People: who reported it or said "me too", each once."""
        return len(self.reporters)

    @property
    def report_count(self) -> int:
        """Reports: the patrons' findings in it, as the board and the erratum page count them."""
        return sum(len(reporter.reports) for reporter in self.reporters)


@dataclass
class Checklist:
    cut: Cut
    rows: list[Row]
    spans: list[SceneSpan]

    def scene_order(self) -> dict[int, int]:
        order: dict[int, int] = {}
        for span in self.spans:
            order.setdefault(span.scene_id, len(order))
        return order

    def spans_of(self) -> dict[int, list[SceneSpan]]:
        spans: dict[int, list[SceneSpan]] = defaultdict(list)
        for span in self.spans:
            spans[span.scene_id].append(span)
        return spans


def checklist_read(cut: Cut) -> Checklist:
    """Three queries for any number of errata: spans with scenes, errata with scenes, reporters."""
    spans = cut_spans_in_order(cut=cut)
    scenes = {span.scene_id: span.scene for span in spans}
    locator = SceneLocator([SpanRef(s.scene_id, s.start_s, s.end_s) for s in spans])
    errata = list(errata_of_cut(cut=cut))
    reporters = errata_reporters(erratum_ids=[e.pk for e in errata])
    rows = []
    for erratum in errata:
        erratum.cut = cut  # every one refers to this cut; saves a query per row
        scene = erratum.scene
        if scene is None and erratum.timestamp_s is not None:
            # No scene decided: the one on screen at the erratum's time.
            scene = scenes.get(locator.locate(erratum.timestamp_s))
        rows.append(Row(erratum, scene, reporters.get(erratum.pk, [])))
    return Checklist(cut=cut, rows=rows, spans=spans)


def is_open_problem(row: Row) -> bool:
    e = row.erratum
    return e.status in OPEN_STATUSES and e.category in PROBLEM_CATEGORIES


def rows_to_fix(rows: list[Row]) -> list[Row]:
    """Open problems fixed in the picture (re-render, caption, pinned correction)."""
    return [
        r
        for r in rows
        if is_open_problem(r) and r.erratum.remedy not in (Remedy.RERECORD, Remedy.NONE)
    ]


def rows_to_rerecord(rows: list[Row]) -> list[Row]:
    return [r for r in rows if is_open_problem(r) and r.erratum.remedy == Remedy.RERECORD]


def time_label(seconds: float | None) -> str:
    return format_time(seconds) if seconds is not None else "--:--"


# The "Typo at 6:03: " that default titles started with before they left the time out (the
# time was the first cut's, wrong once carried). A creator's own "Code: loop reassigns a…" is
# the creator's wording and is kept whole.
_LEGACY_TITLE_PREFIX = re.compile(r"^(?P<label>[^:]{1,40}) at \d{1,3}:\d\d(?::\d\d)?(?:\.\d+)?: ")


def range_label(item: Erratum | Finding) -> str:
    """6:02-6:10 for a range, else the time alone (time_label)."""
    end = getattr(item, "timestamp_end_s", None)
    if item.timestamp_s is None or end is None:
        return time_label(item.timestamp_s)
    return f"{format_time(item.timestamp_s)}\u2013{format_time(end)}"


def short_description(erratum: Erratum) -> str:
    """The title as the creator wrote it, on one line; only the old default titles' "Typo at
    6:03: " is left out (the checklist prints the time and category in their own columns)."""
    title = " ".join(erratum.title.split())
    # Old default titles were written in the site's language (findings.titles).
    with translation.override(settings.LANGUAGE_CODE):
        label = str(Category(erratum.category).label) if erratum.category in Category.values else ""
    legacy = _LEGACY_TITLE_PREFIX.match(title)
    if label and legacy and legacy["label"] == label and len(title) > legacy.end():
        return title[legacy.end() :]
    return title


def count_label(count: int, one: str, many: str = "") -> str:
    return f"{count} {one}" if count == 1 else f"{count} {many or one + 's'}"


def reports_label(count: int) -> str:
    return count_label(count, "report")


def reports_phrase(row: Row) -> str:
    """One wording everywhere: "4 reports" (the board's count of findings) and, when some
    person reported twice or only said "me too", "from 3 people"."""
    reports, people = row.report_count, row.reporter_count
    if people == reports:
        return reports_label(reports)
    return f"{reports_label(reports)} from {count_label(people, 'person', 'people')}"


# Characters that end a line or reorder what a reader sees: C0 and C1 controls (the whitespace
# among them is collapsed first) and the bidirectional embeddings, overrides and isolates.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """Text as one line of plain text: whitespace (line breaks included) collapsed to single
    spaces, control characters and bidirectional overrides removed."""
    return " ".join(_INVISIBLE.sub("", " ".join(text.split())).split())


# The characters that start Markdown inline syntax: links and images ([ ]), emphasis and
# strikethrough (* _ ~), code (`), HTML, autolinks and entities (< > &), and the backslash
# itself. Escaped with a backslash (CommonMark), each shows as itself. Block syntax (# - + >)
# only counts at the start of a line, and patron text never starts one.


def clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
