"""Reads that matter. Each selector owns its select_related / prefetch_related / annotations and
says which page needs them, so a page renders in a fixed number of queries however many rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Abs, Coalesce, Floor

from errata.models import (
    Comment,
    Cut,
    Erratum,
    ErratumEvent,
    ExportJob,
    Finding,
    ImportJob,
    Membership,
    MeToo,
    Reviewer,
    ReviewLink,
    Scene,
    SceneSpan,
    Video,
)
from errata.services import erratum_defaults_from_findings
from errata.triage.timestamps import format_time

# --- Review page --------------------------------------------------------------------------------

# Where a comment that names no time at all is listed: after every real time.
NO_TIME_S = 1e9
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
    # The review page shows the cut and its video's title: one query for all three.
    return ReviewLink.objects.select_related("cut__video").filter(token=token).first()


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


def _list_time() -> Coalesce:
    """A comment's place in time: where the player was, else the first time its text names
    (read by triage into its findings on this cut), else after everything."""
    # Only the comment's id is in the WHERE (the cut test is inside the MIN), and no ORDER BY:
    # either tempts the planner into walking the cut's findings for every comment instead of
    # the comment's few (0.7 s instead of milliseconds for 2,000 comments on SQLite).
    first_named = (
        Finding.objects.filter(comment_id=OuterRef("pk"))
        .order_by()
        .values("comment_id")
        .annotate(first=Min(Case(When(cut_id=OuterRef("cut_id"), then="timestamp_s"))))
        .values("first")
    )
    return Coalesce(
        "timestamp_s",
        Subquery(first_named, output_field=FloatField()),
        Value(NO_TIME_S),
        output_field=FloatField(),
    )


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


def _after(comments: QuerySet, cursor: Cursor) -> QuerySet:
    return comments.filter(
        Q(list_time__gt=cursor.list_time) | Q(list_time=cursor.list_time, pk__gt=cursor.pk)
    ).order_by("list_time", "pk")


def _before(comments: QuerySet, cursor: Cursor) -> QuerySet:
    return comments.filter(
        Q(list_time__lt=cursor.list_time) | Q(list_time=cursor.list_time, pk__lt=cursor.pk)
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
    comments = comments.annotate(list_time=_list_time())
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
        .annotate(list_time=_list_time())
        .filter(pk=pk)
        .first()
    )
    if comment is not None:
        review_comments_prefetch([comment], review_link=review_link, reviewer_id=reviewer_id)
    return comment


def review_comment_cursor(*, review_link: ReviewLink, pk: int) -> Cursor | None:
    row = (
        Comment.objects.filter(pk=pk, cut_id=review_link.cut_id)
        .annotate(list_time=_list_time())
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
            return "No reports yet."
        top = sorted(self.markers, key=lambda m: (-m.count, m.start_s))[:3]
        places = ", ".join(
            f"{format_time(m.start_s)} ({m.count} report{'s' if m.count != 1 else ''})"
            for m in sorted(top, key=lambda m: m.start_s)
        )
        return f"Reports cluster at {places}."


def review_timeline(
    *, review_link: ReviewLink, reviewer_id: int | None, bins: int = MARKER_BINS
) -> Timeline:
    """The markers under the player: per bucket of time, how many visible comments report
    something there (by their findings' times; a comment still waiting for triage by its
    player time). Two grouped queries whatever the number of comments."""
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


def review_comment_count(*, review_link: ReviewLink, reviewer_id: int | None) -> int:
    return review_comments_visible(review_link=review_link, reviewer_id=reviewer_id).count()


# --- Studio: who may see what ------------------------------------------------------------------

OPEN_STATUSES = (Erratum.Status.OPEN, Erratum.Status.ACCEPTED)
FIXED_STATUSES = (Erratum.Status.FIXED, Erratum.Status.VERIFIED)
# The board's "by status" view and its status filter, in the order of an erratum's life.
STATUS_ORDER = [
    Erratum.Status.OPEN,
    Erratum.Status.ACCEPTED,
    Erratum.Status.FIXED,
    Erratum.Status.VERIFIED,
    Erratum.Status.WONTFIX,
    Erratum.Status.NOT_AN_ERROR,
]


def studio_member(*, user) -> bool:
    """The studio is for members of a team; patrons (with or without an account) never get in."""
    return bool(user.is_authenticated) and Membership.objects.filter(user=user).exists()


def team_ids_for(user) -> QuerySet:
    """The one rule of who sees what: the teams a user belongs to. The studio, the import and
    export pages and the API scope every read by it (a subquery, so no row appears twice)."""
    return Membership.objects.filter(user=user).values("team_id")


def videos_for_member(*, user) -> QuerySet[Video]:
    """Every studio page starts here: a video is visible only to members of its team."""
    return Video.objects.filter(team_id__in=team_ids_for(user))


def video_for_member(*, user, slug: str) -> Video | None:
    # Every studio page shows the team's name in its breadcrumb.
    return videos_for_member(user=user).select_related("team").filter(slug=slug).first()


def cut_of_video(*, video: Video, number: int) -> Cut | None:
    cut = Cut.objects.filter(video=video, number=number).first()
    if cut is not None:
        cut.video = video  # already loaded; spares a query on every cut page
    return cut


# --- Counts -------------------------------------------------------------------------------------


def _count(queryset: QuerySet, *, by: str) -> Coalesce:
    """COUNT(*) of a correlated subquery, 0 when empty. Several of these in one row do not
    multiply each other the way several Count() joins would."""
    counted = queryset.order_by().values(by).annotate(n=Count("*")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _cut_counts(cuts: QuerySet[Cut]) -> QuerySet[Cut]:
    """The four numbers the video list and the cut page show for a cut."""
    waiting = Comment.objects.filter(cut=OuterRef("pk"), author_role=Comment.Role.PATRON).filter(
        Q(triage_state=Comment.TriageState.PENDING)
        | Exists(Finding.objects.filter(comment=OuterRef("pk"), state=Finding.State.NEW))
    )
    return cuts.annotate(
        new_comments=_count(waiting, by="cut"),
        untriaged_findings=_count(
            Finding.objects.filter(cut=OuterRef("pk"), state=Finding.State.NEW), by="cut"
        ),
        open_errata=_count(
            Erratum.objects.filter(
                cut=OuterRef("pk"), status__in=OPEN_STATUSES, merged_into__isnull=True
            ),
            by="cut",
        ),
        fixed_errata=_count(
            Erratum.objects.filter(
                fixed_in_cut=OuterRef("pk"), status__in=FIXED_STATUSES, merged_into__isnull=True
            ),
            by="fixed_in_cut",
        ),
    )


def video_list(*, user) -> list[Video]:
    """The studio's first page: the team's videos, each with its cuts and their counts.
    Two queries whatever the number of videos and cuts."""
    videos = list(
        videos_for_member(user=user)
        .select_related("team")
        .annotate(
            open_errata=_count(
                Erratum.objects.filter(
                    video=OuterRef("pk"), status__in=OPEN_STATUSES, merged_into__isnull=True
                ),
                by="video",
            ),
            fixed_errata=_count(
                Erratum.objects.filter(
                    video=OuterRef("pk"), status__in=FIXED_STATUSES, merged_into__isnull=True
                ),
                by="video",
            ),
        )
        .prefetch_related(
            Prefetch(
                "cuts", queryset=_cut_counts(Cut.objects.order_by("number")), to_attr="cut_rows"
            )
        )
        .order_by("team__name", "-created_at", "pk")
    )
    for video in videos:
        video.new_comments = sum(cut.new_comments for cut in video.cut_rows)
        video.untriaged_findings = sum(cut.untriaged_findings for cut in video.cut_rows)
    return videos


def video_cuts(*, video: Video) -> list[Cut]:
    # The video page lists its cuts with their counts.
    return list(_cut_counts(Cut.objects.filter(video=video).order_by("number")))


def cut_with_counts(*, cut: Cut) -> Cut:
    # The cut page's four numbers.
    counted = _cut_counts(Cut.objects.filter(pk=cut.pk)).get()
    counted.video = cut.video
    return counted


def cut_review_links(*, cut: Cut) -> list[ReviewLink]:
    # The cut page lists its review links and how many comments each brought.
    return list(
        ReviewLink.objects.filter(cut=cut)
        .annotate(
            comment_count=_count(
                Comment.objects.filter(review_link=OuterRef("pk")), by="review_link"
            )
        )
        .order_by("-created_at")
    )


# --- The triage inbox -----------------------------------------------------------------------------


@dataclass
class InboxGroup:
    """Untriaged findings triage thinks report one problem (or one finding on its own), with
    what accepting them would prefill."""

    key: str
    findings: list[Finding]
    defaults: dict
    scene: Scene | None
    reporters: list[str] = field(default_factory=list)
    me_too_count: int = 0

    @property
    def finding_ids(self) -> list[int]:
        return [finding.pk for finding in self.findings]

    @property
    def size(self) -> int:
        return len(self.findings)


@dataclass
class InboxPage:
    groups: list[InboxGroup]
    page: Page
    findings_total: int


INBOX_ORDERS = ("time", "size")


def inbox_page(
    *, cut: Cut, page_number: int | str | None = 1, per_page: int = 25, order: str = "time"
) -> InboxPage:
    """A page of a cut's untriaged findings, by suggested group.

    Three queries whatever the size of the cut: the ids, groups and times of every untriaged
    finding (grouped and paged here), then the page's findings with their comments, reporters,
    scenes and counts.
    """
    rows = Finding.objects.filter(cut=cut, state=Finding.State.NEW).values_list(
        "pk", "duplicate_group_id", "timestamp_s"
    )
    members: dict[tuple[str, int], list[tuple[int, float | None]]] = {}
    for pk, group_id, timestamp_s in rows:
        key = ("g", group_id) if group_id else ("f", pk)
        members.setdefault(key, []).append((pk, timestamp_s))

    def time_key(key: tuple[str, int]) -> tuple:
        times = [t for _, t in members[key] if t is not None]
        first = min(pk for pk, _ in members[key])
        return (not times, min(times) if times else 0.0, first)

    keys = sorted(members, key=time_key)
    if order == "size":
        keys.sort(key=lambda key: -len(members[key]))  # stable: ties stay in time order
    paginator = Paginator(keys, per_page)
    page = paginator.get_page(page_number)

    ids = [pk for key in page.object_list for pk, _ in members[key]]
    findings = {
        finding.pk: finding
        for finding in Finding.objects.filter(pk__in=ids)
        # The inbox shows each finding in the context of its comment, who wrote it, its scene,
        # how many said "me too" and whether the creator already replied.
        .select_related("comment", "comment__reviewer", "scene", "suggested_scene")
        .annotate(
            me_too_count=_count(MeToo.objects.filter(finding=OuterRef("pk")), by="finding"),
            reply_count=_count(Comment.objects.filter(parent=OuterRef("comment_id")), by="parent"),
        )
    }
    groups = []
    for key in page.object_list:
        group_findings = sorted(
            (findings[pk] for pk, _ in members[key] if pk in findings),
            key=lambda f: (f.timestamp_s is None, f.timestamp_s or 0.0, f.pk),
        )
        if not group_findings:
            continue  # triaged by someone else between the two queries
        groups.append(_inbox_group(f"{key[0]}{key[1]}", group_findings))
    return InboxPage(groups=groups, page=page, findings_total=len(rows))


def _inbox_group(key: str, findings: list[Finding]) -> InboxGroup:
    defaults = erratum_defaults_from_findings(findings)
    scenes = {
        scene.pk: scene
        for finding in findings
        for scene in (finding.scene, finding.suggested_scene)
        if scene is not None
    }
    reporters: list[str] = []
    for finding in findings:
        name = reporter_name(finding.comment)
        if name not in reporters:
            reporters.append(name)
    return InboxGroup(
        key=key,
        findings=findings,
        defaults=defaults,
        scene=scenes.get(defaults["scene_id"]),
        reporters=reporters,
        me_too_count=sum(finding.me_too_count for finding in findings),
    )


def reporter_name(comment: Comment) -> str:
    if comment.author_name:
        return comment.author_name
    if comment.reviewer_id and comment.reviewer.display_name:
        return comment.reviewer.display_name
    return "anonymous"


def dismissed_page(*, cut: Cut, page_number: int | str | None = 1, per_page: int = 50) -> Page:
    # The inbox's "dismissed" tab: what was set aside, with its comment, to restore it.
    findings = (
        Finding.objects.filter(cut=cut, state=Finding.State.DISMISSED)
        .select_related("comment", "comment__reviewer", "scene", "suggested_scene")
        .order_by(F("timestamp_s").asc(nulls_last=True), "pk")
    )
    return Paginator(findings, per_page).get_page(page_number)


def inbox_tab_counts(*, cut: Cut) -> dict[str, int]:
    """The inbox's tabs: untriaged and dismissed findings, and errata on the board (one query)."""
    return (
        Cut.objects.filter(pk=cut.pk)
        .annotate(
            untriaged=_count(
                Finding.objects.filter(cut=OuterRef("pk"), state=Finding.State.NEW), by="cut"
            ),
            dismissed=_count(
                Finding.objects.filter(cut=OuterRef("pk"), state=Finding.State.DISMISSED),
                by="cut",
            ),
            errata_count=_count(
                Erratum.objects.filter(cut=OuterRef("pk"), merged_into__isnull=True), by="cut"
            ),
        )
        .values("untriaged", "dismissed", "errata_count")
        .get()
    )


