"""The patron review page's logic that is neither a write (services) nor a plain read
(selectors): where a cut's video comes from, how a comment's text is shown, what time a new
comment is placed at, and "before you post": reports already made that look like the one being
typed.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import nh3
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from errata.models import Cut, Finding, MeToo, ReviewLink

# Matching typed text the way triage itself sees stored findings keeps "before you post" and
# the inbox's groups in agreement.
from errata.services import (
    COMMENT_MAX_LENGTH,
    finding_duplicate_candidates,
    finding_grouping_item,
    finding_lookup_tokens,
)
from errata.triage import TriagedFinding, triage_comment
from errata.triage.duplicates import GroupingItem, match_group
from errata.triage.timestamps import extract_timestamps, format_time, parse_time

# --- Where the video comes from -----------------------------------------------------------------

_YOUTUBE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com"}
_YOUTUBE_HOSTS |= {"www.youtube-nocookie.com", "music.youtube.com"}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


@dataclass(frozen=True)
class MediaSource:
    """How the page plays a cut: "file" (an upload, served with ranges), "url" (a direct video
    file elsewhere), "youtube" or "vimeo" (through their player APIs), or "" (no media yet)."""

    kind: str
    src: str = ""
    video_id: str = ""

    @property
    def origin(self) -> str:
        parts = urlsplit(self.src)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def youtube_video_id(url: str) -> str:
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().split(":")[0]
    candidate = ""
    if host in {"youtu.be", "www.youtu.be"}:
        candidate = parts.path.strip("/").split("/")[0]
    elif host in _YOUTUBE_HOSTS:
        if parts.path == "/watch":
            candidate = parse_qs(parts.query).get("v", [""])[0]
        else:
            segments = parts.path.strip("/").split("/")
            if len(segments) >= 2 and segments[0] in {"embed", "shorts", "live", "v"}:
                candidate = segments[1]
    return candidate if _YOUTUBE_ID_RE.match(candidate) else ""


def vimeo_video_url(url: str) -> str:
    """The canonical vimeo.com address of a Vimeo video (with an unlisted video's hash)."""
    parts = urlsplit(url.strip())
    if parts.netloc.lower() not in _VIMEO_HOSTS:
        return ""
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[0] == "video":
        segments = segments[1:]
    if not segments or not segments[0].isdigit():
        return ""
    video_hash = parse_qs(parts.query).get("h", [""])[0]
    if len(segments) > 1 and re.fullmatch(r"[0-9a-f]{6,20}", segments[1]):
        video_hash = segments[1]
    suffix = f"/{video_hash}" if re.fullmatch(r"[0-9a-f]{6,20}", video_hash or "") else ""
    return f"https://vimeo.com/{segments[0]}{suffix}"


def cut_media_source(cut: Cut, *, file_url: str) -> MediaSource:
    """An uploaded file wins over a URL (it is what the creator put on this cut last)."""
    if cut.media_file:
        return MediaSource(kind="file", src=file_url)
    url = (cut.media_url or "").strip()
    if not url:
        return MediaSource(kind="")
    if video_id := youtube_video_id(url):
        return MediaSource(kind="youtube", video_id=video_id)
    if vimeo := vimeo_video_url(url):
        return MediaSource(kind="vimeo", src=vimeo)
    if urlsplit(url).scheme in {"http", "https"}:
        return MediaSource(kind="url", src=url)
    return MediaSource(kind="")


def review_page_csp(source: MediaSource) -> str:
    """The page's Content-Security-Policy: our own scripts and styles only, plus the player API
    of the one video host this cut uses. Comment text is escaped anyway; this is the second wall
    should an escape ever be missed."""
    script, frame, media, img = ["'self'"], ["'none'"], ["'self'"], ["'self'", "data:"]
    if source.kind == "youtube":
        script += ["https://www.youtube.com", "https://s.ytimg.com"]
        frame = ["https://www.youtube-nocookie.com", "https://www.youtube.com"]
        img += ["https://i.ytimg.com"]
    elif source.kind == "vimeo":
        script += ["https://player.vimeo.com"]
        frame = ["https://player.vimeo.com"]
    elif source.kind == "url" and source.origin:
        media.append(source.origin)
    directives = {
        "default-src": ["'self'"],
        "script-src": script,
        "style-src": ["'self'"],
        "img-src": img,
        "media-src": media,
        "frame-src": frame,
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


# --- How a comment's text is shown --------------------------------------------------------------

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


# --- The time a new comment is placed at --------------------------------------------------------

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
        raise ValidationError({"time": f"“{chip[:20]}” is not a time; type it like 6:03."})
    return seconds


# --- Before you post ----------------------------------------------------------------------------

SIMILAR_LIMIT = 3
# The first points of a long comment are enough to find what it repeats.
SIMILAR_DRAFTS = 5


@dataclass
class SimilarReport:
    """A problem already reported near here: the first report of its group, how many reports
    and me-toos it has, and whether this viewer already added theirs (a me-too or a report)."""

    finding: Finding
    reports: int
    me_toos: int
    mine: bool
    confirmed: bool

    @property
    def voices(self) -> int:
        return self.reports + self.me_toos


@dataclass
class Preview:
    """What the page shows under the comment box while the patron types."""

    drafts: list[TriagedFinding]
    similar: list[SimilarReport]

    @property
    def categories(self) -> list[str]:
        seen: dict[str, None] = {}
        for draft in self.drafts:
            if draft.category not in ("none", "content"):
                seen.setdefault(draft.category)
        return list(seen)


def _similar_groups(
    link: ReviewLink, drafts: list[TriagedFinding], reviewer_id: int | None
) -> list[Hashable]:
    """The matching groups, best first: for each point of the draft, the triage engine's best
    group among stored findings near its time or sharing a strong token, then the next best."""
    groups: dict[Hashable, None] = {}
    for draft in drafts:
        if draft.category == "none":
            continue
        candidates = finding_duplicate_candidates(
            cut_id=link.cut_id,
            timestamp_s=draft.timestamp_s,
            tokens=finding_lookup_tokens(draft.text),
            exclude_reviewer_id=reviewer_id,
        )
        item = GroupingItem(
            key="draft", text=draft.text, timestamp_s=draft.timestamp_s, category=draft.category
        )
        pool = [finding_grouping_item(c) for c in candidates]
        while pool and len(groups) < SIMILAR_LIMIT:
            group = match_group(item, pool)
            if group is None:
                break
            groups.setdefault(group)
            pool = [c for c in pool if (c.group if c.group is not None else c.key) != group]
        if len(groups) >= SIMILAR_LIMIT:
            break
    return list(groups)


def review_preview(
    *, review_link: ReviewLink, reviewer_id: int | None, text: str, time_s: float | None
) -> Preview:
    cut = review_link.cut
    text = (text or "")[:COMMENT_MAX_LENGTH]
    if not text.strip():
        return Preview(drafts=[], similar=[])
    drafts = triage_comment(text, duration_s=cut.duration_s, player_time_s=time_s)[:SIMILAR_DRAFTS]
    # A link whose viewers only see their own comments must not show anyone else's reports.
    if not review_link.show_others_comments:
        return Preview(drafts=drafts, similar=[])
    groups = _similar_groups(review_link, drafts, reviewer_id)
    if not groups:
        return Preview(drafts=drafts, similar=[])
    group_ids = [g for g in groups if not isinstance(g, tuple)]
    finding_ids = [g[1] for g in groups if isinstance(g, tuple)]
    mine = MeToo.objects.filter(finding=OuterRef("pk"), reviewer_id=reviewer_id or 0)
    # The review page's "before you post" box: every finding of the matched groups, with its
    # comment's author and time, its me-too count and whether this viewer already said it.
    members = list(
        Finding.objects.filter(Q(duplicate_group_id__in=group_ids) | Q(pk__in=finding_ids))
        .exclude(state=Finding.State.DISMISSED)
        .select_related("comment")
        .annotate(n_metoo=Count("me_toos"), mine=Exists(mine))
        # A report with a time first: it is the one a patron can jump to and compare.
        .order_by(F("timestamp_s").asc(nulls_last=True), "pk")
    )
    similar = []
    for group in groups:
        in_group = [
            f
            for f in members
            if (f.pk == group[1] if isinstance(group, tuple) else f.duplicate_group_id == group)
        ]
        # The me-too goes on the group's first report that is not the viewer's own.
        others = [
            f for f in in_group if reviewer_id is None or f.comment.reviewer_id != reviewer_id
        ]
        if not others:
            continue
        similar.append(
            SimilarReport(
                finding=others[0],
                reports=len({f.comment_id for f in in_group}),
                me_toos=sum(f.n_metoo for f in in_group),
                mine=any(f.mine for f in in_group) or len(others) < len(in_group),
                confirmed=any(f.state == Finding.State.ACCEPTED for f in in_group),
            )
        )
    return Preview(drafts=drafts, similar=similar)


def clock(seconds: float | None) -> str:
    return "" if seconds is None else format_time(seconds)
