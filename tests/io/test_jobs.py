"""Import and export jobs recover (errata.io.jobs): a run killed mid-way is found by its silent
heartbeat and resumed (adding only what is missing, triaging what is untriaged) or failed with
the reason; jobs can be cancelled and retried, over the API and in the studio.

A kill is a BaseException raised inside the run: like SIGKILL it skips every `except
Exception`, so the job is left running as a dead worker leaves it. The chaos suite (`make
chaos`) does the same with real SIGKILLs to real workers.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from errata.core.errors import ErrataConflict
from errata.core.heartbeat import JobHeartbeat
from errata.findings.batch import findings_triage_batch
from errata.io import exports as io_exports
from errata.io import jobs as io_jobs
from errata.io.jobs import (
    export_job_create,
    import_job_create,
    job_cancel,
    job_retry,
    jobs_sweep,
)
from errata.models import Comment, ExportJob, Finding, ImportJob
from tests import factories

pytestmark = pytest.mark.django_db

ROWS = 60
CSV = "id,author,text\n" + "".join(
    f"c{i},Patron {i},At 1:{i % 60:02d} the label {i} reads 'nueron'\n" for i in range(ROWS)
)


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing below catches it."""


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _queued_import(cut, creator) -> ImportJob:
    upload = SimpleUploadedFile("comments.csv", CSV.encode(), content_type="text/csv")
    return import_job_create(cut=cut, user=creator, fmt="csv", upload=upload, inline=False)


@contextmanager
def _runs_killed(monkeypatch, *, in_phase: str, after: int = 0):
    """While open, every run of an import is killed when it reports `in_phase` with `after`
    done (a worker that dies at the same place each time, say out of memory)."""
    real_import = io_jobs.comments_import

    def dying_import(**kwargs):
        progress = kwargs["progress"]

        def progress_or_die(phase: str, done: int, total: int) -> None:
            if phase == in_phase and done >= after:
                raise WorkerKilled
            progress(phase, done, total)

        return real_import(**{**kwargs, "progress": progress_or_die})

    with monkeypatch.context() as dying:
        dying.setattr(io_jobs, "comments_import", dying_import)
        yield


def _run_killed(job_id: int, monkeypatch, *, in_phase: str, after: int = 0) -> None:
    with _runs_killed(monkeypatch, in_phase=in_phase, after=after), pytest.raises(WorkerKilled):
        io_jobs.import_job_run(job_id=job_id)


def _silence(model, job_id: int) -> None:
    """As if the heartbeat had stopped a while ago."""
    model.objects.filter(pk=job_id).update(heartbeat_at=timezone.now() - timedelta(minutes=5))


def _counts(cut) -> dict:
    return {
        "comments": cut.comments.count(),
        "pending": cut.comments.filter(triage_state="pending").count(),
        "findings": Finding.objects.filter(cut=cut).count(),
        "comments with findings": Finding.objects.filter(cut=cut)
        .values("comment")
        .distinct()
        .count(),
    }


def test_an_import_killed_while_triaging_is_resumed_and_adds_nothing_twice(
    cut, creator, monkeypatch, settings
):
    settings.JOB_MAX_ATTEMPTS = 3
    monkeypatch.setattr(io_jobs, "OWNERSHIP_CHECK_S", 0.0)
    job = _queued_import(cut, creator)
    # Small batches, so the kill lands after some comments are triaged and before the rest.
    monkeypatch.setattr(
        "errata.io.services.findings_triage_batch", partial(findings_triage_batch, batch_size=20)
    )
    _run_killed(job.pk, monkeypatch, in_phase=ImportJob.Phase.TRIAGING, after=20)
    killed = ImportJob.objects.get(pk=job.pk)
    before = _counts(cut)
    assert (killed.status, killed.attempts, killed.added) == ("running", 1, ROWS)
    assert before["comments"] == ROWS
    assert 0 < before["pending"] < ROWS  # some triaged, the rest left

    # The beat is fresh: the sweep leaves a live job alone.
    assert jobs_sweep() == 0
    _silence(ImportJob, job.pk)
    assert jobs_sweep() == 1  # resumed, and run (eagerly) at once

    resumed = ImportJob.objects.get(pk=job.pk)
    after = _counts(cut)
    assert (resumed.status, resumed.attempts, resumed.percent) == ("done", 2, 100)
    assert (resumed.total, resumed.added, resumed.skipped) == (ROWS, ROWS, 0)
    assert after["comments"] == ROWS and after["pending"] == 0
    assert after["comments with findings"] == ROWS
    # No comment was triaged twice: one finding per (comment, position) is a constraint, and
    # each of these comments makes one finding.
    assert after["findings"] == ROWS


