"""Reads of findings: duplicate candidates for a new finding (a bounded set, never the whole cut),
the triage inbox, its tabs and pickers, and the checklist's open content suggestions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Count,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Abs, Coalesce, RowNumber

from errata.core.queries import count_subquery
from errata.findings.titles import erratum_defaults_from_findings
from errata.models import Comment, Cut, Erratum, Finding, FindingToken, MeToo, Scene
from errata.triage.duplicates import (
    MAX_KEYWORD_CANDIDATES,
    MAX_KEYWORD_POSTINGS,
    MAX_TIME_CANDIDATES,
    MAX_TOKEN_CANDIDATES,
    TIME_WINDOW_S,
)


def finding_duplicate_candidates(
    *,
    cut_id: int,
    timestamp_s: float | None,
    tokens: Iterable[str],
    exclude_comment_id: int | None = None,
    exclude_reviewer_id: int | None = None,
) -> list[Finding]:
    """A bounded set of stored findings that could report the same problem, fetched the way the
    engine's in-memory index does (DuplicateIndex.candidates): those near the same time, the
    most recent sharing a strong token, and of the most recent sharing each keyword, those
    sharing at least two. Never the whole cut: each token reads a bounded number of postings
    through the (token, cut, finding) index, so the cost does not grow with the cut.

    Triage asks for a stored finding (excluding its own comment); the review page asks for what
    a patron is still typing (excluding their own reports)."""
    base = Finding.objects.filter(cut_id=cut_id).exclude(state=Finding.State.DISMISSED)
    if exclude_comment_id is not None:
        base = base.exclude(comment_id=exclude_comment_id)
    if exclude_reviewer_id is not None:
        base = base.exclude(comment__reviewer_id=exclude_reviewer_id)
    candidates: dict[int, Finding] = {}
    if timestamp_s is not None:
        near = base.filter(
            timestamp_s__gte=timestamp_s - TIME_WINDOW_S,
            timestamp_s__lte=timestamp_s + TIME_WINDOW_S,
        ).order_by("-id")[:MAX_TIME_CANDIDATES]
        candidates.update((f.pk, f) for f in near)
    tokens = sorted(set(tokens))
    strong = [t for t in tokens if not t.startswith("k:")]
    keywords = [t for t in tokens if t.startswith("k:")]
    # A few more postings than the engine reads: the asking comment's own findings (just
    # stored, so the most recent) are dropped afterwards.
    postings = finding_token_postings(
        cut_id=cut_id,
        limits={
            **{t: MAX_TOKEN_CANDIDATES + POSTINGS_MARGIN for t in strong},
            **{t: MAX_KEYWORD_POSTINGS + POSTINGS_MARGIN for t in keywords},
        },
    )
    sharing: dict[int, None] = {}
    for token in strong:
        sharing.update(dict.fromkeys(postings.get(token, ())))
    shared: dict[int, int] = {}
    for token in keywords:
        for finding_id in postings.get(token, ()):
            shared[finding_id] = shared.get(finding_id, 0) + 1
    wording = sorted(
        (pk for pk, n in shared.items() if n >= 2 and pk not in sharing),
        key=lambda pk: (-shared[pk], -pk),
    )
    wanted = [pk for pk in sharing if pk not in candidates] + wording
    if wanted:
        found = {f.pk: f for f in base.filter(pk__in=wanted)}
        strong_found = sorted((pk for pk in sharing if pk in found), reverse=True)
        for pk in strong_found[:MAX_TOKEN_CANDIDATES]:
            candidates.setdefault(pk, found[pk])
        for pk in [pk for pk in wording if pk in found][:MAX_KEYWORD_CANDIDATES]:
            candidates.setdefault(pk, found[pk])
    return list(candidates.values())


# Postings read beyond the engine's bounds, for the asking comment's own findings.
POSTINGS_MARGIN = 8


def finding_token_postings(*, cut_id: int, limits: dict[str, int]) -> dict[str, list[int]]:
    """For each token, the ids of the most recent findings of the cut indexed under it (at most
    its limit), newest first. One query on PostgreSQL (a LATERAL index range scan per token,
    each stopping at its LIMIT); one small query per token elsewhere. Either way the cost is
    tokens x limit, whatever the size of the cut or how common a token is."""
    if not limits:
        return {}
    tokens = sorted(limits)
    found: dict[str, list[int]] = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT wanted.token, posting.finding_id
                  FROM unnest(%s::text[], %s::int[]) AS wanted(token, most)
                 CROSS JOIN LATERAL (
                       SELECT finding_id FROM errata_findingtoken
                        WHERE token = wanted.token AND cut_id = %s
                        ORDER BY finding_id DESC
                        LIMIT wanted.most
                 ) AS posting
                """,
                [tokens, [limits[t] for t in tokens], cut_id],
            )
            for token, finding_id in cursor.fetchall():
                found.setdefault(token, []).append(finding_id)
        return found
    for token in tokens:
        found[token] = list(
            FindingToken.objects.filter(token=token, cut_id=cut_id)
            .order_by("-finding_id")
            .values_list("finding_id", flat=True)[: limits[token]]
        )
    return found


