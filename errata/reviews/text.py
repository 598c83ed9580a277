"""How a comment's text is shown (escaped, with times as links) and what time a new comment is
placed at.
"""

from __future__ import annotations

import re

import nh3
from django.core.exceptions import ValidationError
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from errata.triage.timestamps import extract_timestamps, format_time, parse_time

# A well-formed link pasted as HTML (Patreon's export keeps them: the seed has one). Only such a
# link becomes a live one, after nh3 has kept nothing but an http(s) href; any other markup is
# shown as the text it is.
_ANCHOR_RE = re.compile(
    r"<a\s[^<>]*\bhref\s*=\s*[\"'][^\"'<>]*[\"'][^<>]*>[^<>]{0,500}</a\s*>", re.I
)


def _sanitised_link(html: str) -> str:
    return nh3.clean(
        html,
        tags={"a"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        url_relative="deny",
        link_rel="nofollow noopener",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )


def comment_html(text: str, *, duration_s: float | None = None) -> SafeString:
    """A comment's text, escaped, with each time it names turned into a link that seeks the
    player and a pasted <a href> turned into a sanitised link. Line breaks are kept by CSS."""
    anchors = [(m.start(), m.end(), "link") for m in _ANCHOR_RE.finditer(text)]

    def inside_anchor(start: int, end: int) -> bool:
        return any(a < end and start < b for a, b, _ in anchors)

    times = [
        (t.start, t.end, t.seconds)
        for t in extract_timestamps(text, duration_s=duration_s)
        if not inside_anchor(t.start, t.end)
    ]
    pieces: list[str] = []
    position = 0
    for start, end, what in sorted([*anchors, *times], key=lambda piece: piece[0]):
        if start < position:
            continue
        pieces.append(conditional_escape(text[position:start]))
        if what == "link":
            pieces.append(_sanitised_link(text[start:end]))
        else:
            pieces.append(
                format_html(
                    '<a href="#t={}" class="time" data-seek="{}">{}</a>',
                    f"{what:g}",
                    f"{what:g}",
                    text[start:end],
                )
            )
        position = end
    pieces.append(conditional_escape(text[position:]))
    # Every piece is escaped above or produced by nh3 / format_html.
    return mark_safe("".join(str(p) for p in pieces))  # noqa: S308


TIME_SOURCES = ("player", "text", "manual", "")


def typed_time(text: str, *, duration_s: float) -> float | None:
    """The first position the text names inside the cut ("at 6:03"), if any."""
    found = extract_timestamps(text or "", duration_s=duration_s)
    return found[0].seconds if found else None


def comment_time(*, text: str, chip: str, source: str, duration_s: float) -> float | None:
    """Where a new comment is listed. The chip starts as the player's time when the patron
    paused; a time they then type in the text ("at 6:03") is what they mean, so it wins; a chip
    they edited by hand wins over both. Raises ValidationError for a chip that is not a time."""
    if source != "manual" and (in_text := typed_time(text, duration_s=duration_s)) is not None:
        return in_text
    chip = (chip or "").strip()
    if not chip:
        return None
    seconds = parse_time(chip)
    if seconds is None:
        raise ValidationError(
            {"time": _("“%(chip)s” is not a time; type it like 6:03.") % {"chip": chip[:20]}}
        )
    return seconds


# What may stand between the two ends of a range typed in a comment: "6:02-6:10", "6:02 - 6:10",
# "from 6:02 to 6:10", "6:02 until 6:10", "6:02 through 6:10".
_RANGE_JOIN_RE = re.compile(r"\s*(?:-|\u2013|\u2014|to|until|till|through|thru)\s*", re.I)


def typed_range(text: str, *, duration_s: float) -> tuple[float, float] | None:
    """The range the text's first time opens, when the next time closes it ("6:02-6:10",
    "from 6:02 to 6:10"); None when the first time is a point."""
    found = extract_timestamps(text or "", duration_s=duration_s)
    if len(found) < 2:
        return None
    first, second = found[0], found[1]
    between = text[first.end : second.start]
    # The second time's own span may start with the joining word ("to 6:10").
    joined = _RANGE_JOIN_RE.fullmatch(between) or (
        between.strip() == "" and _RANGE_JOIN_RE.match(second.text)
    )
    if not joined or second.seconds <= first.seconds:
        return None
    return first.seconds, second.seconds


def clock(seconds: float | None) -> str:
    return "" if seconds is None else format_time(seconds)
