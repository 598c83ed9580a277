"""Reading timeline files: CMX3600 EDL, OpenTimelineIO, FCP XML (through OpenTimelineIO's
adapters) and CSV. They only read and validate: entries come back, or an error naming the line
or clip at fault; timeline_import writes, all or nothing.

The files are untrusted: size, line and clip counts and nesting depth are checked before a
parser sees them, and OpenTimelineIO's JSON and XML readers run in a child process with memory
and time limits (errata.core.sandbox), so no file can crash or hang the web worker.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from xml.parsers import expat

from errata.core.limits import InputLimitExceeded, json_depth_check
from errata.core.sandbox import SandboxFailure, SandboxLimit, run_limited
from errata.triage.timestamps import parse_time


class TimelineFileError(ValueError):
    """A timeline file that cannot be read; `line` is 1-based when known."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


# What a real timeline needs, with room to spare: the demo's EDL is 8 KB with 41 clips; a
# feature film's OpenTimelineIO file a few MB with a few thousand.
TIMELINE_MAX_CHARS = 5 * 1024 * 1024
TIMELINE_MAX_LINES = 200_000
TIMELINE_MAX_CLIPS = 20_000
TIMELINE_MAX_DEPTH = 64


@dataclass(frozen=True)
class TimelineEntry:
    scene_name: str
    start_s: float
    end_s: float
    line: int | None = None


# Clip names are usually the rendered file: "BreakDownName.mp4" is the scene BreakDownName.
_MEDIA_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".m4v", ".avi", ".mxf", ".png", ".gif"}


TIMELINE_SUFFIXES = {
    ".edl": "cmx_3600",
    ".otio": "otio_json",
    ".xml": "fcp_xml",
    ".fcpxml": "fcpx_xml",
    ".csv": "csv",
}


def scene_name_from_clip(clip_name: str) -> str:
    name = PurePosixPath(clip_name.strip().replace("\\", "/")).name
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in _MEDIA_SUFFIXES:
        name = name[: -len(suffix)]
    return name.strip()


def timeline_entries_read(text: str, *, filename: str, fps: float) -> list[TimelineEntry]:
    """Read a timeline file's text into scene entries, in timeline order."""
    suffix = PurePosixPath(filename).suffix.lower()
    kind = TIMELINE_SUFFIXES.get(suffix)
    if kind is None:
        known = ", ".join(sorted(TIMELINE_SUFFIXES))
        raise TimelineFileError(
            f"{filename}: unknown timeline format {suffix!r}; use one of {known}."
        )
    if not text.strip():
        raise TimelineFileError(f"{filename} is empty.")
    _check_size(text)
    if kind == "csv":
        entries = _csv_entries(text)
    elif kind == "cmx_3600":
        # OpenTimelineIO's EDL reader is plain Python over lines that were all checked first.
        _edl_check_lines(text)
        entries = _otio_entries(text, adapter=kind, fps=fps)
    else:
        entries = _otio_entries_limited(text, adapter=kind, fps=fps)
    if len(entries) > TIMELINE_MAX_CLIPS:
        raise TimelineFileError(
            f"{filename} places {len(entries):,} clips; at most {TIMELINE_MAX_CLIPS:,} are read "
            "(limit: clip count)."
        )
    if not entries:
        raise TimelineFileError(f"{filename} places no clips on the timeline.")
    return sorted(entries, key=lambda e: (e.start_s, e.end_s))


# An EDL event line: number, reel, track, transition, then four timecodes.
_EDL_EVENT = re.compile(
    r"^\s*\d{1,6}\s+\S+\s+\S+\s+\S+(?:\s+\d+)?"
    r"(?:\s+\d{2}:\d{2}:\d{2}[:;.]\d{2}){4}\s*$"
)


_EDL_OTHER = re.compile(r"^\s*(TITLE:|FCM:|\*|M2\s|>>>|AUD\s|SPLIT:|SWM\s|$)", re.IGNORECASE)


def _check_size(text: str) -> None:
    if len(text) > TIMELINE_MAX_CHARS:
        raise TimelineFileError(
            f"the file has {len(text):,} characters; at most {TIMELINE_MAX_CHARS:,} are read "
            "(limit: file size)."
        )
    lines = text.count("\n") + 1
    if lines > TIMELINE_MAX_LINES:
        raise TimelineFileError(
            f"the file has {lines:,} lines; at most {TIMELINE_MAX_LINES:,} are read "
            "(limit: line count)."
        )


def _edl_check_lines(text: str) -> None:
    """OpenTimelineIO's EDL reader reports some errors without a line number; a quick line
    check first points the creator at the exact line."""
    events = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if _EDL_EVENT.match(line):
            events += 1
            if events > TIMELINE_MAX_CLIPS:
                raise TimelineFileError(
                    f"more than {TIMELINE_MAX_CLIPS:,} events (limit: clip count)", line=number
                )
            continue
        if _EDL_OTHER.match(line):
            continue
        if re.match(r"^\s*\d{1,6}\s", line):
            raise TimelineFileError(
                f"malformed EDL event (expected number, reel, track, transition and four "
                f"timecodes): {line.strip()[:80]!r}",
                line=number,
            )
        raise TimelineFileError(f"unrecognised EDL line: {line.strip()[:80]!r}", line=number)