def errata_for_picker(
    *, cut: Cut, near_s: float | None = None, limit: int = 50, exclude: Erratum | None = None
) -> list[Erratum]:
    """The errata of a cut that more reports can join, nearest in time first: what the inbox's
    "add to erratum" picker and the erratum page's merge field offer."""
    errata = Erratum.objects.filter(cut=cut, merged_into__isnull=True).select_related("scene")
    if exclude is not None:
        errata = errata.exclude(pk=exclude.pk)
    if near_s is not None:
        errata = errata.annotate(distance=Abs(F("timestamp_s") - Value(float(near_s)))).order_by(
            F("distance").asc(nulls_last=True), "pk"
        )
    else:
        errata = errata.order_by(F("timestamp_s").asc(nulls_last=True), "pk")
    return list(errata[:limit])


def video_scene_names(*, video: Video) -> list[str]:
    # The scene pickers (a datalist shared by every form on the page).
    return list(Scene.objects.filter(video=video).order_by("name").values_list("name", flat=True))


# --- The errata board --------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardFilters:
    category: str = ""
    status: str = ""
    severity: str = ""
    remedy: str = ""

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass
class BoardSection:
    """Errata under one heading: a scene (with its span) or a status."""

    title: str
    span: tuple[float, float] | None
    errata: list[Erratum]


