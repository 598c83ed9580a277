"""What leaves Errata: the fix checklist and its companions, for one cut.

`export_render(cut=..., fmt=...)` is the single entry point (the studio's export page, the
export task, `manage.py export_checklist`); each format is a small renderer over the same
reads. Formats:

- `md`: the fix checklist. Errata to fix grouped by scene in timeline order, then narration
  lines to re-record, then open content suggestions.
- `csv` / `json`: one row / object per erratum with every field (ERRATUM_FIELDS).
- `sh`: one render command per source file naming exactly the scenes to re-render.
- `edl`, `fcp7`, `fcpxml`, `otio`: markers for editing software, one per erratum to fix, on a
  clip spanning the cut, written by OpenTimelineIO's adapters: a CMX3600 EDL (any editor), Final
  Cut Pro 7 XML (Premiere, Resolve), FCPXML (Final Cut Pro X) and OTIO's own JSON.
- `srt`, `vtt`: the cut's transcript with the corrected lines of its caption-fix errata in place.
- `corrections`: what was wrong and what is right, by time, for a description or a pinned
  comment.
- `credits`: the names of the people whose reports became errata, for a thank-you line.

Every export is an injection boundary: text from patrons and scene names from timeline files
must never change the syntax of the file they land in. Every line of text is one line (line
breaks, control characters and bidirectional overrides removed); Markdown escapes every character
that could start a link, an image, emphasis, code or HTML; the script quotes every value with
shlex.quote and puts no text on a comment line that could end it; CSV neutralises cells that a
spreadsheet would run as formulas; the EDL is plain printable ASCII.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation

from errata.catalog.selectors import (
    SPOKEN_LINE_SLACK_S,
    cut_spans_in_order,
    cut_transcript_lines,
)
from errata.catalog.transcripts import Cue, transcript_write
from errata.findings.selectors import content_suggestions_open
from errata.fixes.reporters import Reporter, errata_reporters
from errata.fixes.selectors import errata_of_cut
from errata.models import OPEN_STATUSES, Category, Cut, Erratum, Remedy, Scene, SceneSpan
from errata.triage.scenes import SceneLocator, SpanRef
from errata.triage.timestamps import format_time
from errata.triage.transcripts import TranscriptCue, cue_at

EXPORT_FORMATS = (
    "md",
    "csv",
    "json",
    "sh",
    "edl",
    "fcp7",
    "fcpxml",
    "otio",
    "srt",
    "vtt",
    "corrections",
    "credits",
)


# Categories that are problems in the video (content and none are feedback and chatter).
PROBLEM_CATEGORIES = {
    Category.TYPO,
    Category.NOTATION,
    Category.NARRATION,
    Category.COLOR,
    Category.VISUAL,
    Category.CODE,
}


@dataclass(frozen=True)
class ExportResult:
    content: str
    content_type: str
    filename: str


@dataclass
class _Row:
    """An erratum with what every format needs about it, read once."""

    erratum: Erratum
    scene: Scene | None
    reporters: list[Reporter] = field(default_factory=list)

    @property
    def reporter_count(self) -> int:
        return len(self.reporters)


@dataclass
class _Checklist:
    cut: Cut
    rows: list[_Row]
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


def _checklist(cut: Cut) -> _Checklist:
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
        rows.append(_Row(erratum, scene, reporters.get(erratum.pk, [])))
    return _Checklist(cut=cut, rows=rows, spans=spans)


def _is_open_problem(row: _Row) -> bool:
    e = row.erratum
    return e.status in OPEN_STATUSES and e.category in PROBLEM_CATEGORIES


def _to_fix(rows: list[_Row]) -> list[_Row]:
    """Open problems fixed in the picture (re-render, caption, pinned correction)."""
    return [
        r
        for r in rows
        if _is_open_problem(r) and r.erratum.remedy not in (Remedy.RERECORD, Remedy.NONE)
    ]


def _to_rerecord(rows: list[_Row]) -> list[_Row]:
    return [r for r in rows if _is_open_problem(r) and r.erratum.remedy == Remedy.RERECORD]


def _time(seconds: float | None) -> str:
    return format_time(seconds) if seconds is not None else "--:--"


def short_description(erratum: Erratum) -> str:
    """The title without the "Typo at 6:03: " that default titles start with (the checklist
    prints the time and category in their own columns)."""
    title = " ".join(erratum.title.split())
    # Default titles are written in the site's language (findings.titles).
    with translation.override(settings.LANGUAGE_CODE):
        label = str(Category(erratum.category).label) if erratum.category in Category.values else ""
    where = f" at {format_time(erratum.timestamp_s)}" if erratum.timestamp_s is not None else ""
    for prefix in (f"{label}{where}: ", f"{label}: "):
        if label and title.startswith(prefix) and len(title) > len(prefix):
            return title[len(prefix) :]
    return title


def _count(count: int, one: str, many: str = "") -> str:
    return f"{count} {one}" if count == 1 else f"{count} {many or one + 's'}"


def _reports(count: int) -> str:
    return _count(count, "report")


# Characters that end a line or reorder what a reader sees: C0 and C1 controls (the whitespace
# among them is collapsed first) and the bidirectional embeddings, overrides and isolates.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _one_line(text: str) -> str:
    """Text as one line of plain text: whitespace (line breaks included) collapsed to single
    spaces, control characters and bidirectional overrides removed."""
    return " ".join(_INVISIBLE.sub("", " ".join(text.split())).split())


# The characters that start Markdown inline syntax: links and images ([ ]), emphasis and
# strikethrough (* _ ~), code (`), HTML, autolinks and entities (< > &), and the backslash
# itself. Escaped with a backslash (CommonMark), each shows as itself. Block syntax (# - + >)
# only counts at the start of a line, and patron text never starts one.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~&])")


def _md(text: str) -> str:
    """Patron text on one line, every Markdown and HTML character shown as itself."""
    return _MD_SPECIAL.sub(r"\\\1", _one_line(text))


def _md_code(text: str) -> str:
    """A code span that holds `text` literally, backticks included: CommonMark closes a code
    span only at a run of backticks as long as the one that opened it."""
    text = _one_line(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def _md_span(spans: list[SceneSpan]) -> str:
    return ", ".join(f"{format_time(s.start_s)}\u2013{format_time(s.end_s)}" for s in spans)


def render_markdown(checklist: _Checklist) -> str:
    cut = checklist.cut
    video = cut.video
    to_fix = _to_fix(checklist.rows)
    rerecord = _to_rerecord(checklist.rows)
    content_errata = [
        r
        for r in checklist.rows
        if r.erratum.status in OPEN_STATUSES and r.erratum.category == Category.CONTENT
    ]
    suggestions = content_suggestions_open(cut=cut)
    order = checklist.scene_order()
    spans_of = checklist.spans_of()

    by_scene: dict[int | None, list[_Row]] = defaultdict(list)
    for row in to_fix:
        by_scene[row.scene.pk if row.scene else None].append(row)
    placed = sorted((s for s in by_scene if s in order), key=order.__getitem__)
    unplaced = sorted(
        (s for s in by_scene if s is not None and s not in order),
        key=lambda s: by_scene[s][0].scene.name,
    )

    cut_name = f"cut {cut.number}" + (f" ({cut.label})" if cut.label else "")
    lines = [
        f"# Fix checklist: {_md(video.title)}, {cut_name}",
        "",
        f"{_count(len(to_fix), 'erratum', 'errata')} to fix in "
        f"{_count(len(placed) + len(unplaced), 'scene')}, "
        f"{_count(len(rerecord), 'narration line')} to re-record, "
        f"{_count(len(content_errata) + len(suggestions), 'open content suggestion')}.",
        "",
        "## Errata to fix, by scene",
        "",
    ]
    if not to_fix:
        lines += ["Nothing to fix.", ""]

    def item(row: _Row) -> str:
        e = row.erratum
        extra = "" if e.remedy == Remedy.RERENDER else f" ({Remedy(e.remedy).label.lower()})"
        return (
            f"- [ ] {_time(e.timestamp_s)} · {e.category} · {_md(short_description(e))}"
            f"{extra} · {_reports(row.reporter_count)}"
        )

    for number, scene_id in enumerate([*placed, *unplaced], start=1):
        rows = sorted(by_scene[scene_id], key=lambda r: (r.erratum.timestamp_s or 0, r.erratum.pk))
        scene = rows[0].scene
        source = f" · {_md_code(scene.source_path)}" if _one_line(scene.source_path) else ""
        span = _md_span(spans_of[scene_id]) if scene_id in spans_of else "not on this cut"
        lines += [f"### {number}. {_md(scene.name)}{source} · {span}", ""]
        lines += [item(r) for r in rows]
        lines.append("")
    if None in by_scene:
        lines += ["### Not linked to a scene", ""]
        lines += [item(r) for r in by_scene[None]]
        lines.append("")

    lines += ["## Narration to re-record", ""]
    if not rerecord:
        lines += ["Nothing to re-record.", ""]
    for row in rerecord:
        e = row.erratum
        scene = f" · {_md(row.scene.name)}" if row.scene else ""
        lines.append(
            f"- [ ] {_time(e.timestamp_s)}{scene} · {_md(short_description(e))} · "
            f"{_reports(row.reporter_count)}"
        )
    if rerecord:
        lines.append("")

    lines += ["## Open content suggestions", ""]
    if not content_errata and not suggestions:
        lines += ["None open.", ""]
    for row in content_errata:
        e = row.erratum
        lines.append(
            f"- {_time(e.timestamp_s)} · {_md(short_description(e))} · "
            f"{_reports(row.reporter_count)}"
        )
    for finding in suggestions:
        author = finding.comment.author_name.strip() or "anonymous"
        lines.append(f"- {_time(finding.timestamp_s)} · {_md(_clip(finding.text))} ({_md(author)})")
    return "\n".join(lines).rstrip() + "\n"


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


# Column name, and how to read it from a row. Documented in the README.
ERRATUM_FIELDS: list[tuple[str, Callable[[_Row], object]]] = [
    ("id", lambda r: r.erratum.pk),
    ("title", lambda r: r.erratum.title),
    ("description", lambda r: r.erratum.description),
    ("category", lambda r: r.erratum.category),
    ("severity", lambda r: r.erratum.severity),
    ("status", lambda r: r.erratum.status),
    ("remedy", lambda r: r.erratum.remedy),
    ("timestamp_s", lambda r: r.erratum.timestamp_s),
    (
        "time",
        lambda r: format_time(r.erratum.timestamp_s) if r.erratum.timestamp_s is not None else "",
    ),
    ("scene", lambda r: r.scene.name if r.scene else ""),
    ("scene_is_decided", lambda r: r.erratum.scene_id is not None),
    ("source_path", lambda r: r.scene.source_path if r.scene else ""),
    ("reporters", lambda r: r.reporter_count),
    ("reporter_names", lambda r: [p.name for p in r.reporters if p.name]),
    ("fix_note", lambda r: r.erratum.fix_note),
    ("resolution_reason", lambda r: r.erratum.resolution_reason),
    ("found_in_cut", lambda r: r.erratum.found_in_cut.number),
    ("cut", lambda r: r.erratum.cut.number),
    ("fixed_in_cut", lambda r: r.erratum.fixed_in_cut.number if r.erratum.fixed_in_cut else None),
    ("version", lambda r: r.erratum.version),
    ("created_at", lambda r: r.erratum.created_at.isoformat()),
    ("updated_at", lambda r: r.erratum.updated_at.isoformat()),
    ("fixed_at", lambda r: r.erratum.fixed_at.isoformat() if r.erratum.fixed_at else None),
    ("verified_at", lambda r: r.erratum.verified_at.isoformat() if r.erratum.verified_at else None),
]


def _erratum_record(row: _Row) -> dict[str, object]:
    return {name: read(row) for name, read in ERRATUM_FIELDS}


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        # A spreadsheet would run this patron-written cell as a formula.
        return "'" + value
    return value


def render_csv(checklist: _Checklist) -> str:
    buffer = io.StringIO()
    # RFC 4180's CRLF: with it the writer also quotes a cell holding a lone carriage return,
    # which spreadsheets read as a new row (with "\n" alone it did not: a row injection).
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for name, _ in ERRATUM_FIELDS])
    for row in checklist.rows:
        writer.writerow([_csv_cell(read(row)) for _, read in ERRATUM_FIELDS])
    return buffer.getvalue()


def render_json(checklist: _Checklist) -> str:
    cut = checklist.cut
    document = {
        "video": {
            "slug": cut.video.slug,
            "title": cut.video.title,
            "render_command": cut.video.render_command,
        },
        "cut": {
            "number": cut.number,
            "label": cut.label,
            "duration_s": cut.duration_s,
            "fps": float(cut.effective_fps),
        },
        "errata": [_erratum_record(row) for row in checklist.rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


_PLACEHOLDER = re.compile(r"\{(source|scenes)\}")


def _sh_comment(text: str) -> str:
    """A shell comment line: `#` and text that cannot end it (no line break of any kind)."""
    return "# " + _one_line(text)


def _render_command_check(template: str) -> None:
    """A render command must be one line that uses {source} and {scenes} as words of their
    own, outside quotes: inside double quotes `$(...)` in a value would still run, and a
    placeholder glued to other text would change how the value is split."""
    refusal = ValidationError(
        f"The video's render command {template!r} must be one line using {{source}} and "
        "{scenes} as words of their own, outside quotes (Errata quotes the values)."
    )
    if _one_line(template) != template.strip():
        raise refusal
    try:
        words = shlex.split(template, posix=False)  # quotes stay on the words they wrap
    except ValueError:  # its own quotes do not close
        raise refusal from None
    for placeholder in ("{source}", "{scenes}"):
        if words.count(placeholder) != template.count(placeholder):
            raise refusal


def _render_command(template: str, *, source: str, names: list[str]) -> str:
    """The video's render command for one source file: each value quoted with shlex.quote and
    put in place in one pass (a source path holding "{scenes}" is not expanded again). The
    shell must then see exactly the template's words with the values in place."""
    values = {"source": shlex.quote(source), "scenes": " ".join(shlex.quote(n) for n in names)}
    command = _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
    expected: list[str] = []
    for word in shlex.split(template):
        expected += [source] if word == "{source}" else names if word == "{scenes}" else [word]
    if shlex.split(command) != expected:
        raise ValidationError(f"The video's render command {template!r} cannot be used safely.")
    return command