@dataclass
class InboxGroup:
    """Untriaged findings triage thinks report one problem (or one finding on its own), with
    what accepting them would prefill. `findings` are its first few members in time order (the
    page shows those and loads the rest on demand); `size` counts them all."""

    key: str
    findings: list[Finding]
    defaults: dict
    scene: Scene | None
    reporters: list[str] = field(default_factory=list)
    me_too_count: int = 0
    size: int = 0

    @property
    def finding_ids(self) -> list[int]:
        return [finding.pk for finding in self.findings]

    @property
    def splittable(self) -> bool:
        return self.size > 1

    @property
    def hidden(self) -> int:
        """Members not shown yet (the "N more" button)."""
        return max(0, self.size - len(self.findings))


@dataclass
class InboxPage:
    groups: list[InboxGroup]
    page: Page
    findings_total: int


INBOX_ORDERS = ("time", "size")

# Members of a group the inbox shows at first, and how many more each "more" click loads: the
# page's size no longer grows with the largest group (652 reports of one typo at 50,000).
INBOX_GROUP_SHOWN = 5
INBOX_GROUP_MORE = 25


def _inbox_group_key() -> Coalesce:
    # A group's findings share its id; a finding on its own is keyed by minus its own id.
    return Coalesce("duplicate_group_id", Value(0) - F("pk"), output_field=BigIntegerField())


def _inbox_untriaged(cut: Cut) -> QuerySet:
    return Finding.objects.filter(cut=cut, state=Finding.State.NEW)


def _inbox_findings_shown(queryset: QuerySet) -> QuerySet:
    # The inbox shows each finding in the context of its comment, who wrote it, its scene, how
    # many said "me too" and whether the creator already replied.
    return queryset.select_related(
        "comment", "comment__reviewer", "scene", "suggested_scene"
    ).annotate(
        me_too_count=count_subquery(MeToo.objects.filter(finding=OuterRef("pk")), by="finding"),
        reply_count=count_subquery(
            Comment.objects.filter(parent=OuterRef("comment_id")), by="parent"
        ),
    )


_MEMBER_ORDER = (F("timestamp_s").asc(nulls_last=True), F("pk").asc())


def inbox_page(
    *,
    cut: Cut,
    page_number: int | str | None = 1,
    per_page: int = 25,
    order: str = "time",
    findings_total: int | None = None,
) -> InboxPage:
    """A page of a cut's untriaged findings, by suggested group, each group with its first
    INBOX_GROUP_SHOWN members.

    Three queries whatever the size of the cut, none of which brings every untriaged finding
    into Python: how many groups there are, the page's groups (grouped, ordered and cut to a
    page by the database), and the first members of those groups with their comments,
    reporters, scenes and counts. `findings_total` may be passed when the caller already
    counted the untriaged findings (the inbox's tabs do).
    """
    groups_of_cut = (
        _inbox_untriaged(cut)
        .annotate(key=_inbox_group_key())
        .values("key")
        .annotate(first_s=Min("timestamp_s"), first_id=Min("pk"), members=Count("pk"))
    )
    by_time = (F("first_s").asc(nulls_last=True), F("first_id").asc())
    if order == "size":
        groups_of_cut = groups_of_cut.order_by(F("members").desc(), *by_time)
    else:
        groups_of_cut = groups_of_cut.order_by(*by_time)
    page = Paginator(groups_of_cut, per_page).get_page(page_number)
    sizes = {row["key"]: row["members"] for row in page.object_list}
    if findings_total is None:
        findings_total = _inbox_untriaged(cut).count()
    if not sizes:
        return InboxPage(groups=[], page=page, findings_total=findings_total)

    group_ids = [key for key in sizes if key > 0]
    single_ids = [-key for key in sizes if key < 0]
    ranked = (
        _inbox_findings_shown(
            _inbox_untriaged(cut).filter(
                Q(duplicate_group_id__in=group_ids)
                | Q(pk__in=single_ids, duplicate_group__isnull=True)
            )
        )
        .annotate(
            key=_inbox_group_key(),
            rank=Window(RowNumber(), partition_by=[_inbox_group_key()], order_by=_MEMBER_ORDER),
        )
        .filter(rank__lte=INBOX_GROUP_SHOWN)
    )
    shown: dict[int, list[Finding]] = {}
    for finding in ranked:
        shown.setdefault(finding.key, []).append(finding)
    groups = []
    for row in page.object_list:
        members = sorted(shown.get(row["key"], []), key=lambda f: f.rank)
        if not members:
            continue  # triaged by someone else between the two queries
        key = f"g{row['key']}" if row["key"] > 0 else f"f{-row['key']}"
        group = _inbox_group(key, members)
        group.size = sizes[row["key"]]
        groups.append(group)
    return InboxPage(groups=groups, page=page, findings_total=findings_total)