@dataclass
class BoardPage:
    sections: list[BoardSection]
    page: Page
    status_counts: dict[str, int]


BOARD_VIEWS = ("scene", "status")


def board_errata(*, cut: Cut, filters: BoardFilters) -> QuerySet[Erratum]:
    """A cut's errata with everything a board row shows: its scene and where that scene sits on
    this cut, how many reports and me-toos it has, and the cut that fixed it."""
    errata = Erratum.objects.filter(cut=cut, merged_into__isnull=True)
    for name in ("category", "status", "severity", "remedy"):
        value = getattr(filters, name)
        if value:
            errata = errata.filter(**{name: value})
    scene_span = SceneSpan.objects.filter(cut=cut, scene=OuterRef("scene")).order_by("start_s")
    return errata.select_related("scene", "fixed_in_cut").annotate(
        report_count=_count(Finding.objects.filter(erratum=OuterRef("pk")), by="erratum"),
        me_too_count=_count(
            MeToo.objects.filter(finding__erratum=OuterRef("pk")), by="finding__erratum"
        ),
        scene_start=Subquery(scene_span.values("start_s")[:1]),
        scene_end=Subquery(scene_span.values("end_s")[:1]),
    )


def board_page(
    *,
    cut: Cut,
    filters: BoardFilters,
    view: str = "scene",
    page_number: int | str | None = 1,
    per_page: int = 100,
) -> BoardPage:
    """The errata board: by scene in timeline order (errata without a scene last), or by
    status in the order of an erratum's life. Four queries whatever the number of errata."""
    errata = board_errata(cut=cut, filters=filters)
    if view == "status":
        rank = Case(
            *(When(status=status, then=Value(i)) for i, status in enumerate(STATUS_ORDER)),
            output_field=IntegerField(),
        )
        errata = errata.annotate(status_rank=rank).order_by(
            "status_rank", F("timestamp_s").asc(nulls_last=True), "pk"
        )
    else:
        errata = errata.order_by(
            F("scene_start").asc(nulls_last=True),
            "scene__name",
            F("timestamp_s").asc(nulls_last=True),
            "pk",
        )
    page = Paginator(errata, per_page).get_page(page_number)

    sections: list[BoardSection] = []
    for erratum in page.object_list:
        if view == "status":
            title, span = erratum.get_status_display(), None
        elif erratum.scene_id is None:
            title, span = "No scene", None
        else:
            title = erratum.scene.name
            span = (
                (erratum.scene_start, erratum.scene_end)
                if erratum.scene_start is not None
                else None
            )
        if not sections or sections[-1].title != title:
            sections.append(BoardSection(title=title, span=span, errata=[]))
        sections[-1].errata.append(erratum)

    status_counts = dict.fromkeys(STATUS_ORDER, 0)
    for status, n in (
        Erratum.objects.filter(cut=cut, merged_into__isnull=True)
        .order_by()
        .values_list("status")
        .annotate(n=Count("*"))
    ):
        status_counts[status] = n
    return BoardPage(sections=sections, page=page, status_counts=status_counts)


