"""On-screen text in triage: what a report says is written on screen, how far from its time to
look for it, and whether the words a reader (OCR) saw in a frame contain it. Plain data in,
plain data out; no Django. The frames themselves are read by errata/media/ocr.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from errata.triage.categories import quoted_strings

# How far around a report's time its text is looked for. A time given to the second ("6:03",
# "@59", the player's) is usually a few seconds off; a hedged one ("around 6:03", "16:30ish")
# more; one given in words or to the minute ("around one minute in") much more.
PRECISE_WINDOW_S = 5.0
HEDGED_WINDOW_S = 8.0
VAGUE_WINDOW_S = 20.0
# A text longer than this is a sentence someone said, not a label on screen.
MAX_WORDS = 6
MIN_CHARS = 3
# Categories that are never about the picture or the sound: nothing to look for.
NOT_LOOKED_FOR = frozenset({"none", "content"})

_HEDGE_RE = re.compile(r"\b(around|about|approx\w*|roughly|circa|ish|somewhere)\b|~|ish\b", re.I)
_CLOCK_RE = re.compile(r"\d:\d\d|@\s*\d|\d\s*s\b|\d\s*sec", re.I)
_NOT_ALNUM = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class ScreenQuery:
    """The text a report says is on screen (`wrong`) and, when it says so, what it should read
    (`right`)."""

    wrong: str
    right: str = ""


@dataclass(frozen=True)
class SearchWindow:
    start_s: float
    end_s: float
    # "precise", "hedged", "vague" (by the wording of the time) or "scene" (no time: the scene).
    basis: str


@dataclass(frozen=True)
class ScreenText:
    """Text a reader saw: one word, or a phrase found across words (find_phrase); its
    confidence (0-100) and box in frame pixels."""

    text: str
    confidence: float
    left: int
    top: int
    width: int
    height: int


def _usable(text: str) -> bool:
    words = text.split()
    letters = sum(ch.isalnum() for ch in text)
    return 1 <= len(words) <= MAX_WORDS and letters >= MIN_CHARS


def screen_query(
    text: str, *, category: str = "", correction_wrong: str = "", correction_right: str = ""
) -> ScreenQuery | None:
    """What to look for on screen for a finding: the wrong side of its correction when triage
    read one ("'mabye' should be 'maybe'"), else its first quoted word or short phrase. None
    when it quotes nothing short enough to be on-screen text, or is praise or a suggestion."""
    if category in NOT_LOOKED_FOR:
        return None
    wrong, right = correction_wrong.strip(), correction_right.strip()
    if wrong and _usable(wrong):
        return ScreenQuery(wrong=wrong, right=right if _usable(right) else "")
    for quoted in quoted_strings(text):
        quoted = quoted.strip().strip(".,;:!?")
        if _usable(quoted):
            return ScreenQuery(wrong=quoted)
    return None


def search_window(
    *,
    time_s: float | None,
    time_text: str,
    source: str,
    scene_span: tuple[float, float] | None,
    duration_s: float,
) -> SearchWindow | None:
    """The stretch of the cut to look in: wider the vaguer the time is written (`time_text` is
    what triage parsed it from; `source` where the time came from: text, player, spoken,
    manual); the scene when there is no time; None when there is neither."""
    if time_s is None:
        if scene_span is None:
            return None
        start, end = scene_span
        return SearchWindow(max(0.0, start), min(duration_s, end), "scene")
    if source == "text" and time_text:
        if not _CLOCK_RE.search(time_text):
            basis, half = "vague", VAGUE_WINDOW_S
        elif _HEDGE_RE.search(time_text):
            basis, half = "hedged", HEDGED_WINDOW_S
        else:
            basis, half = "precise", PRECISE_WINDOW_S
    else:
        basis, half = "precise", PRECISE_WINDOW_S
    start = max(0.0, time_s - half)
    end = min(duration_s, time_s + half) if duration_s > 0 else time_s + half
    if end <= start:
        # A time at or past the end ("at the very end"): the last stretch of the cut.
        start, end = max(0.0, duration_s - 2 * half), duration_s
    return SearchWindow(start, end, basis)


def normalise_word(text: str) -> str:
    """A word as compared: NFKC, case-folded, without punctuation ("Mabye." -> "mabye")."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def find_phrase(words: Sequence[ScreenText], phrase: str) -> ScreenText | None:
    """Where `phrase` is among a frame's words, in reading order, compared without spaces or
    punctuation so a reader's split or joined words still match; exact otherwise, because the
    wrong and the right text ("mabye", "maybe") differ by as little as two letters."""
    target = "".join(normalise_word(w) for w in phrase.split())
    if not target:
        return None
    cleaned = [(w, normalise_word(w.text)) for w in words]
    cleaned = [(w, n) for w, n in cleaned if n]
    best: ScreenText | None = None
    for first in range(len(cleaned)):
        joined, used = "", []
        for word, norm in cleaned[first:]:
            joined += norm
            used.append(word)
            if len(joined) >= len(target):
                break
        if joined != target:
            continue
        left = min(w.left for w in used)
        top = min(w.top for w in used)
        right = max(w.left + w.width for w in used)
        bottom = max(w.top + w.height for w in used)
        confidence = sum(w.confidence for w in used) / len(used)
        match = ScreenText(
            " ".join(w.text for w in used), confidence, left, top, right - left, bottom - top
        )
        if best is None or match.confidence > best.confidence:
            best = match
    return best