def render_script(checklist: _Checklist) -> str:
    cut = checklist.cut
    template = cut.video.render_command or "manimgl {source} {scenes} -w"
    if "{source}" not in template or "{scenes}" not in template:
        raise ValidationError(
            f"The video's render command {template!r} must contain {{source}} and {{scenes}}."
        )
    _render_command_check(template)
    template = template.strip()
    order = checklist.scene_order()
    rows = [
        r for r in checklist.rows if _is_open_problem(r) and r.erratum.remedy == Remedy.RERENDER
    ]
    scenes: dict[int, Scene] = {}
    for row in rows:
        if row.scene is not None:
            scenes.setdefault(row.scene.pk, row.scene)
    without_scene = [r.erratum.pk for r in rows if r.scene is None]
    ordered = sorted(scenes.values(), key=lambda s: (order.get(s.pk, len(order)), s.name))
    by_source: dict[str, list[str]] = {}
    for scene in ordered:
        by_source.setdefault(scene.source_path, []).append(scene.name)

    lines = [
        "#!/bin/sh",
        _sh_comment(
            f"Re-render the scenes with errata to fix in {cut.video.slug} cut {cut.number}."
        ),
        _sh_comment(f"{len(rows)} errata in {len(scenes)} scenes; generated by Errata."),
        "set -e",
    ]
    for source, names in by_source.items():
        if not source:
            lines.append(
                _sh_comment(
                    "No source file is recorded for these scenes (set it on each scene): "
                    + " ".join(names)
                )
            )
            continue
        lines.append(_render_command(template, source=source, names=names))
    if without_scene:
        ids = ", ".join(f"#{pk}" for pk in without_scene)
        lines.append(_sh_comment(f"Errata to re-render that are not linked to a scene: {ids}"))
    if not rows:
        lines.append(_sh_comment("Nothing to re-render."))
    return "\n".join(lines) + "\n"