def test_an_import_killed_while_storing_stored_nothing_and_its_resume_stores_everything(
    cut, creator, monkeypatch
):
    monkeypatch.setattr("errata.io.services.IMPORT_CHUNK_SIZE", 10)
    job = _queued_import(cut, creator)
    _run_killed(job.pk, monkeypatch, in_phase=ImportJob.Phase.WRITING, after=10)
    assert cut.comments.count() == 0  # all or nothing: the transaction never committed
    assert ImportJob.objects.get(pk=job.pk).added == 0
    _silence(ImportJob, job.pk)
    jobs_sweep()
    job.refresh_from_db()
    assert (job.status, job.added, job.attempts) == ("done", ROWS, 2)
    assert cut.comments.filter(triage_state="done").count() == ROWS


def test_a_job_whose_worker_keeps_dying_fails_with_the_reason_and_can_be_retried(
    cut, creator, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.JOB_MAX_ATTEMPTS = 2
    job = _queued_import(cut, creator)
    with _runs_killed(monkeypatch, in_phase=ImportJob.Phase.CHECKING):
        with pytest.raises(WorkerKilled):
            io_jobs.import_job_run(job_id=job.pk)
        _silence(ImportJob, job.pk)
        with pytest.raises(WorkerKilled):
            jobs_sweep()  # resumed, and (run eagerly here) killed again
        _silence(ImportJob, job.pk)
        assert jobs_sweep() == 0  # two runs died: given up
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 2)
    assert "stopped 2 times" in job.error
    assert cut.comments.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        job_retry(job=job)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error, job.added) == ("done", 1, "", ROWS)


def test_a_cancelled_queued_job_never_runs(cut, creator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        job = _queued_import(cut, creator)
    job_cancel(job=job, user=creator)
    for callback in queued:  # its task arrives after all
        callback()
    job.refresh_from_db()
    assert (job.status, job.error) == ("cancelled", "Cancelled by grant.")
    assert cut.comments.count() == 0


def test_a_running_import_stops_at_its_next_step_when_cancelled(cut, creator, monkeypatch):
    monkeypatch.setattr(io_jobs, "OWNERSHIP_CHECK_S", 0.0)
    monkeypatch.setattr(
        "errata.io.services.findings_triage_batch", partial(findings_triage_batch, batch_size=20)
    )
    job = _queued_import(cut, creator)
    real = io_jobs._import_percent

    def percent(phase: str, done: int, total: int) -> int:
        if phase == ImportJob.Phase.TRIAGING:
            job_cancel(job=ImportJob.objects.get(pk=job.pk), user=creator)
        return real(phase, done, total)

    monkeypatch.setattr(io_jobs, "_import_percent", percent)
    io_jobs.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    # Not overwritten by "done": the run saw the job was no longer its own and stopped.
    assert (job.status, job.phase) == ("cancelled", "finished")
    # What it stored stays; it stopped after the batch under way, the rest wait for the sweep.
    assert cut.comments.count() == ROWS
    assert cut.comments.filter(triage_state="pending").count() == ROWS - 20


@pytest.mark.parametrize("status", ["done", "failed", "cancelled"])
def test_only_a_queued_or_running_job_can_be_cancelled(cut, creator, status):
    job = factories.ImportJobFactory(cut=cut, status=status)
    with pytest.raises(ErrataConflict, match=f"This job is {status}"):
        job_cancel(job=job, user=creator)


@pytest.mark.parametrize("status", ["queued", "running", "done"])
def test_only_a_failed_or_cancelled_job_can_be_retried(cut, status):
    job = factories.ExportJobFactory(cut=cut, status=status)
    with pytest.raises(ErrataConflict, match=f"This job is {status}"):
        job_retry(job=job)


def test_an_import_whose_file_is_gone_asks_for_it_again(cut, creator):
    job = factories.ImportJobFactory(cut=cut, status="failed", file="imports/gone.csv")
    with pytest.raises(ValidationError, match="upload it again"):
        job_retry(job=job)


def test_an_export_killed_while_rendering_is_resumed_and_makes_one_file(
    cut, creator, monkeypatch, tmp_path, django_capture_on_commit_callbacks
):
    with monkeypatch.context() as dying:

        def killed(**kwargs):
            raise WorkerKilled

        dying.setattr(io_jobs, "export_render", killed)
        with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
            export_job_create(cut=cut, user=creator, fmt="md")
    job = ExportJob.objects.get()
    assert (job.status, job.attempts, job.file.name) == ("running", 1, "")
    _silence(ExportJob, job.pk)
    assert jobs_sweep() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)
    assert [p.name for p in (tmp_path / "media" / "exports").iterdir()] == [job.filename]


