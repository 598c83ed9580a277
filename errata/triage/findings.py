"""Splitting one comment into the separate points (findings) it makes.

A reviewer who writes "1:41, the label floats... Around 11:38, why 16 neurons? 13:11 - dark
box around the pi creature" makes three points; one who writes "at 6:00, 6:03 and 6:10 the
label flickers" makes one. The rules, in order:

- numbered or bulleted points each start a finding;
- a timestamp starts a finding when no earlier timestamp sits in its sentence (or in its
  clause, after ":", ";" or a dash), except when it only continues a list or range of
  timestamps ("from 9:01 to 9:19", "13:00, 14:40 and 15:40");
- the finding starts where that sentence or clause starts, so "Also, at the very end, ...
  around 14:09, ..." keeps its lead words; a timestamp alone on its line heads the text
  below it ("timestamp: 6:00" above a paragraph), and one trailing a sentence belongs to it;
- text before the first finding is a lead-in: an introducer ending in ":" ("Hi, some
  thoughts:") is dropped, chatter ("Great video!") joins the first finding, and a real
  point of its own becomes a finding;
- sign-offs closing a split comment ("Hope that helps. Keep up the great work!") are
  dropped from the last finding.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from errata.triage.categories import is_chatter, suggest_category
from errata.triage.timestamps import Timestamp, extract_timestamps

__all__ = ["FindingDraft", "split_findings"]


@dataclass(frozen=True)
class FindingDraft:
    """One point of a comment: its span in the comment text and where in the video it is."""

    text: str
    start: int
    end: int
    timestamp_s: float | None
    timestamp_source: str  # "text" | "player" | "" (none)
    timestamps: tuple[Timestamp, ...]


# A sentence ends at terminal punctuation (and any closing quotes or brackets) followed by
# whitespace, or at a line break.
# (The pattern starts with a character class, which the regex engine scans for quickly; a
# run of punctuation not followed by space, as in "0.5" or "e.g", is skipped in code.)
_SENTENCE_END_RE = re.compile(r"[.!?…\n][.!?…]*[\"'\u201d\u2019)\]]*\s*")
_ABBREVIATIONS_TEXT = """
    e.g i.e eg ie approx vs etc cf ca fig figs eq eqs no nr vol ch sec min dr mr mrs ms prof
    st jr sr al resp incl p pp
