"""Reading timeline files: CMX3600 EDL, OpenTimelineIO, FCP XML (through OpenTimelineIO's
adapters) and CSV. They only read and validate: entries come back, or an error naming the line
or clip at fault; timeline_import writes, all or nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from errata.triage.timestamps import parse_time


class TimelineFileError(ValueError):
    """A timeline file that cannot be read; `line` is 1-based when known."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


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
    if kind == "csv":
        entries = _csv_entries(text)
    else:
        if kind == "cmx_3600":
            _edl_check_lines(text)
        entries = _otio_entries(text, adapter=kind, fps=fps)
    if not entries:
        raise TimelineFileError(f"{filename} places no clips on the timeline.")
    return sorted(entries, key=lambda e: (e.start_s, e.end_s))


# An EDL event line: number, reel, track, transition, then four timecodes.
_EDL_EVENT = re.compile(
    r"^\s*\d{1,6}\s+\S+\s+\S+\s+\S+(?:\s+\d+)?"
    r"(?:\s+\d{2}:\d{2}:\d{2}[:;.]\d{2}){4}\s*$"
)


_EDL_OTHER = re.compile(r"^\s*(TITLE:|FCM:|\*|M2\s|>>>|AUD\s|SPLIT:|SWM\s|$)", re.IGNORECASE)


def _edl_check_lines(text: str) -> None:
    """OpenTimelineIO's EDL reader reports some errors without a line number; a quick line
    check first points the creator at the exact line."""
    for number, line in enumerate(text.splitlines(), start=1):
        if _EDL_OTHER.match(line) or _EDL_EVENT.match(line):
            continue
        if re.match(r"^\s*\d{1,6}\s", line):
            raise TimelineFileError(
                f"malformed EDL event (expected number, reel, track, transition and four "
                f"timecodes): {line.strip()[:80]!r}",
                line=number,
            )
        raise TimelineFileError(f"unrecognised EDL line: {line.strip()[:80]!r}", line=number)


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
    rows = list(csv.reader(io.StringIO(text)))
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