MARKER_COLORS = {
    Category.TYPO: "RED",
    Category.NOTATION: "ORANGE",
    Category.NARRATION: "BLUE",
    Category.COLOR: "MAGENTA",
    Category.VISUAL: "YELLOW",
    Category.CODE: "GREEN",
    Category.CONTENT: "CYAN",
    Category.NONE: "WHITE",
}


# Curly quotes and dashes, as patrons and titles write them.
_ASCII_QUOTES = str.maketrans(
    {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u2013": "-", "\u2014": "-"}
)


def _ascii(text: str) -> str:
    """EDL comment lines are plain ASCII on one line."""
    text = " ".join(text.translate(_ASCII_QUOTES).split())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^\x20-\x7e]", "", text)


def marker_note(row: _Row, *, ascii_only: bool = True) -> str:
    """A marker's name: category, what is wrong, how many reported it. EDL comment lines are
    plain ASCII; the XML and OTIO formats keep the text as written."""
    e = row.erratum
    note = f"{e.category}: {short_description(e)} ({_reports(row.reporter_count)})"
    note = _ascii(note) if ascii_only else " ".join(note.split())
    return note[:120]


def marker_timeline(checklist: _Checklist, *, ascii_only: bool = True):
    """One clip spanning the cut, its source range and the timeline both starting at frame 0, so
    a marker's time is the erratum's time in the cut; one marker per open problem (at its time,
    else at the start of its scene), coloured by category."""
    import opentimelineio as otio

    cut = checklist.cut
    rate = float(cut.effective_fps)
    spans_of = checklist.spans_of()
    name = f"{cut.video.slug}_cut{cut.number}"
    timeline = otio.schema.Timeline(name=_ascii(f"{cut.video.slug} cut {cut.number} errata"))
    timeline.global_start_time = otio.opentime.RationalTime(0, rate)
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)
    frames = round(cut.duration_s * rate)
    whole = otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(frames, rate)
    )
    clip = otio.schema.Clip(
        name=name,
        # The XML formats need the media's extent to place the clip.
        media_reference=otio.schema.ExternalReference(
            target_url=f"{name}.mp4", available_range=whole
        ),
        source_range=whole,
    )
    for row in checklist.rows:
        if not _is_open_problem(row):
            continue
        at = row.erratum.timestamp_s
        if at is None and row.scene is not None and row.scene.pk in spans_of:
            at = spans_of[row.scene.pk][0].start_s
        if at is None:
            continue
        frame = min(round(at * rate), max(frames - 1, 0))
        clip.markers.append(
            otio.schema.Marker(
                name=marker_note(row, ascii_only=ascii_only),
                marked_range=otio.opentime.TimeRange(
                    otio.opentime.RationalTime(frame, rate), otio.opentime.RationalTime(0, rate)
                ),
                color=MARKER_COLORS.get(row.erratum.category, "RED"),
            )
        )
    track.append(clip)
    return timeline