def _xml_check(text: str, *, max_depth: int = TIMELINE_MAX_DEPTH) -> None:
    """Refuse XML nested deeper than `max_depth`, or declaring entities (the "billion laughs"
    and external entities), while streaming it through expat: linear and in constant memory.
    defusedxml refuses entities but builds the whole tree first and has no depth limit."""
    parser = expat.ParserCreate()
    depth = 0

    def start(name: str, attributes: dict) -> None:
        nonlocal depth
        depth += 1
        if depth > max_depth:
            raise InputLimitExceeded(
                f"the XML is nested deeper than {max_depth} levels", limit="nesting depth"
            )

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    def entity(*args: object) -> None:
        raise InputLimitExceeded("the XML declares entities", limit="entities")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(text, True)
    except InputLimitExceeded as error:
        raise TimelineFileError(
            f"{error} (limit: {error.limit})", line=parser.CurrentLineNumber
        ) from None
    except expat.ExpatError as error:
        raise TimelineFileError(
            f"not well-formed XML: {expat.ErrorString(error.code)}", line=error.lineno
        ) from None


def _otio_entries_limited(text: str, *, adapter: str, fps: float) -> list[TimelineEntry]:
    """OpenTimelineIO's JSON and XML readers on an untrusted file: nesting checked first,
    then read in a child process with memory and time limits."""
    if adapter == "otio_json":
        try:
            json_depth_check(text, max_depth=TIMELINE_MAX_DEPTH)
        except InputLimitExceeded as error:
            raise TimelineFileError(f"{error} (limit: {error.limit})") from None
    else:
        _xml_check(text)
    try:
        found = run_limited(
            "errata.catalog.timelines:entries_in_child", text, adapter=adapter, fps=fps
        )
    except SandboxFailure as failure:
        raise TimelineFileError(failure.message, line=failure.line) from None
    except SandboxLimit as limit:
        raise TimelineFileError(
            f"could not read the timeline: {limit} (limit: {limit.limit})"
        ) from None
    return [TimelineEntry(name, start, end, None) for name, start, end in found]


def entries_in_child(text: str, *, adapter: str, fps: float) -> list[list]:
    """In the sandbox's child process: the entries, as JSON-able lists."""
    entries = _otio_entries(text, adapter=adapter, fps=fps)
    return [[e.scene_name, e.start_s, e.end_s] for e in entries]


def _otio_entries(text: str, *, adapter: str, fps: float) -> list[TimelineEntry]:
    import opentimelineio as otio

    try:
        if adapter == "cmx_3600":
            timeline = otio.adapters.read_from_string(text, adapter_name=adapter, rate=fps)
        else:
            timeline = otio.adapters.read_from_string(text, adapter_name=adapter)
    except Exception as error:  # noqa: BLE001 - adapters raise many kinds; all mean "bad file"
        raise TimelineFileError(f"could not read the timeline: {error}") from None
    if isinstance(timeline, otio.schema.SerializableCollection):
        timelines = list(timeline.find_children(descended_from_type=otio.schema.Timeline))
        if not timelines:
            raise TimelineFileError("the file holds no timeline.")
        timeline = timelines[0]
    if not isinstance(timeline, otio.schema.Timeline):
        raise TimelineFileError("the file holds no timeline.")

    entries: list[TimelineEntry] = []
    for index, clip in enumerate(timeline.find_clips(), start=1):
        track = clip.parent()
        if track is not None and getattr(track, "kind", "Video") != otio.schema.TrackKind.Video:
            continue
        name = scene_name_from_clip(clip.name or "")
        if not name:
            raise TimelineFileError(f"clip {index} has no name to map to a scene.")
        placed = clip.range_in_parent()
        start = placed.start_time.to_seconds()
        end = placed.end_time_exclusive().to_seconds()
        if end <= start:
            raise TimelineFileError(f"clip {index} ({name}) has no duration.")
        entries.append(TimelineEntry(name, round(start, 4), round(end, 4), None))
    return entries


def _csv_entries(text: str) -> list[TimelineEntry]:
    """CSV with columns name,start,end (a header row is optional). Times in seconds or m:ss."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise TimelineFileError(f"not valid CSV ({error})") from None
    entries: list[TimelineEntry] = []
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and [c.lower() for c in cells[:3]] == ["name", "start", "end"]:
            continue
        if len(cells) < 3:
            raise TimelineFileError(
                f"expected name,start,end but found {len(cells)} column(s)", line=number
            )
        name = scene_name_from_clip(cells[0])
        if not name:
            raise TimelineFileError("the scene name is empty", line=number)
        start = parse_time(cells[1])
        end = parse_time(cells[2])
        if start is None:
            raise TimelineFileError(f"start {cells[1]!r} is not a time", line=number)
        if end is None:
            raise TimelineFileError(f"end {cells[2]!r} is not a time", line=number)
        if end <= start:
            raise TimelineFileError(
                f"the span of {name} ends ({cells[2]}) before it starts ({cells[1]})", line=number
            )
        entries.append(TimelineEntry(name, start, end, number))
    return entries
