"""The retention sweep (errata.retention_sweep): old files of finished jobs, then old rows of
jobs, deliveries and notifications go; anything still to do stays, whatever its age."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from errata.models import ExportJob, ImportJob, Notification, WebhookDelivery
from errata.tasks import retention_sweep_task
from tests import factories

pytestmark = pytest.mark.django_db


def _days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def _notification(state: str, days: int, n: int) -> Notification:
    return Notification.objects.create(
        kind="digest",
        event_key=f"digest:{n}",
        recipient=f"p{n}@example.com",
        subject="New comments",
        body_text="...",
        state=state,
        sent_at=_days_ago(days) if state == "sent" else None,
        created_at=_days_ago(days),
    )


def test_old_files_then_old_rows_go_and_live_work_stays(settings, tmp_path, cut):
    settings.MEDIA_ROOT = tmp_path
    settings.RETENTION_JOB_FILES_DAYS = 7
    settings.RETENTION_JOBS_DAYS = 90
    settings.RETENTION_DELIVERIES_DAYS = 30
    settings.RETENTION_NOTIFICATIONS_DAYS = 180

    def job(model, status: str, days: int):
        made = model.objects.create(
            cut=cut, format="csv", status=status, finished_at=_days_ago(days)
        )
        made.file.save("comments.csv", ContentFile(b"id,text\n1,x\n"))
        return made

    recent = job(ImportJob, "done", 2)
    week_old = job(ImportJob, "failed", 8)
    ancient = job(ExportJob, "done", 100)
    running = job(ImportJob, "running", 100)  # (finished_at means nothing while running)
    endpoint = factories.WebhookEndpointFactory(team=cut.video.team)
    old_sent = factories.WebhookDeliveryFactory(endpoint=endpoint, status="succeeded")
    old_pending = factories.WebhookDeliveryFactory(endpoint=endpoint, status="pending")
    new_failed = factories.WebhookDeliveryFactory(endpoint=endpoint, status="failed")
    WebhookDelivery.objects.filter(pk__in=[old_sent.pk, old_pending.pk]).update(
        created_at=_days_ago(31)
    )
    sent_long_ago = _notification("sent", 181, 1)
    pending_long_ago = _notification("pending", 181, 2)
    sent_lately = _notification("sent", 10, 3)

    before = {
        "files": sorted(p.name for p in tmp_path.rglob("*.csv")),
        "jobs": ImportJob.objects.count() + ExportJob.objects.count(),
    }
    assert len(before["files"]) == 4 and before["jobs"] == 4

    assert retention_sweep_task() == {
        "job_files": 2,  # the week-old import's and the ancient export's
        "jobs": 1,  # the ancient export
        "deliveries": 1,
        "notifications": 1,
    }

    assert ImportJob.objects.get(pk=week_old.pk).file.name == ""
    assert not ExportJob.objects.filter(pk=ancient.pk).exists()
    assert ImportJob.objects.get(pk=recent.pk).file.storage.exists(recent.file.name)
    assert ImportJob.objects.get(pk=running.pk).file.storage.exists(running.file.name)
    assert len(list(tmp_path.rglob("*.csv"))) == 2
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {
        old_pending.pk,
        new_failed.pk,
    }
    assert set(Notification.objects.values_list("pk", flat=True)) == {
        pending_long_ago.pk,
        sent_lately.pk,
    }
    assert sent_long_ago.pk not in Notification.objects.values_list("pk", flat=True)
    # Run again: nothing more to do.
    assert retention_sweep_task() == {
        "job_files": 0,
        "jobs": 0,
        "deliveries": 0,
        "notifications": 0,
    }
