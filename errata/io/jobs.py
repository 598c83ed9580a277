"""Import and export jobs: a large comment file imported, or a large checklist rendered, by a
Celery task, with its progress and result on the job row.

Jobs recover. A run claims a queued job (counting the attempt) and writes a heartbeat while it
works (errata.core.heartbeat). jobs_sweep, run by beat, queues again the jobs whose task was
lost (the broker was down), and finds the running jobs whose heartbeat stopped (their worker was
killed, ran out of memory, or was not given time to finish on a redeploy): it resumes them, up
to JOB_MAX_ATTEMPTS runs, or fails them saying why. Resuming is safe because an import is
idempotent by external id: it adds only the comments still missing and triages those still
untriaged. A job can be cancelled while queued or running, and retried once failed or cancelled.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from errata.core.bulk import rows_delete
from errata.core.errors import ErrataConflict, error_text
from errata.core.heartbeat import JobHeartbeat
from errata.core.queue import enqueue, publish
from errata.io.exports import EXPORT_FORMATS, export_render, export_size
from errata.io.readers import COMMENT_FORMATS, CommentFileError
from errata.io.services import comments_import
from errata.models import Cut, ExportJob, ImportJob
from errata.models.jobs import Job

IMPORT_TASK = "errata.import_comments"
EXPORT_TASK = "errata.export_checklist"
# Files up to this size are imported during the request; larger ones by a Celery task.
IMPORT_INLINE_MAX_BYTES = 256 * 1024
# Exports of cuts with up to this many errata are rendered during the request.
EXPORT_INLINE_MAX_ERRATA = 5000
# How often a run looks whether its job is still its own (cancelled? handed on?).
OWNERSHIP_CHECK_S = 1.0

Status = Job.Status


class JobStopped(Exception):
    """The job is no longer this run's: it was cancelled, or taken for dead and handed on."""


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


def _claim(model: type[Job], job_id: int, **fields) -> int | None:
    """Take a queued job for this run: its attempt number, or None when another run has it (a
    task delivered twice) or it is no longer queued (done, cancelled)."""
    now = timezone.now()
    claimed = model.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, attempts=F("attempts") + 1, heartbeat_at=now, **fields
    )
    if not claimed:
        return None
    return model.objects.filter(pk=job_id).values_list("attempts", flat=True).get()


def _owned(model: type[Job], job_id: int, attempt: int):
    """The job's row while this run owns it: every write of the run goes through this filter,
    so a run that was taken for dead (or cancelled) cannot overwrite what came after."""
    return model.objects.filter(pk=job_id, status=Status.RUNNING, attempts=attempt)


def _heartbeat(model: type[Job], job_id: int, attempt: int) -> JobHeartbeat:
    return JobHeartbeat(_owned(model, job_id, attempt), every_s=settings.JOB_HEARTBEAT_SECONDS)


def import_job_create(
    *, cut: Cut, user, fmt: str, upload, creator_name: str = "", inline: bool | None = None
) -> ImportJob:
    """Store an uploaded comment file and import it: during this call when it is small (or
    `inline`), else by a Celery task queued on commit. The job keeps the progress and result."""
    if fmt not in COMMENT_FORMATS:
        raise ValidationError(
            {
                "format": gettext("Use one of %(comment_formats)s.")
                % {"comment_formats": ", ".join(COMMENT_FORMATS)}
            }
        )
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
    """Run (or resume) a queued import. Claimed with a conditional update, so a task delivered
    twice runs it once; the comments a killed run stored are skipped, its untriaged ones triaged."""
    attempt = _claim(ImportJob, job_id, phase=ImportJob.Phase.CHECKING, started_at=timezone.now())
    job = ImportJob.objects.select_related("cut__video").get(pk=job_id)
    if attempt is None:
        return job
    owned = _owned(ImportJob, job_id, attempt)
    last_write = [0.0]
    last_phase = [""]
    last_check = [time.monotonic()]

    with _heartbeat(ImportJob, job_id, attempt) as heartbeat:

        def progress(phase: str, done: int, total: int) -> None:
            moment = time.monotonic()
            if heartbeat.lost.is_set():
                raise JobStopped
            if moment - last_check[0] >= OWNERSHIP_CHECK_S:
                last_check[0] = moment
                # A read, never a write: the job row must not be locked by a long transaction,
                # or a cancel (and the sweep) would wait for it.
                if not owned.exists():
                    raise JobStopped
            # Inside the transaction that stores the comments a write would be seen only at its
            # commit, and would lock the row: the bar moves before and after it.
            if phase == ImportJob.Phase.WRITING and done:
                return
            # At most a few updates a second, and each new phase at once.
            if moment - last_write[0] < 0.5 and done < total and phase == last_phase[0]:
                return
            last_write[0], last_phase[0] = moment, phase
            fields: dict = {
                "phase": phase,
                "percent": _import_percent(phase, done, total),
                "heartbeat_at": timezone.now(),
            }
            if phase == ImportJob.Phase.WRITING and total:
                fields["total"] = total
            owned.update(**fields)

        def written(added: int) -> None:
            # In the same transaction as the comments: a run killed before its commit added
            # nothing, one killed after has its count kept for the resumed run.
            owned.update(added=F("added") + added)

        storage, name = job.file.storage, job.file.name
        try:
            result = comments_import(
                cut=job.cut,
                fmt=job.format,
                open_file=lambda: storage.open(name, "rb"),
                creator_name=job.creator_name or None,
                progress=progress,
                on_written=written,
            )
        except JobStopped:
            pass
        except FileNotFoundError:
            owned.update(
                status=Status.FAILED,
                phase=ImportJob.Phase.FINISHED,
                error="The uploaded file is no longer kept; upload it again.",
                finished_at=timezone.now(),
            )
        except (CommentFileError, ValidationError, ErrataConflict) as error:
            owned.update(
                status=Status.FAILED,
                phase=ImportJob.Phase.FINISHED,
                error=error_text(error),
                finished_at=timezone.now(),
            )
        except Exception:
            owned.update(
                status=Status.FAILED,
                phase=ImportJob.Phase.FINISHED,
                error="The import stopped on an unexpected error; nothing more was written.",
                finished_at=timezone.now(),
            )
            raise
        else:
            owned.update(
                status=Status.DONE,
                phase=ImportJob.Phase.FINISHED,
                percent=100,
                total=result.total,
                skipped=result.total - F("added"),
                findings=F("findings") + result.findings,
                finished_at=timezone.now(),
            )
    job.refresh_from_db()
    return job