def board_row(*, cut: Cut, erratum_id: int) -> Erratum | None:
    # One board row again after a quick action on it.
    return board_errata(cut=cut, filters=BoardFilters()).filter(pk=erratum_id).first()


# --- An erratum's page ---------------------------------------------------------------------------


def erratum_for_member(*, video: Video, pk: int) -> Erratum | None:
    # The erratum page shows its scene, the cuts it was found, carried and fixed in, and where it
    # was merged.
    erratum = (
        Erratum.objects.filter(video=video, pk=pk)
        .select_related("scene", "cut", "found_in_cut", "fixed_in_cut", "merged_into", "created_by")
        .first()
    )
    if erratum is not None:
        erratum.video = video
        erratum.cut.video = video
    return erratum


def erratum_reports(*, erratum: Erratum) -> list[Finding]:
    # Every report of an erratum with its comment, its author and the people who said "me too".
    return list(
        Finding.objects.filter(erratum=erratum)
        .select_related("comment", "comment__reviewer", "cut", "scene", "suggested_scene")
        .prefetch_related(
            Prefetch("me_toos", queryset=MeToo.objects.select_related("reviewer").order_by("pk"))
        )
        .order_by(F("timestamp_s").asc(nulls_last=True), "pk")
    )


def erratum_history(*, erratum: Erratum) -> list[ErratumEvent]:
    # The history list names who made each change.
    return list(ErratumEvent.objects.filter(erratum=erratum).select_related("actor"))


