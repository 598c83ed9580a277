"""Domain events to mail. Connected when the app is ready (errata/apps.py); the events are sent
after the commit and the receivers only queue tasks."""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver

from errata.core.events import comment_created, erratum_status_changed, invitation_created
from errata.core.queue import publish
from errata.models import Comment, Membership
from errata.notifications.services import (
    NOTIFIED_STATUSES,
    erratum_notifications_create,
    invitation_notification_create,
)


@receiver(erratum_status_changed, dispatch_uid="errata.notifications.erratum_status")
def _erratum_status_changed(sender, *, erratum_id: int, after: str, **kwargs) -> None:
    if after not in NOTIFIED_STATUSES:
        return
    if not publish("errata.notify_erratum_status", erratum_id, after):
        # No broker (or the task failed in-process): store the messages here, idempotently; they
        # stay pending for the sweep, so the news is not lost with the task.
        erratum_notifications_create(erratum_id=erratum_id, status=after)


@receiver(comment_created, dispatch_uid="errata.notifications.comment_created")
def _comment_created(sender, *, comment_id: int, **kwargs) -> None:
    wanted = Comment.objects.filter(
        pk=comment_id,
        author_role=Comment.Role.PATRON,
        cut__video__team__memberships__digest=Membership.Digest.IMMEDIATE,
    ).exists()
    if not wanted:
        return
    # A short wait lets triage finish and gathers a burst of comments into one message; if the
    # broker is down, the daily run tells immediate members what they missed.
    publish(
        "errata.digest_immediate", comment_id, countdown=settings.DIGEST_IMMEDIATE_DELAY_SECONDS
    )


@receiver(invitation_created, dispatch_uid="errata.notifications.invitation_created")
def _invitation_created(sender, *, invitation_id: int, **kwargs) -> None:
    # Stored here (a row, sent by the send task), so a broker that is down delays the mail and
    # the sweep sends it later.
    invitation_notification_create(invitation_id=invitation_id)