def export_job_create(*, cut: Cut, user, fmt: str) -> ExportJob:
    """Queue a large export; its file is downloaded from the export page when it is done."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(
            {
                "format": gettext("Use one of %(export_formats)s.")
                % {"export_formats": ", ".join(EXPORT_FORMATS)}
            }
        )
    with transaction.atomic():
        job = ExportJob.objects.create(cut=cut, created_by=user, format=fmt)
        enqueue(EXPORT_TASK, job.pk)
    return job


def export_job_run(*, job_id: int) -> ExportJob:
    """Run a queued export, claimed like an import so a duplicated task renders it once."""
    attempt = _claim(ExportJob, job_id)
    job = ExportJob.objects.select_related("cut__video").get(pk=job_id)
    if attempt is None:
        return job
    owned = _owned(ExportJob, job_id, attempt)
    with _heartbeat(ExportJob, job_id, attempt):
        try:
            result = export_render(cut=job.cut, fmt=job.format)
        except ValidationError as error:
            owned.update(status=Status.FAILED, error=error_text(error), finished_at=timezone.now())
        else:
            job.file.save(result.filename, ContentFile(result.content.encode("utf-8")), save=False)
            finished = owned.update(
                status=Status.DONE,
                file=job.file.name,
                filename=result.filename,
                content_type=result.content_type,
                finished_at=timezone.now(),
            )
            if not finished:
                # Cancelled (or handed on) while rendering: its file is nobody's.
                job.file.delete(save=False)
    job.refresh_from_db()
    return job


def _job_model_and_task(job: Job) -> tuple[type[Job], str]:
    if isinstance(job, ImportJob):
        return ImportJob, IMPORT_TASK
    return ExportJob, EXPORT_TASK


def job_cancel(*, job: Job, user) -> Job:
    """Stop a queued or running job. A running import stops at its next step: comments it was
    storing are not stored (that is one transaction); comments already stored stay, and are
    triaged by the sweep."""
    model, _ = _job_model_and_task(job)
    who = getattr(user, "username", "") or "someone"
    cancelled = model.objects.filter(pk=job.pk, status__in=(Status.QUEUED, Status.RUNNING)).update(
        status=Status.CANCELLED,
        error=f"Cancelled by {who}.",
        finished_at=timezone.now(),
        **({"phase": ImportJob.Phase.FINISHED} if model is ImportJob else {}),
    )
    if not cancelled:
        raise ErrataConflict(
            gettext("This job is %(status)s: only a queued or running job can be cancelled.")
            % {"status": job.status}
        )
    job.refresh_from_db()
    return job


def job_retry(*, job: Job) -> Job:
    """Queue a failed or cancelled job again, from the start (an import skips what it stored)."""
    model, task = _job_model_and_task(job)
    if not job.can_retry:
        raise ErrataConflict(
            gettext("This job is %(status)s: only a failed or cancelled job can be retried.")
            % {"status": job.status}
        )
    if isinstance(job, ImportJob) and not job.file.storage.exists(job.file.name):
        raise ValidationError(
            {"file": gettext("The uploaded file is no longer kept; upload it again.")}
        )
    fields: dict = {}
    if model is ImportJob:
        fields = {"phase": ImportJob.Phase.WAITING, "percent": 0}
    with transaction.atomic():
        retried = model.objects.filter(
            pk=job.pk, status__in=(Status.FAILED, Status.CANCELLED)
        ).update(
            status=Status.QUEUED,
            error="",
            attempts=0,
            heartbeat_at=None,
            finished_at=None,
            queued_at=timezone.now(),
            **fields,
        )
        if not retried:
            raise ErrataConflict(
                gettext("This job is %(status)s: only a failed or cancelled job can be retried.")
                % {"status": job.status}
            )
        enqueue(task, job.pk)
    job.refresh_from_db()
    return job


def _reap(model: type[Job], task: str, *, now, limit: int) -> int:
    """Running jobs whose heartbeat stopped: queued again (a new attempt) or, after
    JOB_MAX_ATTEMPTS runs, failed with the reason. Returns how many were resumed."""
    silent_since = now - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
    dead = Q(status=Status.RUNNING) & (
        Q(heartbeat_at__lt=silent_since) | Q(heartbeat_at__isnull=True)
    )
    resumed = 0
    for pk, attempts in (
        model.objects.filter(dead).order_by("pk").values_list("pk", "attempts")[:limit]
    ):
        # Conditional on what was read, so a run that beats again (or finishes) meanwhile keeps
        # its job.
        same = model.objects.filter(dead, pk=pk, attempts=attempts)
        if attempts < settings.JOB_MAX_ATTEMPTS:
            fields = {"phase": ImportJob.Phase.WAITING} if model is ImportJob else {}
            if same.update(status=Status.QUEUED, queued_at=now, **fields):
                resumed += 1
                publish(task, pk)  # refused: the job waits queued for the next sweep
        else:
            same.update(
                status=Status.FAILED,
                error=(
                    f"Its worker stopped {attempts} times without finishing (killed, out of "
                    "memory, or shut down before it was done). Retry it once that is fixed."
                ),
                finished_at=now,
                **({"phase": ImportJob.Phase.FINISHED} if model is ImportJob else {}),
            )
    return resumed


def jobs_sweep(*, older_than_s: int | None = None, limit: int = 100) -> int:
    """Queue again the jobs queued a while ago whose task was lost (the broker was down), and
    resume or fail the running jobs whose worker died. The runs claim a job before they start,
    so a job queued twice runs once. Returns how many were queued."""
    older_than_s = settings.QUEUE_SWEEP_AFTER_SECONDS if older_than_s is None else older_than_s
    now = timezone.now()
    queued = _reap(ImportJob, IMPORT_TASK, now=now, limit=limit)
    queued += _reap(ExportJob, EXPORT_TASK, now=now, limit=limit)
    cutoff = now - timedelta(seconds=older_than_s)
    stuck = [
        (IMPORT_TASK, pk)
        for pk in ImportJob.objects.filter(status=Status.QUEUED, queued_at__lte=cutoff)
        .order_by("queued_at", "pk")
        .values_list("pk", flat=True)[:limit]
    ] + [
        (EXPORT_TASK, pk)
        for pk in ExportJob.objects.filter(status=Status.QUEUED, queued_at__lte=cutoff)
        .order_by("queued_at", "pk")
        .values_list("pk", flat=True)[:limit]
    ]
    for task_name, pk in stuck:
        if not publish(task_name, pk):
            break
        model = ImportJob if task_name == IMPORT_TASK else ExportJob
        model.objects.filter(pk=pk, status=Status.QUEUED).update(queued_at=timezone.now())
        queued += 1
    return queued


FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)


def jobs_expire(*, now=None) -> dict[str, int]:
    """Delete the files of jobs finished more than RETENTION_JOB_FILES_DAYS ago (uploads and
    exports, up to 200 MB each), and the rows of jobs finished more than RETENTION_JOBS_DAYS
    ago. Queued and running jobs are never touched. A failed import whose file is gone asks to
    be uploaded again."""
    now = now or timezone.now()
    files_before = now - timedelta(days=settings.RETENTION_JOB_FILES_DAYS)
    files = 0
    for model in (ImportJob, ExportJob):
        with_files = model.objects.filter(
            status__in=FINISHED, finished_at__lt=files_before
        ).exclude(file="")
        for job in with_files.only("pk", "file").iterator(chunk_size=500):
            job.file.delete(save=False)  # a file already gone is fine
            model.objects.filter(pk=job.pk).update(file="")
            files += 1
    rows_before = now - timedelta(days=settings.RETENTION_JOBS_DAYS)
    rows = sum(
        rows_delete(model.objects.filter(status__in=FINISHED, finished_at__lt=rows_before))
        for model in (ImportJob, ExportJob)
    )
    return {"job_files": files, "jobs": rows}
