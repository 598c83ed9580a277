"""Celery tasks: thin. Load by id, call a service; retries only for named transient errors."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError as DatabaseOperationalError

from errata import services
from errata.models import Comment


@shared_task(name="errata.ping")
def ping() -> str:
    """The health check's round trip through a worker."""
    return "pong"


@shared_task(
    name="errata.triage_comment",
    autoretry_for=(DatabaseOperationalError,),
    retry_backoff=2,
    retry_backoff_max=120,
    max_retries=5,
)
def triage_comment_task(comment_id: int) -> dict:
    try:
        result = services.findings_triage(comment_id=comment_id)
    except Comment.DoesNotExist:
        # Deleted between queueing and running: nothing to triage.
        return {"comment_id": comment_id, "missing": True}
    return {
        "comment_id": result.comment_id,
        "created": result.created,
        "updated": result.updated,
        "removed": result.removed,
    }


@shared_task(name="errata.triage_sweep")
def triage_sweep_task() -> int:
    return services.comments_sweep_untriaged()


@shared_task(name="errata.webhook_deliver", bind=True, max_retries=None)
def webhook_deliver_task(self, delivery_id: int) -> str:
    """One attempt; the service records it and says how long to back off. The number of attempts
    is kept on the delivery (WEBHOOK_MAX_ATTEMPTS), not here, so a replay starts afresh."""
    from errata import webhooks

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
    job = services.import_job_run(job_id=job_id)
    return {"job_id": job.pk, "status": job.status, "added": job.added}


@shared_task(name="errata.export_checklist")
def export_checklist_task(job_id: int) -> dict:
    job = services.export_job_run(job_id=job_id)
    return {"job_id": job.pk, "status": job.status}