"""
_ABBREVIATIONS = frozenset(_ABBREVIATIONS_TEXT.split())
_LAST_WORD_RE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
# Clause boundaries inside a sentence that can start a new point: "thoughts: 1:41, ...",
# "...; 6:03 typo", "layers -- 13:11 ...".
_CLAUSE_BREAK_RE = re.compile(r"[:;]\s|\s[-\u2013—]{1,2}\s|--")
# Between two timestamps of one list or range only connectors may stand.
_LIST_GAP_RE = re.compile(
    r"[\s,;&/+()\[\]\u2013—-]*(?:(?:and|or|to|until|till|through|thru|then|also|&|at|around|"
    r"about|again|as\s+well\s+as|as\s+well)\b[\s,;&/+()\[\]\u2013—-]*)*",
    re.IGNORECASE,
)
# What may stand between a clause or sentence start and its first timestamp without being
# "content" (so the timestamp itself opens the point).
_LEAD_WORDS_RE = re.compile(
    r"[\s,.:;()\[\]*•\u2013—-]*(?:(?:also|and|then|plus|next|another|one|more|thing|finally|lastly|"
    r"second|secondly|third|thirdly|but|oh|ok|okay|btw|ps|edit|update|again|at|around|about|"
    r"approx|approximately|roughly|near|circa|timestamp|time|from|starting|right|just|exactly|"
    r"the|@|~|in|video|similarly|same|here|there)\b[\s,.:;()\[\]*•\u2013—-]*)*",
    re.IGNORECASE,
)
# Only a timestamp's cue words and punctuation: a sentence like this is a timestamp alone.
_ONLY_PUNCT_RE = re.compile(r"[\s,.:;!?()\[\]*•\u2013—\-\"'\u201c\u201d]*")
_BULLET_LINE_RE = re.compile(
    r"^[ \t]*(?:[-*•·‣◦\u2013]|\d{1,2}[.)]|\(\d{1,2}\)|[a-hA-H]\))[ \t]+(?=\S)", re.MULTILINE
)
_INLINE_NUMBER_RE = re.compile(r"\(?(\d{1,2})\)")
# A conjunction right before a timestamp (its cue words are part of the timestamp's span).
_CONJUNCTION_BEFORE_RE = re.compile(
    r",?\s+(?:and|but|also|plus|then|while|whereas)\s+(?:also\s+|then\s+)?$", re.IGNORECASE
)
# Two moments this far apart in one sentence are two points, not one.
_FAR_APART_S = 30.0


def _sentence_starts(text: str) -> list[int]:
    """Offsets where sentences start (the first non-space character after a break)."""
    starts = [_skip_space(text, 0)]
    for match in _SENTENCE_END_RE.finditer(text):
        found = match.group()
        if "\n" not in found and not found[-1].isspace():
            continue  # "0.5", "e.g", "?!" inside a word
        if text[match.start()] == "." and text[match.start() + 1 : match.start() + 2] != ".":
            word = _LAST_WORD_RE.search(text, max(0, match.start() - 12), match.start() + 1)
            if word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
                continue
        position = match.end()
        if position < len(text) and position != starts[-1]:
            starts.append(position)
    return starts


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _line_start(text: str, position: int) -> int:
    return text.rfind("\n", 0, position) + 1


def _bullets(text: str) -> dict[int, int]:
    """Numbered or bulleted points, when there are at least two: {where the point's text
    starts: where its marker starts}. "1. The title..." is the finding "The title..."."""
    if "\n" in text:
        markers = {m.end(): m.start() for m in _BULLET_LINE_RE.finditer(text)}
        if len(markers) >= 2:
            return markers
    if ")" not in text:
        return {}
    # "1) first point 2) second point" written on one line: numbers must count up from 1.
    inline = {}
    expected = 1
    index = text.find(")")
    while index != -1:
        match = _INLINE_NUMBER_RE.match(text, max(0, index - 3), index + 1)
        if match is None and index >= 2:
            match = _INLINE_NUMBER_RE.match(text, index - 2, index + 1)
        if match is None and index >= 1:
            match = _INLINE_NUMBER_RE.match(text, index - 1, index + 1)
        if match is not None and int(match.group(1)) == expected:
            begin = match.start()
            if begin == 0 or text[begin - 1].isspace():
                content = index + 1
                while content < len(text) and text[content] in " \t":
                    content += 1
                if content < len(text) and content > index + 1:
                    inline[content] = begin
                    expected += 1
        index = text.find(")", index + 1)
    return inline if len(inline) >= 2 else {}


def _previous(starts: list[int], position: int) -> int:
    """The last start at or before position (starts is sorted), else the first start."""
    index = bisect_right(starts, position) - 1
    return starts[max(index, 0)]


def _next_after(starts: list[int], position: int, default: int) -> int:
    index = bisect_right(starts, position)
    return starts[index] if index < len(starts) else default


def _anchor_start(
    text: str,
    stamp: Timestamp,
    group_end: int,
    sentences: list[int],
    floor: int,
) -> int | None:
    """Where the finding opened by this timestamp (group) starts; None to not start one."""
    sentence = max(_previous(sentences, stamp.start), floor)
    sentence_end = _next_after(sentences, stamp.start, len(text))
    before = text[sentence : stamp.start]
    after = text[group_end:sentence_end]
    only_stamp_after = _ONLY_PUNCT_RE.fullmatch(after) is not None

    if _LEAD_WORDS_RE.fullmatch(before) and only_stamp_after:
        # The timestamp stands alone in its sentence. On its own line it heads the text
        # below; after a sentence on the same line, or at the very end, it closes that one.
        at_end = _ONLY_PUNCT_RE.fullmatch(text, group_end) is not None
        line = _line_start(text, stamp.start)
        same_line_text = line < sentence or text[line:sentence].strip() != ""
        if at_end or (same_line_text and "\n" in text[group_end : sentence_end + 1]):
            previous = [s for s in sentences if s < sentence and s >= floor]
            return previous[-1] if previous else None
        return sentence
    # The nearest clause break before the timestamp with only cue words in between: the
    # point starts right there ("some thoughts: 1:41, it looks odd").
    clause = None
    for match in _CLAUSE_BREAK_RE.finditer(text, sentence, stamp.start):
        if _LEAD_WORDS_RE.fullmatch(text, match.end(), stamp.start):
            clause = _skip_space(text, match.end())
            break
    if clause is not None and not _ONLY_PUNCT_RE.fullmatch(after):
        return clause
    return sentence


def _timestamp_anchors(
    text: str,
    stamps: list[Timestamp],
    sentences: list[int],
    regions: list[int],
    cuts: dict[int, int],
) -> list[int]:
    """Finding starts opened by timestamps; `regions` are bullet starts (may be empty).

    Where the previous finding must end before a new one's start (a conjunction between
    them belongs to neither), `cuts` gets {start: where the previous one ends}."""
    anchors: list[int] = []
    previous: Timestamp | None = None
    group_end = 0
    for index, stamp in enumerate(stamps):
        region = _previous(regions, stamp.start) if regions and stamp.start >= regions[0] else 0
        if (
            previous is not None
            and previous.end >= region
            and _LIST_GAP_RE.fullmatch(text, previous.end, stamp.start)
        ):
            previous = stamp
            continue
        # The end of this timestamp's list or range, to judge what follows the whole group.
        group_end = stamp.end
        for later in stamps[index + 1 :]:
            if _LIST_GAP_RE.fullmatch(text, group_end, later.start):
                group_end = later.end
            else:
                break
        floor = max(region, anchors[-1] if anchors else 0)
        sentence = _previous(sentences, stamp.start)
        same_unit = previous is not None and previous.end > max(sentence, region)
        if same_unit:
            # Another timestamp already speaks for this sentence; only a clause break between
            # the two makes this one a new point ("typo at 1:20; overlap at 1:45"), or a
            # conjunction before a moment far from the first ("a typo at 1:20 and at 3:40
            # the graph is cut off"; "at 2:30 you say X but at 2:45 Y" stays one point).
            clause = None
            for match in _CLAUSE_BREAK_RE.finditer(text, previous.end, stamp.start):
                clause = _skip_space(text, match.end())
            if clause is None and abs(stamp.seconds - previous.seconds) > _FAR_APART_S:
                conjunction = _CONJUNCTION_BEFORE_RE.search(text, previous.end, stamp.start)
                if conjunction is not None and conjunction.start() > previous.end:
                    clause = stamp.start
                    cuts[clause] = conjunction.start()
            if clause is not None and (not anchors or clause > anchors[-1]):
                anchors.append(clause)
        else:
            start = _anchor_start(text, stamp, group_end, sentences, floor)
            if start is not None and (not anchors or start > anchors[-1]):
                anchors.append(start)
        previous = stamp
    return anchors


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding space, nor a separator left dangling at its end ("typo
    at 1:20;")."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;\u2013—-"):
        end -= 1
    return start, end


def _drop_sign_off(text: str, start: int, end: int, sentences: list[int]) -> int:
    """The end of the span once closing chatter ("Hope that helps. Cheers!") is cut off."""
    inner = [s for s in sentences if start < s < end]
    while inner:
        last = inner[-1]
        if not is_chatter(text[last:end]):
            break
        end = _strip_span(text, start, last)[1]
        inner.pop()
    return end


def _draft(
    text: str,
    start: int,
    end: int,
    stamps: list[Timestamp],
    player_time_s: float | None,
) -> FindingDraft:
    inside = tuple(s for s in stamps if start <= s.start and s.end <= end)
    if inside:
        seconds, source = inside[0].seconds, "text"
    elif player_time_s is not None:
        seconds, source = player_time_s, "player"
    else:
        seconds, source = None, ""
    return FindingDraft(
        text=text[start:end],
        start=start,
        end=end,
        timestamp_s=seconds,
        timestamp_source=source,
        timestamps=inside,
    )


def split_findings(
    text: str, *, duration_s: float | None = None, player_time_s: float | None = None
) -> list[FindingDraft]:
    """The findings of one comment, in text order; never empty for non-empty text."""
    if not text:
        return []
    stamps = extract_timestamps(text, duration_s=duration_s)
    whole_start, whole_end = _strip_span(text, 0, len(text))
    if whole_start == whole_end:
        return [_draft(text, 0, len(text), [], player_time_s)]
    bullets = _bullets(text)
    if not stamps and not bullets:
        return [_draft(text, whole_start, whole_end, stamps, player_time_s)]
    sentences = _sentence_starts(text)
    points = sorted(bullets)
    # Where each finding's text starts -> where the finding before it ends (a bullet marker
    # or a joining conjunction belongs to neither).
    cuts = dict(bullets)
    anchors = _timestamp_anchors(text, stamps, sentences, points, cuts) if stamps else []
    # Inside a bullet, the first timestamp belongs to the bullet's point, not a new one.
    anchors = [
        a
        for a in anchors
        if not points
        or a < points[0]
        or any(s.start < a and s.start >= _previous(points, a) for s in stamps)
    ]
    starts = sorted(set(points) | set(anchors))
    if len(starts) == 0 or (len(starts) == 1 and not stamps and not bullets):
        return [_draft(text, whole_start, whole_end, stamps, player_time_s)]

    spans = []
    for index, start in enumerate(starts):
        # A span ends where the next one's bullet marker (or text) starts.
        end = (
            cuts.get(starts[index + 1], starts[index + 1]) if index + 1 < len(starts) else len(text)
        )
        span = _strip_span(text, start, end)
        if span[0] < span[1]:
            spans.append(span)

    lead_start, lead_end = _strip_span(text, 0, cuts.get(starts[0], starts[0]))
    if lead_start < lead_end:
        lead = text[lead_start:lead_end]
        if lead.endswith(":"):
            pass  # "Hi Grant, some thoughts:" introduces the points and is not one.
        elif not is_chatter(lead) and _is_point(lead):
            spans.insert(0, (lead_start, lead_end))
        elif spans:
            spans[0] = (lead_start, spans[0][1])

    # Closing chatter only ever trails the last point of a comment that was split.
    if spans:
        last_start, last_end = spans[-1]
        spans[-1] = (last_start, _drop_sign_off(text, last_start, last_end, sentences))

    drafts = [_draft(text, s, e, stamps, player_time_s) for s, e in spans if s < e]
    return drafts or [_draft(text, whole_start, whole_end, stamps, player_time_s)]


def _is_point(lead: str) -> bool:
    """A lead-in that makes a point of its own rather than chatting before the first one."""
    if len(lead.split()) < 6:
        return False
    suggestion = suggest_category(lead)
    return suggestion.category != "none" and suggestion.confidence >= 0.5
