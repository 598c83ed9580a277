"""Who reported an erratum: the one read behind credits, "N people reported this", report counts
in exports and the notices reporters get, so they can never disagree.

A reporter is a person, not a finding: someone who wrote one of the erratum's findings or said
"me too" to one. People are told apart by one rule (reporter_key): their email address when
they gave one (two guests with the same address are one person), else the reviewer they wrote
as, else, for an unnamed imported comment with no reviewer, that comment. The creator's own
replies never count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from errata.models import Comment, Erratum, Finding, MeToo, Reviewer, ReviewLink


@dataclass
class Reporter:
    """One person who reported an erratum, with what they reported."""

    key: str
    name: str
    # Lower-cased; "" when they gave none (they can be credited but not written to).
    email: str = ""
    # The reviewer they are known as here: the one behind the review link below, when any.
    reviewer: Reviewer | None = None
    # The erratum's findings in their own comments, and others' they said "me too" to.
    reports: list[Finding] = field(default_factory=list)
    me_toos: list[Finding] = field(default_factory=list)
    # The link their "my reports" page opens on: the newest they commented through that still
    # opens, else their newest.
    review_link: ReviewLink | None = None


def reporter_key(*, reviewer: Reviewer | None, comment_id: int | None = None) -> str:
    if reviewer is not None and reviewer.email.strip():
        return "email:" + reviewer.email.strip().lower()
    if reviewer is not None:
        return f"reviewer:{reviewer.pk}"
    return f"comment:{comment_id}"


def _link_rank(link: ReviewLink) -> tuple[bool, int]:
    return (link.is_active(), link.pk)


def errata_reporters(*, erratum_ids: Iterable[int]) -> dict[int, list[Reporter]]:
    """The reporters of each erratum, in the order they first reported it. Two queries for any
    number of errata (the exports ask for a whole cut's)."""
    # A QuerySet of ids stays a subquery (no query of its own); a list comes back whole.
    ids = erratum_ids if isinstance(erratum_ids, QuerySet) else list(erratum_ids)
    people: dict[int, dict[str, Reporter]] = defaultdict(dict)
    if isinstance(ids, list):
        people.update((pk, {}) for pk in ids)
    findings = (
        Finding.objects.filter(erratum_id__in=ids, comment__author_role=Comment.Role.PATRON)
        .select_related("comment__reviewer", "comment__review_link")
        .order_by("comment__posted_at", "comment_id", "pk")
    )
    for finding in findings:
        comment = finding.comment
        reviewer = comment.reviewer
        key = reporter_key(reviewer=reviewer, comment_id=comment.pk)
        reporter = people[finding.erratum_id].get(key)
        if reporter is None:
            reporter = people[finding.erratum_id][key] = Reporter(
                key=key,
                name=comment.author_name or (reviewer.display_name if reviewer else ""),
                email=key.removeprefix("email:") if key.startswith("email:") else "",
                reviewer=reviewer,
            )
        reporter.reports.append(finding)
        link = comment.review_link
        if link is not None and (
            reporter.review_link is None or _link_rank(link) > _link_rank(reporter.review_link)
        ):
            reporter.review_link, reporter.reviewer = link, reviewer
    me_toos = (
        MeToo.objects.filter(finding__erratum_id__in=ids)
        .select_related("reviewer", "finding")
        .order_by("created_at", "pk")
    )
    for me_too in me_toos:
        finding = me_too.finding
        key = reporter_key(reviewer=me_too.reviewer)
        reporter = people[finding.erratum_id].get(key)
        if reporter is None:
            reporter = people[finding.erratum_id][key] = Reporter(
                key=key,
                name=me_too.reviewer.display_name,
                email=key.removeprefix("email:") if key.startswith("email:") else "",
                reviewer=me_too.reviewer,
            )
        if all(f.pk != finding.pk for f in (*reporter.reports, *reporter.me_toos)):
            reporter.me_toos.append(finding)
    for by_key in people.values():
        for reporter in by_key.values():
            reporter.reports.sort(key=_in_time_order)
            reporter.me_toos.sort(key=_in_time_order)
    return {pk: list(by_key.values()) for pk, by_key in people.items()}


def _in_time_order(finding: Finding) -> tuple[bool, float, int]:
    return (finding.timestamp_s is None, finding.timestamp_s or 0.0, finding.pk)


def erratum_reporters(*, erratum: Erratum) -> list[Reporter]:
    return errata_reporters(erratum_ids=[erratum.pk])[erratum.pk]


def errata_reporter_counts(*, erratum_ids: Iterable[int]) -> dict[int, int]:
    """How many people reported each erratum (see reporter_key)."""
    return {pk: len(found) for pk, found in errata_reporters(erratum_ids=erratum_ids).items()}
