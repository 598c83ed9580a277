"""Looking for a text in a stretch of video: the frames of the window at a few per second, read
only when the picture changed (a slide stays still for seconds), then the first and last
frames showing the text pinned closer by halving the gap to their neighbours. No database:
the services (screen.py) and bench/ocr.py both call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from errata.media.ocr import cell_means, frame_at, frames_read, read_words, same_picture
from errata.triage.screen_text import ScreenText, find_phrase

# Halvings of the gap between the last frame without the text and the first with it (and at
# the end): at 2 frames per second, two halvings pin each edge to an eighth of a second.
REFINE_STEPS = 2
# A text still on screen at the window's edge is followed this far past it, this much at a time.
FOLLOW_S = 30.0
FOLLOW_CHUNK_S = 2.0


@dataclass
class Sighting:
    """Where a text was seen: from the first to the last frame showing it, and its box on the
    frame in the middle of that range (`frame`, kept for the box and crop)."""

    start_s: float
    end_s: float
    frame_s: float
    match: ScreenText
    frame: np.ndarray


@dataclass
class ScanResult:
    sighting: Sighting | None
    frames_decoded: int = 0
    frames_read: int = 0
    # Frame times at which the text was seen, in order (the coarse scan).
    hits: list[float] = field(default_factory=list)


class FrameReader:
    """Reads words in frames, reusing the last reading when the picture has not changed."""

    def __init__(self, *, reuse: bool = True) -> None:
        self.reuse = reuse
        self.last_cells: np.ndarray | None = None
        self.last_words: list[ScreenText] = []
        self.reads = 0

    def words(self, image: np.ndarray) -> list[ScreenText]:
        cells = cell_means(image)
        if self.reuse and same_picture(self.last_cells, cells):
            return self.last_words
        self.last_cells, self.last_words = cells, read_words(image)
        self.reads += 1
        return self.last_words


def text_scan(
    video: Path,
    *,
    text: str,
    start_s: float,
    end_s: float,
    fps: float,
    width: int,
    height: int,
    reuse: bool = True,
    refine: bool = True,
) -> ScanResult:
    """Look for `text` in `video` between start_s and end_s. `reuse` off reads every frame
    (the brute-force baseline); `refine` off keeps the coarse frame times."""
    reader = FrameReader(reuse=reuse)
    hits: list[tuple[float, ScreenText, np.ndarray]] = []
    times: list[float] = []
    for frame in frames_read(
        video, start_s=start_s, end_s=end_s, fps=fps, width=width, height=height
    ):
        times.append(frame.at_s)
        match = find_phrase(reader.words(frame.image), text)
        if match is not None:
            hits.append((frame.at_s, match, frame.image))
    step = 1.0 / fps
    decoded = len(times)
    if hits:
        # Text still on screen at the window's edge: follow it out, so the range pinned is the
        # text's, not the window's.
        if hits[-1][0] == times[-1]:
            decoded += _follow(
                video,
                text,
                reader,
                hits,
                at=times[-1] + step,
                direction=1,
                step=step,
                fps=fps,
                size=(width, height),
                limit=end_s + FOLLOW_S,
            )
        if hits[0][0] == times[0] and times[0] > 0:
            decoded += _follow(
                video,
                text,
                reader,
                hits,
                at=times[0] - step,
                direction=-1,
                step=step,
                fps=fps,
                size=(width, height),
                limit=max(0.0, start_s - FOLLOW_S),
            )
    hits.sort(key=lambda hit: hit[0])
    result = ScanResult(sighting=None, frames_decoded=decoded, hits=[h[0] for h in hits])
    if not hits:
        result.frames_read = reader.reads
        return result
    first, last = hits[0][0], hits[-1][0]
    if refine:
        first = _edge(video, text, reader, seen=first, unseen=first - step, size=(width, height))
        last = _edge(video, text, reader, seen=last, unseen=last + step, size=(width, height))
    middle = hits[len(hits) // 2]
    result.sighting = Sighting(
        start_s=round(first, 3),
        end_s=round(last, 3),
        frame_s=middle[0],
        match=middle[1],
        frame=middle[2],
    )
    result.frames_read = reader.reads
    return result


def _follow(
    video: Path,
    text: str,
    reader: FrameReader,
    hits: list,
    *,
    at: float,
    direction: int,
    step: float,
    fps: float,
    size: tuple[int, int],
    limit: float,
) -> int:
    """Read on past the window, FOLLOW_CHUNK_S at a time, while the text is still there; add
    the sightings to `hits`. Returns how many frames were decoded."""
    decoded = 0
    while (direction > 0 and at < limit) or (direction < 0 and at > limit):
        if direction > 0:
            chunk_start, chunk_end = at, min(limit, at + FOLLOW_CHUNK_S)
        else:
            chunk_start, chunk_end = max(limit, at - FOLLOW_CHUNK_S), at + step / 2
        frames = list(
            frames_read(
                video, start_s=chunk_start, end_s=chunk_end, fps=fps, width=size[0], height=size[1]
            )
        )
        if not frames:
            return decoded
        decoded += len(frames)
        ordered = frames if direction > 0 else frames[::-1]
        for frame in ordered:
            match = find_phrase(reader.words(frame.image), text)
            if match is None:
                return decoded
            hits.append((frame.at_s, match, frame.image))
        at = (frames[-1].at_s + step) if direction > 0 else (frames[0].at_s - step)
    return decoded


def _edge(
    video: Path,
    text: str,
    reader: FrameReader,
    *,
    seen: float,
    unseen: float,
    size: tuple[int, int],
) -> float:
    """Move `seen` (a time showing the text) towards `unseen` (a neighbour not showing it, or
    outside the window) by halving, REFINE_STEPS times."""
    if unseen < 0:
        return seen
    for _ in range(REFINE_STEPS):
        middle = (seen + unseen) / 2
        image = frame_at(video, at_s=middle, width=size[0], height=size[1])
        if image is None:
            unseen = middle
            continue
        if find_phrase(reader.words(image), text) is not None:
            seen = middle
        else:
            unseen = middle
    return seen


def text_present(
    video: Path, *, text: str, times: list[float], width: int, height: int
) -> tuple[ScreenText | None, np.ndarray | None, float | None]:
    """Whether `text` is on screen at any of these moments: the first match, its frame and
    time; else (None, the last frame read, None)."""
    reader = FrameReader()
    last_image = None
    for at_s in times:
        image = frame_at(video, at_s=at_s, width=width, height=height)
        if image is None:
            continue
        last_image = image
        match = find_phrase(reader.words(image), text)
        if match is not None:
            return match, image, at_s
    return None, last_image, None