def erratum_scene_span(*, erratum: Erratum) -> SceneSpan | None:
    if erratum.scene_id is None:
        return None
    return (
        SceneSpan.objects.filter(cut_id=erratum.cut_id, scene_id=erratum.scene_id)
        .order_by("start_s")
        .first()
    )


def errata_merge_targets(*, erratum: Erratum) -> QuerySet[Erratum]:
    """What an erratum can be merged into: the other live errata on the same cut."""
    return (
        Erratum.objects.filter(cut_id=erratum.cut_id, merged_into__isnull=True)
        .exclude(pk=erratum.pk)
        .order_by(F("timestamp_s").asc(nulls_last=True), "pk")
    )


# --- Scenes and timelines ------------------------------------------------------------------------


def video_scenes(*, video: Video) -> list[Scene]:
    # The scenes page: each scene with where its class is and on how many cuts it appears.
    return list(
        Scene.objects.filter(video=video)
        .annotate(span_count=_count(SceneSpan.objects.filter(scene=OuterRef("pk")), by="scene"))
        .order_by("source_path", F("class_line").asc(nulls_last=True), "name")
    )


def cut_spans(*, cut: Cut) -> list[SceneSpan]:
    # The timeline page: the cut's spans in order, each with its scene and how many untriaged
    # findings or errata currently point at it.
    return list(
        SceneSpan.objects.filter(cut=cut)
        .select_related("scene")
        .annotate(
            finding_count=_count(
                Finding.objects.filter(cut=cut, state=Finding.State.NEW).filter(
                    Q(scene=OuterRef("scene"))
                    | Q(scene__isnull=True, suggested_scene=OuterRef("scene"))
                ),
                by="cut",
            ),
            erratum_count=_count(
                Erratum.objects.filter(cut=cut, scene=OuterRef("scene"), merged_into__isnull=True),
                by="cut",
            ),
        )
        .order_by("start_s", "pk")
    )


# --- Imports and exports ----------------------------------------------------------------------


def cut_for_member(*, user, video_slug: str, cut_number: int) -> Cut | None:
    """The cut, when `user` belongs to the team that owns its video; else None (the studio's
    import and export pages answer 404, so an outsider learns nothing about other teams)."""
    if not user.is_authenticated:
        return None
    # The import and export pages show the video's title and team: fetch them with the cut.
    return (
        Cut.objects.select_related("video", "video__team")
        .filter(video__in=videos_for_member(user=user), video__slug=video_slug, number=cut_number)
        .first()
    )


