"""Work on a whole file done by a Celery task: importing comments, rendering a large export."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from errata.models.catalog import Cut


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Job(models.Model):
    """What every job has: who started it, its format, its status, its error and its times.

    A run claims a queued job with a conditional update that counts the attempt, so a task
    delivered twice runs it once; the run owns the job while it is running under that attempt
    number, and writes its heartbeat meanwhile. A running job whose heartbeat stopped lost its
    worker: the jobs sweep queues it again (the runs are idempotent) or fails it."""

    Status = JobStatus

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    format = models.CharField(max_length=16)
    filename = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When its task was last handed to the broker (creation, a resume, a retry).
    queued_at = models.DateTimeField(default=timezone.now)
    # Runs so far, counting the one under way; and the running worker's last sign of life.
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="%(class)s_status_valid"
            ),
        ]

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED)

    @property
    def can_cancel(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def can_retry(self) -> bool:
        return self.status in (self.Status.FAILED, self.Status.CANCELLED)


class ImportJobPhase(models.TextChoices):
    WAITING = "waiting", _("Waiting for a worker")
    CHECKING = "checking", _("Checking the file")
    WRITING = "writing", _("Storing comments")
    TRIAGING = "triaging", _("Triaging")
    FINISHED = "finished", _("Finished")


class ImportJob(Job):
    """A comment file being imported into a cut by a Celery task, with its progress for the
    import page's bar and the API."""

    Phase = ImportJobPhase

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="import_jobs")
    file = models.FileField(upload_to="imports/")
    creator_name = models.CharField(max_length=150, blank=True)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.WAITING)
    percent = models.PositiveSmallIntegerField(default=0)
    # Comments in the file (known once it is checked), added now, already there before.
    total = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    findings = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta(Job.Meta):
        constraints = [
            *Job.Meta.constraints,
            models.CheckConstraint(condition=Q(percent__lte=100), name="importjob_percent_range"),
        ]

    def __str__(self) -> str:
        return f"import of {self.filename or self.format} into {self.cut_id} ({self.status})"


class ExportJob(Job):
    """A large export rendered by a Celery task; the file is downloaded from the export page."""

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="export_jobs")
    file = models.FileField(upload_to="exports/", blank=True)
    content_type = models.CharField(max_length=100, blank=True)

    class Meta(Job.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.format} export of {self.cut_id} ({self.status})"
