"""The bulk worker SIGKILLed in the middle of an import and of an export."""

from __future__ import annotations

import signal

import pytest
from django.db.models import Count

from chaos.stack import wait_for
from chaos.world import (
    RECOVERY_S,
    comments_csv,
    duplicates,
    errata_bulk_create,
    snapshot,
)
from errata.models import (
    Comment,
    ExportJob,
    Finding,
    ImportJob,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_killed_mid_import(stack, world, report):
    """Bulk worker SIGKILLed mid-import, while triaging"""
    report.bound_s = RECOVERY_S
    rows = 6000
    response = world.api(
        "POST",
        f"/api/cuts/{world.cut.pk}/import/",
        files={"file": ("big.csv", comments_csv(rows, prefix="kill"), "text/csv")},
        data={"format": "csv"},
    )
    assert response.status_code == 202
    job_id = response.json()["id"]
    before = snapshot(world)
    wait_for(
        lambda: ImportJob.objects.filter(pk=job_id, phase="triaging", percent__gte=40).exists(),
        seconds=RECOVERY_S,
        what="the import triaging",
        every=0.05,
    )
    stack.workers["bulk"].signal_group(signal.SIGSTOP)  # freeze it where it is, then kill
    stack.workers["bulk"].kill()
    killed = ImportJob.objects.get(pk=job_id)
    during = snapshot(world)
    report.notes.append(
        f"killed at {killed.percent} % ({killed.phase}), {during['comments pending triage']} "
        "comments left untriaged"
    )
    assert killed.status == "running" and during["comments pending triage"] > 0

    stack.worker_start("bulk")  # the orchestrator restarts it
    report.recovered_s = wait_for(
        lambda: (
            ImportJob.objects.get(pk=job_id).status == "done"
            and not Comment.objects.filter(cut=world.cut, triage_state="pending").exists()
        ),
        seconds=RECOVERY_S,
        what="the import resumed and finished",
    )
    after = snapshot(world)
    report.record(before, during, after)
    job = ImportJob.objects.get(pk=job_id)
    ids = Comment.objects.filter(cut=world.cut).values_list("external_id", flat=True)
    per_comment = (
        Finding.objects.filter(cut=world.cut).values("comment", "position").annotate(n=Count("pk"))
    )
    report.lost = (
        rows - len(set(ids)) + Comment.objects.filter(cut=world.cut, findings__isnull=True).count()
    )
    report.duplicated = duplicates(ids) + per_comment.filter(n__gt=1).count()
    assert (report.lost, report.duplicated) == (0, 0)
    assert (job.attempts, job.added, job.total) == (2, rows, rows)


def test_worker_killed_mid_export(stack, world, report):
    """Bulk worker SIGKILLed mid-export"""
    report.bound_s = RECOVERY_S
    errata_bulk_create(world, 20000)
    before = snapshot(world)
    caught = None
    for _ in range(3):  # an export can finish before it is caught running; ask again
        response = world.api("GET", f"/api/cuts/{world.cut.pk}/export/?format=json")
        assert response.status_code == 202
        job_id = response.json()["id"]
        try:
            wait_for(
                lambda job_id=job_id: ExportJob.objects.filter(
                    pk=job_id, status="running"
                ).exists(),
                seconds=RECOVERY_S,
                what="the export running",
                every=0.01,
            )
        except AssertionError:
            continue
        stack.workers["bulk"].signal_group(signal.SIGSTOP)
        if ExportJob.objects.get(pk=job_id).status == "running":
            caught = job_id
            break
        stack.workers["bulk"].signal_group(signal.SIGCONT)
    assert caught is not None, "no export was caught running"
    stack.workers["bulk"].kill()
    during = snapshot(world)
    stack.worker_start("bulk")
    report.recovered_s = wait_for(
        lambda: ExportJob.objects.get(pk=caught).status == "done",
        seconds=RECOVERY_S,
        what="the export resumed and finished",
    )
    after = snapshot(world)
    report.record(before, during, after)
    job = ExportJob.objects.get(pk=caught)
    body = world.api("GET", f"/api/export-jobs/{job.pk}/download/").json()
    titles = [e["title"] for e in body["errata"]]
    files = [p for p in stack.media_dir.joinpath("exports").iterdir() if p.name == job.filename]
    report.notes.append(f"the export's file: {len(titles)} errata, {len(set(titles))} different")
    report.lost = 20000 - len(set(titles))
    report.duplicated = duplicates(titles) + (len(files) - 1)
    assert (report.lost, report.duplicated) == (0, 0)
    assert job.attempts == 2
