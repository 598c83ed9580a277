"""Reads of findings: duplicate candidates for a new finding (a bounded set, never the whole cut),
the triage inbox, its tabs and pickers, and the checklist's open content suggestions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, Q, Value
from django.db.models.functions import Abs

from errata.core.queries import count_subquery
from errata.findings.titles import erratum_defaults_from_findings
from errata.models import Comment, Cut, Erratum, Finding, FindingToken, MeToo, Scene
from errata.triage.duplicates import (
    MAX_KEYWORD_CANDIDATES,
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
    engine's in-memory index does: those near the same time, those sharing a strong token, and
    those sharing at least two keywords. Never the whole cut.

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
    tokens = list(tokens)
    strong = [t for t in tokens if not t.startswith("k:")]
    keywords = [t for t in tokens if t.startswith("k:")]
    if strong:
        sharing = base.filter(
            pk__in=FindingToken.objects.filter(cut_id=cut_id, token__in=strong).values("finding_id")
        ).order_by("-id")[:MAX_TOKEN_CANDIDATES]
        candidates.update((f.pk, f) for f in sharing)
    if keywords:
        # The join is filtered to the shared keywords, so the count is how many are shared.
        wording = (
            base.filter(tokens__token__in=keywords)
            .annotate(shared=Count("tokens"))
            .filter(shared__gte=2)
            .order_by("-shared", "-id")[:MAX_KEYWORD_CANDIDATES]
        )
        for candidate in wording:
            candidates.setdefault(candidate.pk, candidate)
    return list(candidates.values())


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
            me_too_count=count_subquery(MeToo.objects.filter(finding=OuterRef("pk")), by="finding"),
            reply_count=count_subquery(
                Comment.objects.filter(parent=OuterRef("comment_id")), by="parent"
            ),
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
