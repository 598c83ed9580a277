"""Reads of the review page: the link, the viewer, a window of the comment list around the
playhead (keyset paging), the timeline bar, and what a patron may see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.db.models.functions import Floor
from django.utils.translation import gettext, ngettext

from errata.core.queries import count_subquery
from errata.models import Comment, Cut, Finding, MeToo, Reviewer, ReviewLink
from errata.triage.timestamps import format_time

# Where a comment that names no time at all is listed: after every real time.
NO_TIME_S = Comment.NO_TIME_S


# Comments per window of the review page's list. The page never renders the whole cut's
# comments: it shows a window and moves it with the playhead or the "earlier/later" buttons.
COMMENT_PAGE_SIZE = 40


# Buckets of the timeline bar under the player.
MARKER_BINS = 120


# A finding the timeline counts as a report: not praise or chatter, not set aside.
_NOT_A_REPORT = (
    Q(category="none")
    | Q(category="", suggested_category="none")
    | Q(state=Finding.State.DISMISSED)
)


def review_link_get(*, token: str) -> ReviewLink | None:
    # The review page shows the cut, its video's title and its media, and a Patreon gate asks
    # for the team's campaign: one query for all.
    return (
        ReviewLink.objects.select_related("cut__video__team", "cut__media")
        .filter(token=token)
        .first()
    )


def reviewer_get_for_viewer(*, user, key: str | None) -> Reviewer | None:
    """The reviewer behind a request: the signed-in user's, or the guest whose key the browser
    keeps for this link. Guests' keys never resolve to an account's reviewer."""
    if user is not None and user.is_authenticated:
        return Reviewer.objects.filter(user=user).first()
    if not key:
        return None
    return Reviewer.objects.filter(key=key, user__isnull=True).first()


@dataclass(frozen=True)
class Cursor:
    """A place in the list's order (time, then id), for keyset paging: "the comments after
    this one" stays right while others are being posted, unlike an offset."""

    list_time: float
    pk: int

    def encode(self) -> str:
        return f"{self.list_time!r}_{self.pk}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        try:
            time_part, pk_part = (value or "").rsplit("_", 1)
            list_time, pk = float(time_part), int(pk_part)
        except ValueError:
            return None
        if not math.isfinite(list_time):
            return None
        return cls(list_time=list_time, pk=pk)


def review_comments_visible(*, review_link: ReviewLink, reviewer_id: int | None) -> QuerySet:
    """The thread-starting comments a viewer of this link sees: everyone's, or (when the creator
    turned that off) their own and the creator's."""
    comments = Comment.objects.filter(cut_id=review_link.cut_id, parent__isnull=True)
    if not review_link.show_others_comments:
        comments = comments.filter(
            Q(author_role=Comment.Role.CREATOR) | Q(reviewer_id=reviewer_id or 0)
        )
    return comments


@dataclass
class CommentWindow:
    comments: list[Comment]
    has_earlier: bool
    has_later: bool

    @property
    def first(self) -> Cursor | None:
        c = self.comments[0] if self.comments else None
        return Cursor(c.list_time, c.pk) if c else None

    @property
    def last(self) -> Cursor | None:
        c = self.comments[-1] if self.comments else None
        return Cursor(c.list_time, c.pk) if c else None


# Keyset paging on the stored Comment.list_time: the >= / <= bound is the index range
# (comment_cut_list_time_idx) the scan starts from, the OR only drops the ties already shown,
# so a window costs the same at the start of a cut of 50,000 comments as at its end.
def _after(comments: QuerySet, cursor: Cursor) -> QuerySet:
    return comments.filter(
        Q(list_time__gte=cursor.list_time)
        & (Q(list_time__gt=cursor.list_time) | Q(pk__gt=cursor.pk))
    ).order_by("list_time", "pk")


def _before(comments: QuerySet, cursor: Cursor) -> QuerySet:
    return comments.filter(
        Q(list_time__lte=cursor.list_time)
        & (Q(list_time__lt=cursor.list_time) | Q(pk__lt=cursor.pk))
    ).order_by("-list_time", "-pk")


