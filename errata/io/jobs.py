"""Import and export jobs: a large comment file imported, or a large checklist rendered, by a
Celery task, with its progress and result on the job row. A job whose task is lost stays queued
and jobs_sweep queues it again.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from errata.core.errors import ErrataConflict, error_text
from errata.core.queue import enqueue, publish
from errata.io.exports import EXPORT_FORMATS, export_render, export_size
from errata.io.readers import COMMENT_FORMATS, CommentFileError
from errata.io.services import comments_import
from errata.models import Cut, ExportJob, ImportJob

IMPORT_TASK = "errata.import_comments"
EXPORT_TASK = "errata.export_checklist"
# Files up to this size are imported during the request; larger ones by a Celery task.
IMPORT_INLINE_MAX_BYTES = 256 * 1024
# Exports of cuts with up to this many errata are rendered during the request.
EXPORT_INLINE_MAX_ERRATA = 5000


def import_runs_inline(*, size: int) -> bool:
    """Whether a comment file of `size` bytes is imported during the request."""
    return size <= IMPORT_INLINE_MAX_BYTES


def export_runs_inline(*, cut: Cut) -> bool:
    """Whether a cut's exports are rendered during the request (else by an export job)."""
    return export_size(cut=cut) <= EXPORT_INLINE_MAX_ERRATA


def _import_percent(phase: str, done: int, total: int) -> int:
    """Checking the file is the first 5 %, storing comments up to 30 %, triage the rest."""
    share = done / total if total else 0.0
    if phase == ImportJob.Phase.CHECKING:
        return 2
    if phase == ImportJob.Phase.WRITING:
        return 5 + round(25 * share)
    if phase == ImportJob.Phase.TRIAGING:
        return 30 + round(69 * share)
    return 0


def import_job_create(
    *, cut: Cut, user, fmt: str, upload, creator_name: str = "", inline: bool | None = None
) -> ImportJob:
    """Store an uploaded comment file and import it: during this call when it is small (or
    `inline`), else by a Celery task queued on commit. The job keeps the progress and result."""
    if fmt not in COMMENT_FORMATS:
        raise ValidationError({"format": f"Use one of {', '.join(COMMENT_FORMATS)}."})
    run_now = import_runs_inline(size=upload.size) if inline is None else inline
    with transaction.atomic():
        job = ImportJob(
            cut=cut,
            created_by=user,
            format=fmt,
            filename=(upload.name or "")[:255],
            creator_name=creator_name.strip()[:150],
        )
        job.file.save(upload.name or f"comments.{fmt}", upload, save=False)
        job.save()
        if not run_now:
            enqueue(IMPORT_TASK, job.pk)
    if run_now:
        return import_job_run(job_id=job.pk)
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued import. Claimed with a conditional update, so a task delivered twice (or
    retried) runs the import once."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING,
        phase=ImportJob.Phase.CHECKING,
        started_at=timezone.now(),
    )
    job = ImportJob.objects.select_related("cut__video").get(pk=job_id)
    if not claimed:
        return job
    last_write = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        # At most a few updates a second; while comments are being stored the update is in the
        # import's own transaction, so the page sees the bar move when it commits.
        moment = time.monotonic()
        if moment - last_write[0] < 0.5 and done < total:
            return
        last_write[0] = moment
        fields: dict = {"phase": phase, "percent": _import_percent(phase, done, total)}
        if phase == ImportJob.Phase.WRITING and total:
            fields["total"] = total
        ImportJob.objects.filter(pk=job_id).update(**fields)

    storage, name = job.file.storage, job.file.name
    try:
        result = comments_import(
            cut=job.cut,
            fmt=job.format,
            open_file=lambda: storage.open(name, "rb"),
            creator_name=job.creator_name or None,
            progress=progress,
        )
    except (CommentFileError, ValidationError, ErrataConflict) as error:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            phase=ImportJob.Phase.FINISHED,
            error=error_text(error),
            finished_at=timezone.now(),
        )
    except Exception:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            phase=ImportJob.Phase.FINISHED,
            error="The import stopped on an unexpected error; nothing more was written.",
            finished_at=timezone.now(),
        )
        raise
    else:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.DONE,
            phase=ImportJob.Phase.FINISHED,
            percent=100,
            total=result.total,
            added=result.added,
            skipped=result.skipped,
            findings=result.findings,
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def export_job_create(*, cut: Cut, user, fmt: str) -> ExportJob:
    """Queue a large export; its file is downloaded from the export page when it is done."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": f"Use one of {', '.join(EXPORT_FORMATS)}."})
    with transaction.atomic():
        job = ExportJob.objects.create(cut=cut, created_by=user, format=fmt)
        enqueue(EXPORT_TASK, job.pk)
    return job


def export_job_run(*, job_id: int) -> ExportJob:
    """Run a queued export, claimed like an import so a duplicated task renders it once."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING
    )
    job = ExportJob.objects.select_related("cut__video").get(pk=job_id)
    if not claimed:
        return job
    try:
        result = export_render(cut=job.cut, fmt=job.format)
    except ValidationError as error:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=error_text(error), finished_at=timezone.now()
        )
    else:
        job.file.save(result.filename, ContentFile(result.content.encode("utf-8")), save=False)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.DONE,
            file=job.file.name,
            filename=result.filename,
            content_type=result.content_type,
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def jobs_sweep(*, older_than_s: int | None = None, limit: int = 100) -> int:
    """Queue again the import and export jobs still queued a while after they were made: their
    task was lost (the broker was down when they were made). The runs claim a job before they
    start, so a job queued twice runs once. Returns how many were queued."""
    older_than_s = settings.QUEUE_SWEEP_AFTER_SECONDS if older_than_s is None else older_than_s
    cutoff = timezone.now() - timedelta(seconds=older_than_s)
    stuck = [
        (IMPORT_TASK, pk)
        for pk in ImportJob.objects.filter(status=ImportJob.Status.QUEUED, created_at__lte=cutoff)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    ] + [
        (EXPORT_TASK, pk)
        for pk in ExportJob.objects.filter(status=ExportJob.Status.QUEUED, created_at__lte=cutoff)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    ]
    queued = 0
    for task_name, pk in stuck:
        if not publish(task_name, pk):
            break
        queued += 1
    return queued