def import_jobs_for_cut(*, cut: Cut, limit: int = 20) -> QuerySet[ImportJob]:
    # The import page lists recent imports with who started them.
    return ImportJob.objects.filter(cut=cut).select_related("created_by")[:limit]


def export_jobs_for_cut(*, cut: Cut, limit: int = 20) -> QuerySet[ExportJob]:
    # The export page lists recent large exports with who asked for them.
    return ExportJob.objects.filter(cut=cut).select_related("created_by")[:limit]


def cut_spans_in_order(*, cut: Cut) -> list[SceneSpan]:
    # The checklist names each scene's source file and span: the scene comes with its span.
    return list(SceneSpan.objects.filter(cut=cut).select_related("scene").order_by("start_s", "id"))


def errata_of_cut(*, cut: Cut) -> QuerySet[Erratum]:
    """Every erratum whose time refers to this cut, except the redirects merges leave."""
    # The exports print the scene (name, source file) and the cuts by number for each erratum.
    return (
        Erratum.objects.filter(cut=cut, merged_into__isnull=True)
        .select_related("scene", "found_in_cut", "fixed_in_cut")
        .order_by("timestamp_s", "id")
    )


@dataclass(frozen=True)
class Reporter:
    """One person who reported an erratum: a reviewer, or an unnamed comment's author."""

    key: str
    name: str


def erratum_reporters(*, errata: QuerySet[Erratum]) -> dict[int, list[Reporter]]:
    """The people who reported each erratum of `errata` (through a finding of their comment or
    a "me too"), creators' own comments left out, in the order they reported. Two queries for
    any number of errata: the exports count reporters per erratum and the credits name them."""
    erratum_ids = errata.values("pk")
    reporters: dict[int, dict[str, Reporter]] = defaultdict(dict)
    findings = (
        Finding.objects.filter(erratum_id__in=erratum_ids)
        .exclude(comment__author_role=Comment.Role.CREATOR)
        .order_by("comment__posted_at", "comment_id", "id")
        .values_list(
            "erratum_id",
            "comment_id",
            "comment__reviewer_id",
            "comment__author_name",
            "comment__reviewer__display_name",
        )
    )
    for erratum_id, comment_id, reviewer_id, author_name, reviewer_name in findings:
        key = f"r{reviewer_id}" if reviewer_id else f"c{comment_id}"
        reporters[erratum_id].setdefault(key, Reporter(key, author_name or reviewer_name or ""))
    me_toos = (
        MeToo.objects.filter(finding__erratum_id__in=erratum_ids)
        .order_by("created_at", "id")
        .values_list("finding__erratum_id", "reviewer_id", "reviewer__display_name")
    )
    for erratum_id, reviewer_id, name in me_toos:
        key = f"r{reviewer_id}"
        reporters[erratum_id].setdefault(key, Reporter(key, name or ""))
    return {erratum_id: list(people.values()) for erratum_id, people in reporters.items()}


def content_suggestions_open(*, cut: Cut) -> list[Finding]:
    """Untriaged findings that are suggestions or questions (category content), by time."""
    # The checklist's last section prints each with its author's name (and nothing else of
    # the comment: a large cut has tens of thousands of these).
    return list(
        Finding.objects.filter(cut=cut, state=Finding.State.NEW)
        .filter(Q(category="content") | Q(category="", suggested_category="content"))
        .select_related("comment")
        .only("pk", "text", "timestamp_s", "comment__author_name")
        .order_by("timestamp_s", "id")
    )


# --- Notifications: reporters, "my reports", digests --------------------------------------------


def erratum_findings_for_notice(*, erratum: Erratum) -> list[Finding]:
    # The message to an erratum's reporters: each finding with its comment, the comment's author
    # (their address) and review link (their reports page), and who said "me too".
    return list(
        Finding.objects.filter(erratum=erratum)
        .select_related("comment", "comment__reviewer", "comment__review_link")
        .prefetch_related(
            Prefetch("me_toos", queryset=MeToo.objects.select_related("reviewer").order_by("pk"))
        )
        .order_by(F("timestamp_s").asc(nulls_last=True), "pk")
    )