def inbox_group_members(
    *, cut: Cut, key: str, offset: int, limit: int = INBOX_GROUP_MORE
) -> tuple[list[Finding], bool]:
    """More untriaged members of one inbox group (its "N more" button): `limit` of them from
    `offset` in the group's time order, and whether more remain. A group is a few hundred
    findings at most, so an offset is fine here."""
    members = _inbox_findings_shown(inbox_group_queryset(cut=cut, key=key)).order_by(*_MEMBER_ORDER)
    rows = list(members[offset : offset + limit + 1])
    return rows[:limit], len(rows) > limit


def inbox_group_finding_ids(*, cut: Cut, key: str) -> list[int]:
    # An inbox action on a whole group names the group, not each of its (hundreds of) findings.
    return list(inbox_group_queryset(cut=cut, key=key).order_by("pk").values_list("pk", flat=True))


def inbox_group_queryset(*, cut: Cut, key: str) -> QuerySet:
    """The untriaged findings of one inbox group, by its key ("g<group id>" for a duplicate
    group, "f<finding id>" for a finding on its own); none for a key that is neither."""
    kind, number = key[:1], key[1:]
    if kind not in ("g", "f") or not number.isdigit():
        return Finding.objects.none()
    if kind == "g":
        return _inbox_untriaged(cut).filter(duplicate_group_id=int(number))
    return _inbox_untriaged(cut).filter(pk=int(number), duplicate_group__isnull=True)


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
        size=len(findings),
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
            untriaged=count_subquery(
                Finding.objects.filter(cut=OuterRef("pk"), state=Finding.State.NEW), by="cut"
            ),
            dismissed=count_subquery(
                Finding.objects.filter(cut=OuterRef("pk"), state=Finding.State.DISMISSED),
                by="cut",
            ),
            errata_count=count_subquery(
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


def content_suggestions_open(*, cut: Cut) -> list[Finding]:
    """Findings that are suggestions or questions (category content), by time: untriaged ones
    triage takes for content, and the ones the creator dismissed as content (`c` in the inbox:
    "not an error, but a suggestion", which stays open as one)."""
    # The checklist's last section prints each with its author's name (and nothing else of
    # the comment: a large cut has tens of thousands of these).
    return list(
        Finding.objects.filter(cut=cut)
        .filter(
            Q(state=Finding.State.NEW, category="content")
            | Q(state=Finding.State.NEW, category="", suggested_category="content")
            | Q(state=Finding.State.DISMISSED, category="content")
        )
        .select_related("comment")
        .only("pk", "text", "timestamp_s", "comment__author_name")
        .order_by("timestamp_s", "id")
    )


def inbox_chatter(*, cut: Cut) -> list[Finding]:
    """Untriaged findings triage takes for praise and chatter (category none, suggested or
    set), by time: the preview of the inbox's "dismiss all likely praise and chatter"."""
    return list(
        _inbox_untriaged(cut)
        .filter(Q(category="none") | Q(category="", suggested_category="none"))
        .select_related("comment")
        .only("pk", "text", "timestamp_s", "category_confidence", "comment__author_name")
        .order_by(F("timestamp_s").asc(nulls_last=True), "pk")
    )


def findings_on_cut(*, cut: Cut, ids: list[int]) -> list[Finding]:
    # The inbox's actions check the findings they name are on the cut; the picker wants times.
    return list(Finding.objects.filter(pk__in=ids, cut=cut).only("pk", "timestamp_s"))


def finding_of_cut(*, cut: Cut, pk: int) -> Finding | None:
    # One finding's row in the inbox: its comment, author and scenes.
    return (
        Finding.objects.filter(pk=pk, cut=cut)
        .select_related("comment", "comment__reviewer", "scene", "suggested_scene")
        .first()
    )


def finding_has_group_mates(*, finding: Finding) -> bool:
    """Whether other untriaged findings share this one's duplicate group (else it is alone)."""
    if finding.duplicate_group_id is None:
        return False
    return (
        Finding.objects.filter(
            duplicate_group_id=finding.duplicate_group_id, state=Finding.State.NEW
        )
        .exclude(pk=finding.pk)
        .exists()
    )
