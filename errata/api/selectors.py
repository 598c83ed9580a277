"""Reads for the API, scoped to what the caller may see. Each says which endpoint needs its
select_related / prefetch_related; the query-count tests in tests/api hold them to it.

Scoping is a subquery on the caller's memberships (not a join), so a user in several teams never
sees a row twice and each list stays one query plus its prefetches.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from errata.core.access import team_ids_for
from errata.models import (
    ApiToken,
    Comment,
    Cut,
    Erratum,
    ErratumEvent,
    ExportJob,
    Finding,
    ImportJob,
    Membership,
    ReviewLink,
    Scene,
    SceneSpan,
    User,
    Video,
    WebhookDelivery,
    WebhookEndpoint,
)


def memberships_for_user(user: User) -> QuerySet[Membership]:
    # GET /api/teams/ shows each team's slug and name with the caller's role.
    return Membership.objects.filter(user=user).select_related("team").order_by("team__slug", "id")


def videos_for_user(user: User) -> QuerySet[Video]:
    # The video serializer names its team by slug.
    return Video.objects.filter(team_id__in=team_ids_for(user)).select_related("team")


def cuts_for_user(user: User) -> QuerySet[Cut]:
    # The cut serializer names its video by slug and shows its media's processing.
    return Cut.objects.filter(video__team_id__in=team_ids_for(user)).select_related(
        "video", "media"
    )


def cut_for_review_link(link: ReviewLink) -> QuerySet[Cut]:
    return Cut.objects.filter(pk=link.cut_id).select_related("video", "media")


def scenes_for_user(user: User) -> QuerySet[Scene]:
    return Scene.objects.filter(video__team_id__in=team_ids_for(user)).select_related("video")


def spans_for_user(user: User) -> QuerySet[SceneSpan]:
    # The span list shows each scene's name next to its times.
    return SceneSpan.objects.filter(cut__video__team_id__in=team_ids_for(user)).select_related(
        "scene"
    )


def review_links_for_user(user: User) -> QuerySet[ReviewLink]:
    return ReviewLink.objects.filter(cut__video__team_id__in=team_ids_for(user))


def comments_for_user(user: User) -> QuerySet[Comment]:
    return Comment.objects.filter(cut__video__team_id__in=team_ids_for(user))


def comments_for_review_link(link: ReviewLink, *, reviewer_key: UUID | None) -> QuerySet[Comment]:
    """What a patron's client sees on its link: the cut's comments, or, when the creator hides
    others' comments, the patron's own and the creator's replies to them."""
    comments = Comment.objects.filter(cut_id=link.cut_id)
    if link.show_others_comments:
        return comments
    if reviewer_key is None:
        return comments.none()
    return comments.filter(
        Q(reviewer__key=reviewer_key)
        | Q(author_role=Comment.Role.CREATOR, parent__reviewer__key=reviewer_key)
    )


def findings_for_user(user: User) -> QuerySet[Finding]:
    # The finding serializer shows who wrote it (the comment's author name).
    return Finding.objects.filter(cut__video__team_id__in=team_ids_for(user)).select_related(
        "comment"
    )


def errata_for_user(user: User) -> QuerySet[Erratum]:
    return errata_with_findings(Erratum.objects.filter(video__team_id__in=team_ids_for(user)))


def errata_with_findings(errata: QuerySet[Erratum]) -> QuerySet[Erratum]:
    # The erratum serializer names its video by slug and lists the ids of its findings (the
    # reports), one prefetch for the whole page. Webhook payloads use the same shape.
    return errata.select_related("video").prefetch_related(
        Prefetch(
            "findings",
            queryset=Finding.objects.only("id", "erratum_id").order_by("id"),
            to_attr="finding_rows",
        )
    )


def erratum_events(erratum: Erratum) -> QuerySet[ErratumEvent]:
    # The history names each actor by username.
    return ErratumEvent.objects.filter(erratum=erratum).select_related("actor")


def api_tokens_for_user(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def webhook_endpoints_for_user(user: User) -> QuerySet[WebhookEndpoint]:
    # Endpoints are named with their team's slug.
    return WebhookEndpoint.objects.filter(team_id__in=team_ids_for(user)).select_related("team")


def webhook_deliveries_for_user(user: User) -> QuerySet[WebhookDelivery]:
    # Owner checks on replay need the endpoint's team id.
    return WebhookDelivery.objects.filter(endpoint__team_id__in=team_ids_for(user)).select_related(
        "endpoint"
    )


def import_jobs_for_user(user: User) -> QuerySet[ImportJob]:
    # The job answer names who started it by username.
    return ImportJob.objects.filter(cut__video__team_id__in=team_ids_for(user)).select_related(
        "created_by"
    )


def export_jobs_for_user(user: User) -> QuerySet[ExportJob]:
    # The job answer names who asked for it by username.
    return ExportJob.objects.filter(cut__video__team_id__in=team_ids_for(user)).select_related(
        "created_by"
    )


# An export job unfinished after this long is presumed lost (its worker died): asking again
# starts a new one rather than waiting on it for ever.
EXPORT_JOB_JOIN_WINDOW = timedelta(minutes=15)


def export_job_in_progress(*, cut: Cut, fmt: str) -> ExportJob | None:
    """A job already rendering this export (queued or running, recently), so asking again for
    a large export joins it instead of starting another."""
    return (
        ExportJob.objects.filter(
            cut=cut,
            format=fmt,
            status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
            created_at__gte=timezone.now() - EXPORT_JOB_JOIN_WINDOW,
        )
        .select_related("created_by")
        .order_by("-created_at", "-id")
        .first()
    )
