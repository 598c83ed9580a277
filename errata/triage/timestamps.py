"""Positions in a video that a piece of free text refers to.

People write positions in many ways ("6:00", "@59", "around one minute in", "?t=754",
"3分40秒") and write many things that merely look like them ("16:9", "Python 3.11",
"between 0 and 10", "at 5:30pm"). Extraction is a handful of precompiled patterns, each
followed by context checks that reject the look-alikes; overlapping candidates are resolved
in favour of the longest one so "1:02:03" is never also read as "1:02".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from errata.triage.numbers import NUMBER_WORDS, TENS, parse_number_word
from errata.triage.time_patterns import (
    AT_SIGN_RE,
    BARE_SECONDS_RE,
    CJK_RE,
    CLOCK_RE,
    CLOCK_REJECT_AFTER_RE,
    CLOCK_REJECT_BEFORE_WORDS,
    COUNTDOWN_AFTER_RE,
    CUE_GAP,
    CUE_WORDS,
    DURATION_AFTER_RE,
    DURATION_BEFORE_WORDS,
    DURATION_MODIFIERS,
    DURATION_RE,
    FLOAT_RANGE_RE,
    IN_NOT_POSITION_RE,
    LINK_RE,
    MINUTE_N_RE,
    POSITION_CUES,
    PUNCTUATION,
    WORD_EDGE,
)

__all__ = [
    "NUMBER_WORDS",
    "Timestamp",
    "extract_timestamps",
    "format_time",
    "parse_number_word",
    "parse_time",
]


@dataclass(frozen=True)
class Timestamp:
    """One position in the video, in seconds, and the span of text it was read from."""

    seconds: float
    start: int
    end: int
    text: str


def _words_before(text: str, start: int, count: int = 3) -> list[str]:
    """The last few words before `start`, lower-cased, nearest last, stopping at anything
    with a digit in it. Plain string splitting: this runs for every candidate number."""
    words: list[str] = []
    for part in reversed(text[max(0, start - 40) : start].lower().split()):
        word = part.strip(PUNCTUATION)
        if not word:
            continue
        if not word.isalpha():
            break
        words.append(word)
        if len(words) == count:
            break
    words.reverse()
    return words


def _rejected_before_clock(text: str, start: int) -> bool:
    if text[max(0, start - 2) : start].strip()[-1:] in ("$", "€", "£"):
        return True
    words = _words_before(text, start)
    if words and words[-1] == "of":
        words = words[:-1]
    return bool(words) and words[-1] in CLOCK_REJECT_BEFORE_WORDS


def _duration_before(text: str, start: int) -> bool:
    words = _words_before(text, start)
    while words and words[-1] in DURATION_MODIFIERS:
        words = words[:-1]
    return bool(words) and words[-1] in DURATION_BEFORE_WORDS


class _Candidate(NamedTuple):
    start: int
    end: int
    seconds: float
    countdown: bool = False


def _cue_prefix_start(text: str, start: int) -> tuple[int, frozenset[str]]:
    """Where the cue words right before `start` begin ("at around 6:03" -> "at"), and which
    cue words they are."""
    begin = start
    cues: set[str] = set()
    while begin > 0:
        window = max(0, begin - 24)
        stripped = text[window:begin].rstrip(CUE_GAP)
        if not stripped:
            break
        if stripped[-1] in "@~":
            # "@59", "~5:00": the sign is a cue of its own, whatever precedes it.
            cues.add(stripped[-1])
            begin = window + len(stripped) - 1
            continue
        parts = stripped.rsplit(None, 1)
        if len(parts) == 1 and window > 0:
            break  # the window cut a longer word: not a cue
        core = parts[-1].lstrip(WORD_EDGE)
        word = core.lower().rstrip(".")
        if word not in CUE_WORDS:
            break
        cues.add(word)
        begin = window + len(stripped) - len(core)
    return begin, frozenset(cues)


def _is_countdown(text: str, end: int) -> bool:
    return bool(COUNTDOWN_AFTER_RE.match(text, end))


def _clock_candidates(text: str) -> list[_Candidate]:
    found = []
    reached = 0
    colon = text.find(":")
    while colon != -1:
        start = colon
        while start > 0 and colon - start < 3 and text[start - 1].isdigit():
            start -= 1
        match = None
        if start < colon and start >= reached:
            match = CLOCK_RE.match(text, start)
        colon = text.find(":", colon + 1)
        if match is None:
            continue
        reached = match.end()
        while colon != -1 and colon < reached:
            colon = text.find(":", colon + 1)
        before = text[match.start() - 1 : match.start()] if match.start() else ""
        if before and (
            before.isalnum()
            or before in "_:/$"
            or (before == "." and text[match.start() - 2 : match.start() - 1].isdigit())
        ):
            continue
        hours = int(match.group("h")) if match.group("h") else 0
        minutes = int(match.group("m"))
        seconds = int(match.group("s"))
        if match.group("h") and minutes >= 60:
            continue
        if CLOCK_REJECT_AFTER_RE.match(text, match.end("s")):
            continue
        if _rejected_before_clock(text, match.start()):
            continue
        value = hours * 3600 + minutes * 60 + seconds
        if match.group("frac"):
            value += float("0." + match.group("frac"))
        found.append(
            _Candidate(match.start(), match.end(), float(value), _is_countdown(text, match.end()))
        )
    return found


def _component(value: str | None, half: bool) -> float:
    if value is None:
        return 0.0
    number = parse_number_word(value)
    if number is None:
        return 0.0
    return number + (0.5 if half else 0.0)


def _duration_starts(text: str) -> list[int]:
    """Where a number stands right before a unit word: the only places a "3 minutes in" can
    start. Scanning the whole text with the duration pattern would try it at every word; most
    comments have no unit word at all, and those that do have one or two."""
    lowered = text.lower()
    hints: list[int] = []
    for stem in _UNIT_STEMS:
        index = lowered.find(stem)
        while index != -1:
            # A whole unit word ("sec", "seconds", "2min"), not part of "section" or "admin".
            if (index == 0 or not lowered[index - 1].isalpha()) and _UNIT_WORD_RE.match(
                lowered, index
            ):
                hints.append(index)
            index = lowered.find(stem, index + 1)
    if "h" in lowered or "m" in lowered or "s" in lowered:
        hints.extend(m.end() - 1 for m in _DIGIT_UNIT_RE.finditer(lowered))
    starts = {_number_start_before(text, hint) for hint in hints}
    starts.discard(None)
    return sorted(starts)  # type: ignore[arg-type]


def _duration_matches(text: str) -> list[re.Match[str]]:
    """The full duration pattern, tried only where a number sits right before a unit word;
    each window starts at such a number, and the pattern runs on from there as far as the
    expression goes ("1 hour 2 minutes and 3 seconds in")."""
    matches: list[re.Match[str]] = []
    reached = 0
    for start in _duration_starts(text):
        if start < reached:
            continue
        match = DURATION_RE.match(text, start)
        if match is not None and match.end() > match.start():
            matches.append(match)
            reached = match.end()
    return matches


def _duration_candidates(text: str) -> list[_Candidate]:
    found = []
    for match in _duration_matches(text):
        if match.end() == match.start():
            continue
        if match.group("half"):
            unit = match.group("half_unit").lower()
            value = 1800.0 if unit == "hour" else 30.0
            parts = 1
        else:
            groups = [g for g in ("h", "m", "s") if match.group(g)]
            if not groups:
                continue
            parts = len(groups)
            value = (
                _component(match.group("h"), bool(match.group("h_half") or match.group("h_half2")))
                * 3600
                + _component(
                    match.group("m"), bool(match.group("m_half") or match.group("m_half2"))
                )
                * 60
                + _component(match.group("s"), False)
            )
            # "a" and "an" are numbers only right before a unit word that is spelled out.
            if any(
                (match.group(g) or "").lower() in ("a", "an")
                and not re.match(r"\s+(?:hour|minute|min|second|sec)", text[match.end(g) :])
                for g in groups
            ):
                continue
        suffix = (match.group("suffix") or "").strip().lower()
        countdown = _is_countdown(text, match.end())
        if DURATION_AFTER_RE.match(text, match.end()) and not countdown:
            continue
        if suffix in ("in", "into") and IN_NOT_POSITION_RE.match(text, match.end()):
            continue
        body_start = match.start()
        if _duration_before(text, body_start):
            continue
        _, cues = _cue_prefix_start(text, body_start)
        positional = (
            parts >= 2
            or suffix.startswith(("in", "into", "mark"))
            or bool(cues & POSITION_CUES)
            or countdown
        )
        # Single-letter units ("5 m", "3 s") read as metres and plain letters too often
        # unless the position is spelled out by a cue.
        if parts == 1 and not match.group("half"):
            unit_text = text[match.end(groups[0]) : match.end()].strip().lower()
            single_letter = len(unit_text.split()[0].rstrip(".")) == 1
            if unit_text[:1] in "hms" and single_letter and not (cues & POSITION_CUES):
                continue
        if not positional:
            continue
        found.append(_Candidate(match.start(), match.end(), value, countdown))
    return found


def _at_sign_candidates(text: str) -> list[_Candidate]:
    return [
        _Candidate(m.start(), m.end(), float(m.group("n")), _is_countdown(text, m.end()))
        for m in AT_SIGN_RE.finditer(text)
    ]


def _bare_seconds_candidates(text: str) -> list[_Candidate]:
    return [
        _Candidate(m.start(), m.end(), float(m.group("s"))) for m in BARE_SECONDS_RE.finditer(text)
    ]


def _hms_seconds(match: re.Match[str]) -> float | None:
    """Seconds from a match with optional h / m / s groups (?t=1h2m3s, 1時2分3秒); None when it
    names none of them."""
    if not (match.group("h") or match.group("m") or match.group("s")):
        return None
    return float(
        int(match.group("h") or 0) * 3600
        + int(match.group("m") or 0) * 60
        + float(match.group("s") or 0)
    )


def _link_candidates(text: str) -> list[_Candidate]:
    found = []
    for match in LINK_RE.finditer(text):
        if (value := _hms_seconds(match)) is not None:
            found.append(_Candidate(match.start(), match.end(), value))
    # An <a href="...?t=75">...?t=75</a> shows the same link twice; it is one position.
    deduped: list[_Candidate] = []
    for candidate in found:
        if any(
            prior.seconds == candidate.seconds and candidate.start - prior.end < 400
            for prior in deduped
        ):
            continue
        deduped.append(candidate)
    return deduped


def _cjk_candidates(text: str) -> list[_Candidate]:
    found = []
    for match in CJK_RE.finditer(text):
        if (value := _hms_seconds(match)) is not None:
            found.append(_Candidate(match.start(), match.end(), value))
    return found


def _float_range_candidates(text: str) -> list[_Candidate]:
    found = []
    for match in FLOAT_RANGE_RE.finditer(text):
        first, second = float(match.group("a")), float(match.group("b"))
        has_unit = bool(match.group("as") or match.group("bs"))
        if not (first < second <= first + 600):
            continue
        if not has_unit and first < 10:
            continue
        if _rejected_before_clock(text, match.start()):
            continue
        found.append(
            _Candidate(
                match.start("a"), match.end("as") if match.group("as") else match.end("a"), first
            )
        )
        found.append(_Candidate(match.start("b"), match.end(), second))
    return found


def _minute_n_candidates(text: str) -> list[_Candidate]:
    return [
        _Candidate(m.start(), m.end(), float(int(m.group("m")) * 60))
        for m in MINUTE_N_RE.finditer(text)
    ]


_DIGIT_RE = re.compile(r"[0-9]")
_UNIT_STEMS = ("min", "sec", "hour", "hr", "half")
_UNIT_WORD_RE = re.compile(r"(?:hours?|hrs?|minutes?|mins?|seconds?|secs?|half)(?![a-z])")
_NUMBER_WORD_SET = frozenset(NUMBER_WORDS) | {"a", "an"}
_TENS_WORDS = frozenset(TENS)


def _number_start_before(text: str, position: int) -> int | None:
    """Where the number standing right before the unit word at `position` starts ("33 sec",
    "twenty-one seconds", "one and a half minutes", "1.5 min"), or None if there is none.
    "half a minute" starts at the unit word "half" itself."""
    if text[position : position + 4].lower() == "half":
        return position
    chunk = text[max(0, position - 40) : position]
    stripped = chunk.rstrip(" -")
    if not stripped:
        return None
    offset = position - len(chunk)
    if stripped[-1].isdigit():
        begin = len(stripped)
        while begin > 0 and (stripped[begin - 1].isdigit() or stripped[begin - 1] == "."):
            begin -= 1
        return offset + begin
    words = stripped.lower().replace("-", " ").split()
    if not words or (words[-1] not in _NUMBER_WORD_SET and words[-1] != "half"):
        return None
    count = 1
    if words[-1] == "half" and words[-4:-1][-2:] == ["and", "a"] and len(words) >= 4:
        count = 4  # "one and a half"
        if words[-4] not in _NUMBER_WORD_SET and not words[-4].replace(".", "").isdigit():
            return None
    elif words[-1] == "half":
        return None
    if len(words) > count and words[-count - 1] in _TENS_WORDS and words[-count] in NUMBER_WORDS:
        count += 1  # "twenty one", "twenty-one"
    # Walk back over `count` words in the original text to find where the number starts.
    begin = len(stripped)
    for _ in range(count):
        while begin > 0 and stripped[begin - 1] in " -":
            begin -= 1
        while begin > 0 and (stripped[begin - 1].isalnum() or stripped[begin - 1] == "."):
            begin -= 1
    return offset + begin


_CJK_HINT_RE = re.compile(r"[分秒時분초]")
_DECIMAL_HINT_RE = re.compile(r"\d\.\d")
_DIGIT_UNIT_RE = re.compile(r"\d\s?[hms](?![a-z])")


def extract_timestamps(text: str, *, duration_s: float | None = None) -> list[Timestamp]:
    """Every position the text names, in text order; a range gives both of its ends.

    With `duration_s` known, "4:30 left" is counted back from the end and positions past the
    end are dropped; without it, countdowns are dropped since they cannot be placed.
    """
    if not text:
        return []
    if not _DIGIT_RE.search(text):
        lowered = text.lower()
        if "minute" not in lowered and "second" not in lowered and "hour" not in lowered:
            return []
    # Each pattern runs only when the text has the character or word it needs.
    candidates: list[_Candidate] = []
    if ":" in text:
        candidates += _clock_candidates(text)
        if " :" in text or "@:" in text or "@ :" in text:
            candidates += _bare_seconds_candidates(text)
    if "." in text and _DECIMAL_HINT_RE.search(text):
        candidates += _float_range_candidates(text)
    if "=" in text:
        candidates += _link_candidates(text)
    if "@" in text:
        candidates += _at_sign_candidates(text)
    lowered = text.lower()
    if "min" in lowered:
        candidates += _minute_n_candidates(text)
    candidates += _duration_candidates(text)
    if not text.isascii() and _CJK_HINT_RE.search(text):
        candidates += _cjk_candidates(text)
    # Longest first among those starting at the same place, then drop anything that overlaps
    # what was already kept: "1:02:03" beats "02:03", "14:45 seconds" beats "45 seconds".
    candidates.sort(key=lambda c: (c.start, -(c.end - c.start)))
    kept: list[_Candidate] = []
    for candidate in candidates:
        if kept and candidate.start < kept[-1].end:
            if candidate.end - candidate.start > kept[-1].end - kept[-1].start:
                kept[-1] = candidate
            continue
        kept.append(candidate)

    timestamps: list[Timestamp] = []
    previous_end = 0
    for candidate in kept:
        seconds = candidate.seconds
        if candidate.countdown:
            if duration_s is None:
                continue
            seconds = duration_s - seconds
        if seconds < 0:
            continue
        if duration_s is not None and seconds > duration_s:
            continue
        start, _ = _cue_prefix_start(text, candidate.start)
        start = max(start, previous_end)
        timestamps.append(
            Timestamp(
                seconds=round(seconds, 3),
                start=start,
                end=candidate.end,
                text=text[start : candidate.end],
            )
        )
        previous_end = candidate.end
    return timestamps


_PARSE_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
# A typed position is short ("1:02:03.5", "1 min 5 s"). Anything longer is not one, and float()
# would read a run of 5,000 digits as infinity.
_PARSE_MAX_CHARS = 40
_PARSE_MAX_SECONDS = 1e9
_COMPACT_RE = re.compile(r"(?=\d)(?:\d+h)?(?:\d+m)?(?:\d+(?:\.\d+)?s?)?")


def parse_time(value: str) -> float | None:
    """Seconds for ONE typed position ("6:03", "1:02:03", "75", "1m5s", "1 min 5 s").

    None when the value is empty, negative, too long, or not a single position.
    """
    value = (value or "").strip()
    if not value or len(value) > _PARSE_MAX_CHARS:
        return None
    seconds = _parse_position(value)
    if seconds is None or not 0 <= seconds < _PARSE_MAX_SECONDS:
        return None
    return seconds


def _parse_position(value: str) -> float | None:
    if _PARSE_NUMBER_RE.fullmatch(value):
        return float(value)
    clock = CLOCK_RE.fullmatch(value)
    if clock and not (clock.group("h") and int(clock.group("m")) >= 60):
        seconds = (
            int(clock.group("h") or 0) * 3600 + int(clock.group("m")) * 60 + int(clock.group("s"))
        )
        if clock.group("frac"):
            seconds += float("0." + clock.group("frac"))
        return float(seconds)
    # Anything else must be read as exactly one position covering the whole value; a typed
    # "1 min" or "90s" needs no cue word to count as a position here, so one is supplied.
    found = extract_timestamps("at " + value)
    if len(found) == 1 and found[0].end == len(value) + 3:
        return found[0].seconds
    if _COMPACT_RE.fullmatch(value):
        found_links = _link_candidates("?t=" + value)
        if len(found_links) == 1:
            return found_links[0].seconds
    return None


def format_time(seconds: float) -> str:
    """6:03 for 363, 1:02:03 for 3723; whole seconds, rounded."""
    sign = "-" if seconds < 0 else ""
    total = round(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"
