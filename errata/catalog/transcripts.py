"""Reading a cut's transcript from a subtitle file: SubRip (.srt) or WebVTT (.vtt), and writing
one back. Only reads and checks; catalog.services.transcript_import stores.

Written here rather than with a subtitle library because an import must name the line at fault
(the libraries say only that a file is malformed), and the subset of both formats that carries
cues (times and text; WebVTT's NOTE, STYLE and REGION blocks skipped) is small.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# A file of subtitles larger than this is not one (a feature film's SRT is ~150 KB).
TRANSCRIPT_MAX_BYTES = 5 * 1024 * 1024
TRANSCRIPT_MAX_CUES = 20_000
CUE_MAX_CHARS = 2_000

_TIME = r"(?:(\d{1,3}):)?([0-5]?\d):([0-5]\d)[,.](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+.*)?$")
# WebVTT cue text may carry tags (<v Roger>, <i>, <00:00:01.000>); they are not what is said.
_TAG = re.compile(r"<[^>]{0,200}>")


class TranscriptFileError(ValueError):
    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str


def _seconds(hours: str | None, minutes: str, seconds: str, fraction: str) -> float:
    return (
        int(hours or 0) * 3600
        + int(minutes) * 60
        + int(seconds)
        + int(fraction.ljust(3, "0")) / 1000
    )


def cue_plain_text(text: str) -> str:
    """What is said: the cue's lines joined, WebVTT's tags removed."""
    return " ".join(_TAG.sub("", text).split())


def transcript_read(text: str, *, filename: str = "") -> list[Cue]:
    """The cues of an SRT or WebVTT file, in time order. A file starting with WEBVTT is WebVTT,
    anything else SubRip (whose cue numbers are optional here, as players treat them)."""
    if "\x00" in text:
        raise TranscriptFileError("this is not a text file")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    is_vtt = bool(lines) and lines[0].startswith("WEBVTT")
    cues: list[Cue] = []
    number = 0
    if is_vtt:
        # The header runs to the first blank line (WEBVTT, then "Kind:", "Language:"...).
        while number < len(lines) and lines[number].strip():
            number += 1
    while number < len(lines):
        line = lines[number]
        if not line.strip():
            number += 1
            continue
        block_start = number
        block: list[str] = []
        while number < len(lines) and lines[number].strip():
            block.append(lines[number])
            number += 1
        if is_vtt and block[0].split(" ", 1)[0] in ("NOTE", "STYLE", "REGION"):
            continue
        timing_at = next((i for i, b in enumerate(block[:2]) if "-->" in b), None)
        if timing_at is None:
            raise TranscriptFileError(
                "expected a cue's times (00:01:02,500 --> 00:01:04,000)", line=block_start + 1
            )
        match = _TIMING.match(block[timing_at])
        if match is None:
            raise TranscriptFileError(
                f"{block[timing_at].strip()[:80]!r} is not a cue's times "
                "(00:01:02,500 --> 00:01:04,000)",
                line=block_start + timing_at + 1,
            )
        start = _seconds(*match.groups()[:4])
        end = _seconds(*match.groups()[4:])
        if end < start:
            raise TranscriptFileError(
                "the cue ends before it starts", line=block_start + timing_at + 1
            )
        body = "\n".join(block[timing_at + 1 :])
        if len(body) > CUE_MAX_CHARS:
            raise TranscriptFileError(
                f"the cue has {len(body):,} characters; at most {CUE_MAX_CHARS:,}",
                line=block_start + 1,
            )
        if body.strip():
            cues.append(Cue(start_s=start, end_s=end, text=body))
        if len(cues) > TRANSCRIPT_MAX_CUES:
            raise TranscriptFileError(f"more than {TRANSCRIPT_MAX_CUES:,} cues")
    if not cues:
        raise TranscriptFileError(f"{filename or 'the file'} holds no subtitle cues")
    return sorted(cues, key=lambda c: (c.start_s, c.end_s))


def _stamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def transcript_write(cues: Iterable[Cue], *, fmt: str) -> str:
    """Cues as an SRT or WebVTT file."""
    parts = ["WEBVTT\n"] if fmt == "vtt" else []
    separator = "." if fmt == "vtt" else ","
    for number, cue in enumerate(cues, start=1):
        # A blank line would end the cue early: the text keeps its lines, never an empty one.
        text = "\n".join(line for line in cue.text.split("\n") if line.strip())
        timing = f"{_stamp(cue.start_s, separator)} --> {_stamp(cue.end_s, separator)}"
        parts.append(f"{number}\n{timing}\n{text}\n")
    return "\n".join(parts)