def render_edl(checklist: _Checklist) -> str:
    import opentimelineio as otio

    timeline = marker_timeline(checklist, ascii_only=True)
    return otio.adapters.write_to_string(timeline, adapter_name="cmx_3600", style="avid")


def _render_markers(adapter_name: str) -> Callable[[_Checklist], str]:
    def render(checklist: _Checklist) -> str:
        import opentimelineio as otio

        timeline = marker_timeline(checklist, ascii_only=False)
        return otio.adapters.write_to_string(timeline, adapter_name=adapter_name)

    render.__name__ = f"render_{adapter_name}"
    return render


def _render_subtitles(fmt: str) -> Callable[[_Checklist], str]:
    def render(checklist: _Checklist) -> str:
        """The transcript, each caption-fix erratum's corrected line put in place of the line
        said at its time (errata closed as not an error or won't fix are left out)."""
        lines = cut_transcript_lines(cut=checklist.cut)
        if not lines:
            raise ValidationError(
                "This cut has no transcript: import its subtitles (SRT or WebVTT) on the cut "
                "page first."
            )
        cues = [Cue(start_s=t.start_s, end_s=t.end_s, text=t.text) for t in lines]
        plain = [TranscriptCue(c.start_s, c.end_s, c.text) for c in cues]
        for row in checklist.rows:
            e = row.erratum
            if (
                e.remedy != Remedy.CAPTION
                or not e.corrected_line.strip()
                or e.timestamp_s is None
                or e.status in (Erratum.Status.NOT_AN_ERROR, Erratum.Status.WONTFIX)
            ):
                continue
            said = cue_at(plain, e.timestamp_s, slack_s=SPOKEN_LINE_SLACK_S)
            if said is not None:
                index = plain.index(said)
                cues[index] = Cue(said.start_s, said.end_s, e.corrected_line.strip())
        return transcript_write(cues, fmt=fmt)

    render.__name__ = f"render_{fmt}"
    return render


