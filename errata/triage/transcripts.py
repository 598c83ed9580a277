"""The transcript in triage: a phrase a patron quotes that is found in what is said near the
comment's time is a narration report ("at 16:30 you say 'a little flow'"), and the line it was
found in pins the finding's time. Plain data in (the cut's cues), plain data out; no Django.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

# How far from the comment's time a quoted line is looked for.
NARRATION_WINDOW_S = 30.0
# A quote of fewer words is too likely to be on-screen text that is also said ("maybe").
MIN_QUOTED_WORDS = 3
# rapidfuzz's partial_ratio (0-100) at which a quote counts as found, misheard words included.
MIN_SIMILARITY = 88.0
NARRATION_CONFIDENCE = 0.9

_QUOTED = re.compile(
    r"\"([^\"\n]{4,300})\"|\u201c([^\u201d\n]{4,300})\u201d|(?<![\w])'([^'\n]{4,300})'(?![\w])"
    r"|\u2018([^\u2019\n]{4,300})\u2019"
)
_NOT_WORD = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class TranscriptCue:
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class NarrationMatch:
    quote: str
    cue: TranscriptCue
    similarity: float


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    return " ".join(_NOT_WORD.sub(" ", text).split())


def quoted_phrases(text: str) -> list[str]:
    """The phrases a comment quotes that are long enough to be a spoken line."""
    phrases = []
    for match in _QUOTED.finditer(text):
        phrase = next(group for group in match.groups() if group is not None)
        if len(normalise(phrase).split()) >= MIN_QUOTED_WORDS:
            phrases.append(phrase)
    return phrases


def cue_at(cues: Sequence[TranscriptCue], time_s: float, *, slack_s: float = 0.0):
    """The cue spoken at `time_s` (cues in time order), else the nearest within `slack_s`."""
    if not cues:
        return None
    starts = [c.start_s for c in cues]
    index = bisect.bisect_right(starts, time_s) - 1
    candidates = [cues[i] for i in (index, index + 1) if 0 <= i < len(cues)]
    best = None
    best_distance = float("inf")
    for cue in candidates:
        distance = (
            0.0
            if cue.start_s <= time_s <= cue.end_s
            else min(abs(cue.start_s - time_s), abs(cue.end_s - time_s))
        )
        if distance < best_distance:
            best, best_distance = cue, distance
    return best if best_distance <= slack_s else None


def narration_match(
    text: str,
    *,
    time_s: float | None,
    cues: Sequence[TranscriptCue],
    window_s: float = NARRATION_WINDOW_S,
) -> NarrationMatch | None:
    """The transcript line a quoted phrase of `text` was said in: near `time_s` when there is a
    time (the nearest match wins), else anywhere, but only when one line matches."""
    phrases = quoted_phrases(text)
    if not phrases or not cues:
        return None
    if time_s is not None:
        nearby = [
            c for c in cues if c.end_s >= time_s - window_s and c.start_s <= time_s + window_s
        ]
    else:
        nearby = list(cues)
    # A line is often split over two cues: each cue is also tried joined with the next.
    joined = [
        (cue, normalise(cue.text + " " + (nearby[i + 1].text if i + 1 < len(nearby) else "")))
        for i, cue in enumerate(nearby)
    ]
    found: list[NarrationMatch] = []
    for phrase in phrases:
        wanted = normalise(phrase)
        for cue, spoken in joined:
            similarity = 100.0 if wanted in spoken else fuzz.partial_ratio(wanted, spoken)
            if similarity >= MIN_SIMILARITY:
                found.append(NarrationMatch(quote=phrase, cue=cue, similarity=similarity))
    if not found:
        return None
    if time_s is None:
        lines = {m.cue for m in found}
        return found[0] if len(lines) == 1 else None
    return min(found, key=lambda m: (-m.similarity, abs(m.cue.start_s - time_s)))
