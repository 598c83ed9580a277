"""Reads. Each selector owns its select_related / prefetch_related, with the page that needs
them named, so a list page costs a fixed number of queries however long the list is."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from errata.models import (
    Comment,
    Cut,
    Erratum,
    ExportJob,
    Finding,
    ImportJob,
    Membership,
    MeToo,
    SceneSpan,
)

# --- Imports and exports ----------------------------------------------------------------------


def cut_for_member(*, user, video_slug: str, cut_number: int) -> Cut | None:
    """The cut, when `user` belongs to the team that owns its video; else None (the studio's
    import and export pages answer 404, so an outsider learns nothing about other teams)."""
    if not user.is_authenticated:
        return None
    teams = Membership.objects.filter(user=user).values("team_id")
    # The import and export pages show the video's title and team: fetch them with the cut.
    return (
        Cut.objects.select_related("video", "video__team")
        .filter(video__slug=video_slug, number=cut_number, video__team_id__in=teams)
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