def _still_in_cut(row: _Row, cut: Cut) -> bool:
    """A problem this cut's media still has: not fixed, or fixed only in a later cut."""
    e = row.erratum
    if e.category not in PROBLEM_CATEGORIES or e.status == Erratum.Status.NOT_AN_ERROR:
        return False
    if e.status in (Erratum.Status.FIXED, Erratum.Status.VERIFIED):
        return e.fixed_in_cut is not None and e.fixed_in_cut.number > cut.number
    return True


def _stated_correction(erratum: Erratum) -> str:
    """The erratum's correction as the line says it: “maybe” (not “mabye”)."""
    if not erratum.correction_right:
        return ""
    wrong = f" (not “{erratum.correction_wrong}”)" if erratum.correction_wrong else ""
    return f"“{erratum.correction_right}”{wrong}"


def render_corrections(checklist: _Checklist) -> str:
    rows = [r for r in checklist.rows if _still_in_cut(r, checklist.cut)]
    rows.sort(key=lambda r: (r.erratum.timestamp_s is None, r.erratum.timestamp_s or 0))
    if not rows:
        return "No corrections.\n"
    lines = ["Corrections:"]
    for row in rows:
        e = row.erratum
        right = _one_line(_stated_correction(e) or e.fix_note or e.description)
        time = f"{format_time(e.timestamp_s)} " if e.timestamp_s is not None else ""
        text = _one_line(f"{Category(e.category).label}: {short_description(e)}").rstrip(".\u2026 ")
        lines.append(f"{time}\u2013 {text}" + (f". Correct: {right}" if right else "."))
    return "\n".join(lines) + "\n"