def test_an_export_cancelled_while_rendering_leaves_no_file(
    cut, creator, monkeypatch, tmp_path, django_capture_on_commit_callbacks
):
    real = io_exports.export_render

    def cancelled_meanwhile(**kwargs):
        job_cancel(job=ExportJob.objects.get(), user=creator)
        return real(**kwargs)

    monkeypatch.setattr(io_jobs, "export_render", cancelled_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        export_job_create(cut=cut, user=creator, fmt="md")
    job = ExportJob.objects.get()
    assert job.status == "cancelled"
    exports = tmp_path / "media" / "exports"
    assert not exports.exists() or list(exports.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_beats_from_its_own_connection_and_says_when_the_job_is_gone(cut):
    job = factories.ImportJobFactory(cut=cut, status="running", attempts=1, heartbeat_at=None)
    rows = ImportJob.objects.filter(pk=job.pk, status="running", attempts=1)
    with JobHeartbeat(rows, every_s=0.05) as heartbeat:
        deadline = time.monotonic() + 10
        while ImportJob.objects.get(pk=job.pk).heartbeat_at is None:
            assert time.monotonic() < deadline, "no heartbeat written"
            time.sleep(0.02)
        ImportJob.objects.filter(pk=job.pk).update(status="cancelled")
        assert heartbeat.lost.wait(timeout=10)
    assert not any(t.name == "errata-job-heartbeat" for t in threading.enumerate())


# --- over the API and in the studio ------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_cancels_and_retries_jobs(cut, creator, django_capture_on_commit_callbacks):
    job = factories.ExportJobFactory(cut=cut, created_by=creator)
    api = _api(creator)
    cancelled = api.post(f"/api/export-jobs/{job.pk}/cancel/")
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["error"]) == (
        "cancelled",
        "Cancelled by grant.",
    )
    again = api.post(f"/api/export-jobs/{job.pk}/cancel/")
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    with django_capture_on_commit_callbacks(execute=True):
        retried = api.post(f"/api/export-jobs/{job.pk}/retry/")
    assert retried.status_code == 202
    assert api.get(f"/api/export-jobs/{job.pk}/").json()["status"] == "done"


def test_jobs_of_another_team_cannot_be_cancelled(cut, outsider):
    job = factories.ImportJobFactory(cut=cut)
    assert _api(outsider).post(f"/api/import-jobs/{job.pk}/cancel/").status_code == 404
    assert ImportJob.objects.get(pk=job.pk).status == "queued"


def test_the_studio_job_page_offers_cancel_then_retry(client, cut, creator):
    job = factories.ImportJobFactory(cut=cut, created_by=creator)
    client.force_login(creator)
    page = f"/studio/videos/{cut.video.slug}/cuts/{cut.number}/import/{job.pk}/"
    assert "Cancel the import" in client.get(page).content.decode()
    answer = client.post(page + "cancel/")
    assert answer.status_code == 302 and answer["Location"] == page
    shown = client.get(page).content.decode()
    assert "Cancelled by grant." in shown and "Retry the import" in shown
    # Cancelling again says why it cannot, on the page.
    refused = client.post(page + "cancel/", follow=True).content.decode()
    assert "only a queued or running job can be cancelled" in refused


def test_the_studio_refuses_unknown_verbs_and_other_cuts_jobs(client, cut, creator, video):
    job = factories.ImportJobFactory(cut=cut)
    other = factories.CutFactory(video=video, number=2)
    client.force_login(creator)
    base = f"/studio/videos/{video.slug}/cuts"
    assert client.post(f"{base}/1/import/{job.pk}/explode/").status_code == 404
    assert client.post(f"{base}/2/import/{job.pk}/cancel/").status_code == 404
    assert client.get(f"{base}/1/import/{job.pk}/cancel/").status_code == 405
    assert ImportJob.objects.get(pk=job.pk).status == "queued"
    assert other.import_jobs.count() == 0


def test_a_comment_posted_while_the_import_runs_is_not_taken_by_the_import(cut, creator):
    """The import triages its own file's comments, not others pending in the cut."""
    other = factories.CommentFactory(cut=cut, text="At 2:00 another problem.")
    job = _queued_import(cut, creator)
    io_jobs.import_job_run(job_id=job.pk)
    assert Comment.objects.get(pk=other.pk).triage_state == "pending"
