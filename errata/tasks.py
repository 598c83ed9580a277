"""Celery tasks: the only Celery interface, and thin. JSON arguments that are ids; load, call a
service; retries only for named transient errors. Services queue these by name through
errata.core.queue and never import this module."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.db import OperationalError as DatabaseOperationalError

# Feature modules, not their functions, so each task reads as "<feature>.<service>(...)".
from errata.findings import batch as findings_batch
from errata.findings import learning
from errata.findings import services as findings
from errata.io import jobs
from errata.media import screen
from errata.media import services as media
from errata.models import Comment, Cut, CutMedia
from errata.notifications import digests
from errata.notifications import services as notifications
from errata.webhooks import channels
from errata.webhooks import services as webhooks
from errata.youtube import services as youtube

logger = logging.getLogger(__name__)


@shared_task(
    name="errata.triage_comment",
    autoretry_for=(DatabaseOperationalError,),
    retry_backoff=2,
    retry_backoff_max=120,
    max_retries=5,
)
def triage_comment_task(comment_id: int) -> dict:
    try:
        result = findings.findings_triage(comment_id=comment_id)
    except Comment.DoesNotExist:
        # Deleted between queueing and running: nothing to triage.
        return {"comment_id": comment_id, "missing": True}
    logger.info("Comment %s triaged: %s findings made", comment_id, result.created)
    return {
        "comment_id": result.comment_id,
        "created": result.created,
        "updated": result.updated,
        "removed": result.removed,
    }


@shared_task(
    name="errata.triage_batch",
    autoretry_for=(DatabaseOperationalError,),
    retry_backoff=2,
    retry_backoff_max=120,
    max_retries=5,
)
def triage_batch_task(cut_id: int, comment_ids: list[int]) -> dict:
    """Many pending comments of one cut (the sweep's batches), triaged together."""
    cut = Cut.objects.filter(pk=cut_id).first()
    if cut is None:
        return {"cut_id": cut_id, "missing": True}
    result = findings_batch.findings_triage_batch(cut=cut, comment_ids=comment_ids)
    return {"cut_id": cut_id, "comments": result.comments, "findings": result.findings}


@shared_task(name="errata.triage_sweep")
def triage_sweep_task() -> int:
    return findings.comments_sweep_untriaged()


@shared_task(name="errata.triage_learn")
def triage_learn_task(team_id: int) -> int:
    return learning.team_triage_learn(team_id=team_id)


@shared_task(name="errata.triage_learn_sweep")
def triage_learn_sweep_task() -> int:
    return learning.triage_learn_sweep()


@shared_task(name="errata.webhook_deliver", bind=True, max_retries=None)
def webhook_deliver_task(self, delivery_id: int) -> str:
    """One attempt; the service records it and says how long to back off. The number of attempts
    is kept on the delivery (WEBHOOK_MAX_ATTEMPTS), not here, so a replay starts afresh."""

    try:
        return webhooks.delivery_attempt(delivery_id=delivery_id).status
    except webhooks.WebhookTransientError as error:
        if self.request.is_eager:
            # Without a broker (`make run`, the tests) there is no queue to wait in: Celery runs
            # a retry that is returned, not raised, at once (a raised one would propagate).
            return self.retry(exc=error, countdown=error.countdown, throw=False)
        raise self.retry(exc=error, countdown=error.countdown) from None


@shared_task(name="errata.import_comments")
def import_comments_task(job_id: int) -> dict:
    job = jobs.import_job_run(job_id=job_id)
    return {"job_id": job.pk, "status": job.status, "added": job.added}


@shared_task(name="errata.export_checklist")
def export_checklist_task(job_id: int) -> dict:
    job = jobs.export_job_run(job_id=job_id)
    return {"job_id": job.pk, "status": job.status}


@shared_task(name="errata.media_process")
def media_process_task(media_id: int) -> dict:
    """Probe a cut's uploaded video and make its proxy, poster and sprite (ffmpeg)."""
    try:
        result = media.cut_media_process(media_id=media_id)
    except CutMedia.DoesNotExist:
        # The cut was deleted between queueing and running: nothing to process.
        return {"media_id": media_id, "missing": True}
    return {"media_id": result.pk, "status": result.status}


@shared_task(name="errata.media_detect_shots")
def media_detect_shots_task(media_id: int) -> int:
    try:
        result = media.cut_media_detect_shots(media_id=media_id)
    except CutMedia.DoesNotExist:
        return 0
    return len(result.shots or [])


@shared_task(name="errata.frames_grab")
def frames_grab_task(cut_id: int) -> int:
    return media.frame_grabs_run(cut_id=cut_id)


@shared_task(name="errata.screen_read_cut")
def screen_read_cut_task(cut_id: int) -> dict:
    """Frame checks of a cut (Tesseract): locate its findings' reported text, check earlier
    cuts' errata in it. Each is read once, so a second delivery reads nothing."""
    result = screen.screen_read_cut(cut_id=cut_id)
    return {"located": result.located, "not_found": result.not_found, "checked": result.checked}


@shared_task(name="errata.media_sweep")
def media_sweep_task() -> int:
    return media.media_sweep()


# A mail server that is down for a while is tried again after 30 s, 1 min, 2 min... up to an
# hour apart, eight times (about four hours in all), then the message is given up as failed.
NOTIFICATION_MAX_RETRIES = 8
NOTIFICATION_RETRY_FACTOR_S = 30
NOTIFICATION_RETRY_MAX_S = 3600


@shared_task(bind=True, name="errata.send_notification", max_retries=NOTIFICATION_MAX_RETRIES)
def send_notification_task(self, notification_id: int) -> str:
    """Send one stored notification. Retries only the named transient SMTP errors; the service
    sends a notification at most once, so a retry or a re-delivered task sends no duplicate."""
    try:
        return notifications.notification_send(notification_id=notification_id)
    except notifications.SMTP_ERRORS as error:
        transient = notifications.smtp_error_is_transient(error)
        final = not transient or self.request.retries >= self.max_retries
        notifications.notification_record_failure(
            notification_id=notification_id, error=error, final=final
        )
        if final:
            logger.warning("Notification %s failed for good: %r", notification_id, error)
            return "failed"
        countdown = get_exponential_backoff_interval(
            factor=NOTIFICATION_RETRY_FACTOR_S,
            retries=self.request.retries,
            maximum=NOTIFICATION_RETRY_MAX_S,
            full_jitter=True,
        )
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(name="errata.notify_erratum_status")
def notify_erratum_status_task(erratum_id: int, status: str) -> int:
    return len(notifications.erratum_notifications_create(erratum_id=erratum_id, status=status))


# A comment still untriaged when its immediate digest runs: look again a minute later, a few times.
DIGEST_TRIAGE_WAIT_S = 60
DIGEST_TRIAGE_WAITS = 3


@shared_task(bind=True, name="errata.digest_immediate", max_retries=DIGEST_TRIAGE_WAITS)
def digest_immediate_task(self, comment_id: int) -> int:
    run = digests.digests_send_for_comment(comment_id=comment_id)
    if run.waiting_for_triage and self.request.retries < DIGEST_TRIAGE_WAITS:
        raise self.retry(countdown=DIGEST_TRIAGE_WAIT_S)
    return len(run.notification_ids)


@shared_task(name="errata.digest_daily")
def digest_daily_task() -> int:
    return len(digests.digests_send(cadence="daily"))


@shared_task(name="errata.notifications_sweep")
def notifications_sweep_task() -> int:
    return notifications.notifications_sweep()


@shared_task(name="errata.webhooks_sweep")
def webhooks_sweep_task() -> int:
    return webhooks.deliveries_sweep()


@shared_task(name="errata.jobs_sweep")
def jobs_sweep_task() -> int:
    return jobs.jobs_sweep()


@shared_task(name="errata.youtube_pulls_queue")
def youtube_pulls_queue_task() -> int:
    return youtube.youtube_pulls_queue()


@shared_task(name="errata.youtube_pull", autoretry_for=(DatabaseOperationalError,), max_retries=3)
def youtube_pull_task(connection_id: int) -> dict:
    """One pull; YouTube's errors are recorded on the connection and wait for its next turn
    (the backoff lives on the row, where the studio shows it), not in Celery's retries."""
    result = youtube.youtube_pull(connection_id=connection_id)
    if result is None:
        return {"connection_id": connection_id, "pulled": False}
    return {"connection_id": connection_id, "threads": result.threads, "added": result.added}


@shared_task(name="errata.channel_digests")
def channel_digests_task() -> int:
    return channels.channel_digests_send()


@shared_task(name="errata.retention_sweep")
def retention_sweep_task() -> dict:
    """What is kept only for a while: files of finished jobs, then the rows of old jobs,
    deliveries and notifications (periods in settings, RETENTION_*)."""
    return {
        **jobs.jobs_expire(),
        "deliveries": webhooks.deliveries_expire(),
        "notifications": notifications.notifications_expire(),
    }