def review_link_for_video(*, video_id: int) -> ReviewLink | None:
    """Where a reporter who commented through no link (a me-too, an import) reads their reports:
    the newest link to the video that still opens, else the newest."""
    links = list(ReviewLink.objects.filter(cut__video_id=video_id).order_by("-created_at", "-pk"))
    return next((link for link in links if link.is_active()), links[0] if links else None)


def errata_reporter_counts(*, erratum_ids: list[int]) -> dict[int, int]:
    """How many people reported each erratum (wrote one of its findings or said "me too"),
    counting one address once. Two queries whatever the number of errata."""
    people: dict[int, set[str]] = {pk: set() for pk in erratum_ids}

    def person(reviewer_id: int | None, email: str, name: str) -> str:
        if email:
            return email.strip().lower()
        return f"reviewer:{reviewer_id}" if reviewer_id else f"name:{name}"

    reports = Finding.objects.filter(
        erratum_id__in=erratum_ids, comment__author_role=Comment.Role.PATRON
    ).values_list(
        "erratum_id", "comment__reviewer_id", "comment__reviewer__email", "comment__author_name"
    )
    for erratum_id, reviewer_id, email, name in reports:
        people[erratum_id].add(person(reviewer_id, email or "", name))
    me_toos = MeToo.objects.filter(finding__erratum_id__in=erratum_ids).values_list(
        "finding__erratum_id", "reviewer_id", "reviewer__email"
    )
    for erratum_id, reviewer_id, email in me_toos:
        people[erratum_id].add(person(reviewer_id, email or "", ""))
    return {pk: len(found) for pk, found in people.items()}


def reviewer_reports(*, reviewer_ids: list[int], video_id: int) -> list[Comment]:
    # The "my reports" page: a patron's comments on one video, each with its findings, each
    # finding's erratum and the cut that fixed it, and the creator's replies.
    return list(
        Comment.objects.filter(
            reviewer_id__in=reviewer_ids, cut__video_id=video_id, author_role=Comment.Role.PATRON
        )
        .select_related("cut")
        .prefetch_related(
            Prefetch(
                "findings",
                queryset=Finding.objects.select_related("erratum__fixed_in_cut").order_by(
                    "position"
                ),
            ),
            Prefetch(
                "replies",
                queryset=Comment.objects.filter(author_role=Comment.Role.CREATOR).order_by(
                    "posted_at", "pk"
                ),
                to_attr="creator_replies",
            ),
        )
        .order_by("cut__number", F("timestamp_s").asc(nulls_last=True), "pk")
    )


def reviewer_me_toos(*, reviewer_ids: list[int], video_id: int) -> list[MeToo]:
    # The "my reports" page: the reports a patron said "me too" to, with what became of them.
    return list(
        MeToo.objects.filter(reviewer_id__in=reviewer_ids, finding__comment__cut__video_id=video_id)
        .select_related("finding__comment__cut", "finding__erratum__fixed_in_cut")
        .order_by(F("finding__timestamp_s").asc(nulls_last=True), "pk")
    )


def digest_comments(*, team_id: int, since, until) -> list[Comment]:
    # A team member's digest: the patron comments triaged in (since, until] on the team's cuts,
    # with their cut, video and author, and the findings triage made of them.
    return list(
        Comment.objects.filter(
            cut__video__team_id=team_id,
            author_role=Comment.Role.PATRON,
            triaged_at__gt=since,
            triaged_at__lte=until,
        )
        .select_related("cut__video", "reviewer")
        .prefetch_related(Prefetch("findings", queryset=Finding.objects.order_by("position")))
        .order_by(
            "cut__video__title",
            "cut__video_id",
            "cut__number",
            F("timestamp_s").asc(nulls_last=True),
            "pk",
        )
    )


def memberships_for_digest(*, digests: list[str], team_id: int | None = None) -> list[Membership]:
    # The digest runs: members who want one and have an address, with their team and user.
    memberships = (
        Membership.objects.filter(digest__in=digests, user__is_active=True)
        .exclude(user__email="")
        .select_related("team", "user")
        .order_by("pk")
    )
    if team_id is not None:
        memberships = memberships.filter(team_id=team_id)
    return list(memberships)


def memberships_of(*, user) -> list[Membership]:
    # The studio's notification settings: one row per team of the user.
    return list(Membership.objects.filter(user=user).select_related("team").order_by("team__name"))