def review_comment_window(
    *,
    review_link: ReviewLink,
    reviewer_id: int | None,
    after: Cursor | None = None,
    before: Cursor | None = None,
    around_s: float | None = None,
    size: int = COMMENT_PAGE_SIZE,
) -> CommentWindow:
    """One window of the review page's comment list, in time order: the first one, the one
    after or before a cursor, or the one around a time (a quarter before it, the rest after),
    which is how the list follows the playhead. A fixed number of queries for any cut."""
    comments = review_comments_visible(review_link=review_link, reviewer_id=reviewer_id)
    if before is not None:
        rows = list(_before(comments, before)[: size + 1])
        window = CommentWindow(rows[:size][::-1], has_earlier=len(rows) > size, has_later=True)
    elif around_s is not None:
        start = Cursor(around_s, 0)
        later = list(_after(comments, start)[: size + 1])
        want_earlier = max(size // 4, size - len(later))
        earlier = list(_before(comments, start)[: want_earlier + 1])
        shown_later = later[: size - min(len(earlier), want_earlier)]
        window = CommentWindow(
            earlier[:want_earlier][::-1] + shown_later,
            has_earlier=len(earlier) > want_earlier,
            has_later=len(later) > len(shown_later),
        )
    else:
        first = comments.order_by("list_time", "pk")
        rows = list((_after(comments, after) if after else first)[: size + 1])
        window = CommentWindow(
            rows[:size], has_earlier=after is not None, has_later=len(rows) > size
        )
    review_comments_prefetch(window.comments, review_link=review_link, reviewer_id=reviewer_id)
    return window


def review_comments_prefetch(
    comments: list[Comment], *, review_link: ReviewLink, reviewer_id: int | None
) -> None:
    """What each listed comment shows: its visible replies (`shown_replies`) and its reports
    (`shown_findings`, each with its me-too count and whether this viewer said me too).
    Two queries for the whole window."""
    replies = Comment.objects.order_by("posted_at", "pk")
    if not review_link.show_others_comments:
        replies = replies.filter(
            Q(author_role=Comment.Role.CREATOR) | Q(reviewer_id=reviewer_id or 0)
        )
    mine = MeToo.objects.filter(finding_id=OuterRef("pk"), reviewer_id=reviewer_id or 0)
    findings = (
        Finding.objects.filter(cut_id=review_link.cut_id)
        .exclude(_NOT_A_REPORT)
        .annotate(n_metoo=Count("me_toos"), mine=Exists(mine))
        .order_by("position")
    )
    prefetch_related_objects(
        comments,
        Prefetch("replies", queryset=replies, to_attr="shown_replies"),
        Prefetch("findings", queryset=findings, to_attr="shown_findings"),
    )


def review_comment_get(
    *, review_link: ReviewLink, reviewer_id: int | None, pk: int
) -> Comment | None:
    """One thread-starting comment as the list shows it (after a reply was added to it)."""
    comment = (
        review_comments_visible(review_link=review_link, reviewer_id=reviewer_id)
        .filter(pk=pk)
        .first()
    )
    if comment is not None:
        review_comments_prefetch([comment], review_link=review_link, reviewer_id=reviewer_id)
    return comment


def review_comment_next(
    *, review_link: ReviewLink, reviewer_id: int | None, comment: Comment
) -> int | None:
    """The id of the visible comment listed right after this one (where a just-posted comment
    goes in the list the page shows), or None when it is the last. One index range scan."""
    visible = review_comments_visible(review_link=review_link, reviewer_id=reviewer_id)
    cursor = Cursor(comment.list_time, comment.pk)
    return _after(visible, cursor).values_list("pk", flat=True).first()


def review_comment_cursor(*, review_link: ReviewLink, pk: int) -> Cursor | None:
    row = (
        Comment.objects.filter(pk=pk, cut_id=review_link.cut_id)
        .values_list("list_time", "pk")
        .first()
    )
    return Cursor(*row) if row else None


@dataclass(frozen=True)
class Marker:
    """One bucket of the timeline bar: its time span and how many comments report there, with
    its box in the bar's SVG coordinates (1000 wide, 32 high)."""

    start_s: float
    end_s: float
    count: int
    x: float
    width: float
    height: float

    @property
    def y(self) -> float:
        return 32 - self.height


@dataclass
class Timeline:
    duration_s: float
    markers: list[Marker]

    @property
    def summary(self) -> str:
        """The bar in words, for screen readers: where reports cluster most."""
        if not self.markers:
            return gettext("No reports yet.")
        top = sorted(self.markers, key=lambda m: (-m.count, m.start_s))[:3]
        places = ", ".join(
            ngettext("%(time)s (%(count)s report)", "%(time)s (%(count)s reports)", m.count)
            % {"time": format_time(m.start_s), "count": m.count}
            for m in sorted(top, key=lambda m: m.start_s)
        )
        return gettext("Reports cluster at %(places)s.") % {"places": places}


# How long the timeline bar of a link showing everyone's comments is reused (per cut, in
# Django's cache): its two grouped queries read every finding of the cut, the one part of the
# review page whose cost grows with the cut, and a bar a few seconds old misleads nobody.
TIMELINE_CACHE_SECONDS = 15


def review_timeline(
    *, review_link: ReviewLink, reviewer_id: int | None, bins: int = MARKER_BINS
) -> Timeline:
    """The markers under the player: per bucket of time, how many visible comments report
    something there (by their findings' times; a comment still waiting for triage by its
    player time). Two grouped queries whatever the number of comments; on a link that shows
    everyone's comments, reused for TIMELINE_CACHE_SECONDS by every viewer of the cut."""
    if not review_link.show_others_comments:
        return _timeline(review_link=review_link, reviewer_id=reviewer_id, bins=bins)
    key = f"errata:review-timeline:{review_link.cut_id}:{review_link.cut.duration_s!r}:{bins}"
    timeline = cache.get(key)
    if timeline is None:
        timeline = _timeline(review_link=review_link, reviewer_id=None, bins=bins)
        cache.set(key, timeline, TIMELINE_CACHE_SECONDS)
    return timeline


def _timeline(*, review_link: ReviewLink, reviewer_id: int | None, bins: int) -> Timeline:
    duration_s = review_link.cut.duration_s
    bucket_s = duration_s / bins
    visible = review_comments_visible(review_link=review_link, reviewer_id=reviewer_id)
    counts: dict[int, int] = {}
    reports = (
        Finding.objects.filter(
            cut_id=review_link.cut_id, comment__in=visible.values("pk"), timestamp_s__isnull=False
        )
        .exclude(_NOT_A_REPORT)
        .annotate(bucket=Floor(F("timestamp_s") / bucket_s))
        .values("bucket")
        .annotate(n=Count("comment_id", distinct=True))
        .values_list("bucket", "n")
    )
    waiting = (
        visible.filter(triage_state=Comment.TriageState.PENDING, timestamp_s__isnull=False)
        .annotate(bucket=Floor(F("timestamp_s") / bucket_s))
        .values("bucket")
        .annotate(n=Count("pk"))
        .values_list("bucket", "n")
    )
    for rows in (reports, waiting):
        for bucket, n in rows:
            index = min(bins - 1, max(0, int(bucket)))
            counts[index] = counts.get(index, 0) + n
    most = max(counts.values(), default=1)
    step = 1000 / bins
    markers = [
        Marker(
            start_s=index * bucket_s,
            end_s=min(duration_s, (index + 1) * bucket_s),
            count=n,
            x=round(index * step, 2),
            width=round(max(step - 1, step * 0.6), 2),
            height=round(8 + 24 * n / most, 2),
        )
        for index, n in sorted(counts.items())
    ]
    return Timeline(duration_s=duration_s, markers=markers)


def review_comment_count_key(cut_id: int) -> str:
    return f"errata:review-count:{cut_id}"


def review_comment_count(*, review_link: ReviewLink, reviewer_id: int | None) -> int:
    """How many thread-starting comments the viewer sees. On a link showing everyone's, the
    cut's count is reused for TIMELINE_CACHE_SECONDS (a COUNT reads every comment of the cut:
    72 ms at 50,000) and a post adds its own comment to it (comment_count_bump), so the patron
    who posted sees it counted; anything else changing the count shows within those seconds."""
    visible = review_comments_visible(review_link=review_link, reviewer_id=reviewer_id)
    if not review_link.show_others_comments:
        return visible.count()
    key = review_comment_count_key(review_link.cut_id)
    count = cache.get(key)
    if count is None:
        count = visible.count()
        cache.add(key, count, TIMELINE_CACHE_SECONDS)
    return count


def cut_review_links(*, cut: Cut) -> list[ReviewLink]:
    # The cut page lists its review links and how many comments each brought.
    return list(
        ReviewLink.objects.filter(cut=cut)
        .annotate(
            comment_count=count_subquery(
                Comment.objects.filter(review_link=OuterRef("pk")), by="review_link"
            )
        )
        .order_by("-created_at")
    )


def review_link_for_video(*, video_id: int) -> ReviewLink | None:
    """Where a reporter who commented through no link (a me-too, an import) reads their reports:
    the newest link to the video that still opens, else the newest."""
    links = list(ReviewLink.objects.filter(cut__video_id=video_id).order_by("-created_at", "-pk"))
    return next((link for link in links if link.is_active()), links[0] if links else None)


def review_link_of_cut(*, cut: Cut, pk: int) -> ReviewLink | None:
    return ReviewLink.objects.filter(pk=pk, cut=cut).first()


def review_comment_parent(*, review_link: ReviewLink, pk: int) -> Comment | None:
    """The comment a reply on this link answers: one of the link's cut."""
    return Comment.objects.filter(pk=pk, cut_id=review_link.cut_id).first()


def finding_metoo_count(*, finding: Finding) -> int:
    return MeToo.objects.filter(finding=finding).count()


def reviewer_by_key(*, key) -> Reviewer | None:
    return Reviewer.objects.filter(key=key).first()


def reviewer_of_user(*, user) -> Reviewer | None:
    return Reviewer.objects.filter(user=user).first()
