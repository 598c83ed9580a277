""" "Already reported near here?": while a patron types, the reports already made that look like
the one being typed, so they can say "me too" instead.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q

from errata.findings.grouping import finding_grouping_item, finding_lookup_tokens
from errata.findings.selectors import finding_duplicate_candidates
from errata.models import Finding, MeToo, ReviewLink
from errata.reviews.services import COMMENT_MAX_LENGTH
from errata.triage import TriagedFinding, triage_comment
from errata.triage.duplicates import GroupingItem, match_group

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
            key="draft",
            text=draft.text,
            timestamp_s=draft.timestamp_s,
            category=draft.category,
            certainty=draft.confidence,
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