def render_credits(checklist: _Checklist) -> str:
    """Everyone whose report became an erratum found in or placed on this cut (not the ones
    judged not an error), in the order they first reported."""
    cut = checklist.cut
    errata = Erratum.objects.filter(
        Q(cut=cut) | Q(found_in_cut=cut),
        merged_into__isnull=True,
        category__in=PROBLEM_CATEGORIES,
    ).exclude(status=Erratum.Status.NOT_AN_ERROR)
    names: dict[str, str] = {}
    unnamed: set[str] = set()
    for people in errata_reporters(erratum_ids=errata.values_list("pk", flat=True)).values():
        for person in people:
            name = _one_line(person.name or "")
            if not name:
                unnamed.add(person.key)
                continue
            names.setdefault(name.casefold(), name)
    listed = sorted(names.values(), key=str.casefold)
    if not listed and not unnamed:
        return "No reports became errata yet.\n"
    people = list(listed)
    if unnamed:
        more = len(unnamed)
        people.append(f"{more} more who left no name" if more > 1 else "one more")
    line = people[0] if len(people) == 1 else ", ".join(people[:-1]) + " and " + people[-1]
    return (
        f"Thanks to {line} for catching errors in the early cut of "
        f"\u201c{_one_line(cut.video.title)}\u201d."
        "\n\n" + "".join(f"{name}\n" for name in listed)
    )


_RENDERERS: dict[str, tuple[Callable[[_Checklist], str], str, str]] = {
    "md": (render_markdown, "text/markdown; charset=utf-8", "checklist.md"),
    "csv": (render_csv, "text/csv; charset=utf-8", "errata.csv"),
    "json": (render_json, "application/json", "errata.json"),
    "sh": (render_script, "text/x-shellscript; charset=utf-8", "rerender.sh"),
    "edl": (render_edl, "text/plain; charset=us-ascii", "markers.edl"),
    "fcp7": (_render_markers("fcp_xml"), "application/xml; charset=utf-8", "markers-fcp7.xml"),
    "fcpxml": (_render_markers("fcpx_xml"), "application/xml; charset=utf-8", "markers.fcpxml"),
    "otio": (_render_markers("otio_json"), "application/json", "markers.otio"),
    "srt": (_render_subtitles("srt"), "application/x-subrip; charset=utf-8", "corrected.srt"),
    "vtt": (_render_subtitles("vtt"), "text/vtt; charset=utf-8", "corrected.vtt"),
    "corrections": (render_corrections, "text/plain; charset=utf-8", "corrections.txt"),
    "credits": (render_credits, "text/plain; charset=utf-8", "credits.txt"),
}


def export_render(*, cut: Cut, fmt: str) -> ExportResult:
    """One export of a cut, ready to download or print."""
    if fmt not in _RENDERERS:
        raise ValidationError(
            f"Unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}."
        )
    render, content_type, suffix = _RENDERERS[fmt]
    content = render(_checklist(cut))
    return ExportResult(
        content=content,
        content_type=content_type,
        filename=f"{cut.video.slug}-cut{cut.number}-{suffix}",
    )


def export_size(*, cut: Cut) -> int:
    """How many errata an export of this cut covers (decides between inline and a task)."""
    return Erratum.objects.filter(cut=cut, merged_into__isnull=True).count()
