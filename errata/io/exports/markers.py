"""Markers for editing software (EDL, FCP 7 XML, FCPXML, OTIO) and corrected subtitles."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from django.core.exceptions import ValidationError

from errata.catalog.selectors import (
    SPOKEN_LINE_SLACK_S,
    cut_transcript_lines,
)
from errata.catalog.transcripts import Cue, transcript_write
from errata.io.exports.checklist import (
    Checklist,
    Row,
    is_open_problem,
    range_label,
    reports_phrase,
    short_description,
)
from errata.models import Category, Erratum, Remedy
from errata.triage.transcripts import TranscriptCue, cue_at

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


def marker_note(row: Row, *, ascii_only: bool = True) -> str:
    """A marker's name: category, what is wrong, how many reported it. EDL comment lines are
    plain ASCII; the XML and OTIO formats keep the text as written."""
    e = row.erratum
    # A range is named up front (before a long description is cut short): an EDL's LOC line
    # has no length of its own, so this is how an EDL carries it; the other formats also give
    # the marker its duration.
    where = f" {range_label(e)}".replace("\u2013", "-") if e.timestamp_end_s is not None else ""
    note = f"{e.category}{where}: {short_description(e)} ({reports_phrase(row)})"
    note = _ascii(note) if ascii_only else " ".join(note.split())
    return note[:120]


def marker_timeline(checklist: Checklist, *, ascii_only: bool = True):
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
        if not is_open_problem(row):
            continue
        at = row.erratum.timestamp_s
        if at is None and row.scene is not None and row.scene.pk in spans_of:
            at = spans_of[row.scene.pk][0].start_s
        if at is None:
            continue
        frame = min(round(at * rate), max(frames - 1, 0))
        # A range erratum ("6:02-6:10") gives its marker that length, inside the cut.
        length = 0
        if row.erratum.timestamp_end_s is not None and row.erratum.timestamp_s is not None:
            end_frame = min(round(row.erratum.timestamp_end_s * rate), frames)
            length = max(0, end_frame - frame)
        clip.markers.append(
            otio.schema.Marker(
                name=marker_note(row, ascii_only=ascii_only),
                marked_range=otio.opentime.TimeRange(
                    otio.opentime.RationalTime(frame, rate),
                    otio.opentime.RationalTime(length, rate),
                ),
                color=MARKER_COLORS.get(row.erratum.category, "RED"),
            )
        )
    track.append(clip)
    return timeline


def render_edl(checklist: Checklist) -> str:
    import opentimelineio as otio

    timeline = marker_timeline(checklist, ascii_only=True)
    return otio.adapters.write_to_string(timeline, adapter_name="cmx_3600", style="avid")


def render_markers(adapter_name: str) -> Callable[[Checklist], str]:
    def render(checklist: Checklist) -> str:
        import opentimelineio as otio

        timeline = marker_timeline(checklist, ascii_only=False)
        return otio.adapters.write_to_string(timeline, adapter_name=adapter_name)

    render.__name__ = f"render_{adapter_name}"
    return render


def render_subtitles(fmt: str) -> Callable[[Checklist], str]:
    def render(checklist: Checklist) -> str:
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
