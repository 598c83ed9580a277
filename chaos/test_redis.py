"""Redis killed or hung while people post, import, export and fix errata."""

from __future__ import annotations

import csv
import io
import signal
import time

import pytest
import requests

from chaos.stack import wait_for
from chaos.world import (
    ANSWER_S,
    RECOVERY_S,
    assert_workers_stayed_up,
    comments_csv,
    duplicates,
    errata_bulk_create,
    snapshot,
    timed,
)
from errata.models import (
    Comment,
    Erratum,
    ExportJob,
    ImportJob,
    Notification,
)
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_redis_down_during_posts(stack, world, report):
    """Redis down during posts (page and API), token reads and health checks"""
    report.bound_s = RECOVERY_S
    pids = {queue: p.popen.pid for queue, p in stack.workers.items()}
    before = snapshot(world)

    stack.redis_kill()
    posted = [
        timed(lambda n=n: world.post_on_review_page(f"At 6:0{n} 'mabye' (page {n})"))
        for n in range(10)
    ]
    posted += [
        timed(lambda n=n: world.post_by_api(f"At 7:0{n} 'nueron' (api {n})")) for n in range(10)
    ]
    reads = [world.api("GET", "/api/videos/").status_code for _ in range(3)]
    health = requests.get(f"{world.web}/healthz", timeout=30)
    ready = requests.get(f"{world.web}/healthz/ready", timeout=30)
    during = snapshot(world)

    assert [r.status_code for r, _ in posted] == [302] * 10 + [201] * 10
    slowest = max(seconds for _, seconds in posted)
    assert slowest < ANSWER_S, f"a post took {slowest:.1f} s"
    assert reads == [200, 200, 200]
    assert health.status_code == 200 and ready.status_code == 200
    body = health.json()
    assert (body["status"], body["broker"]["ok"], body["cache"]["ok"]) == ("degraded", False, False)
    assert during["comments"] == before["comments"] + 20  # stored and answered

    stack.redis_start()
    report.recovered_s = wait_for(
        lambda: (
            not Comment.objects.filter(cut=world.cut, triage_state="pending").exists()
            and len(stack.receiver.requests) >= 20
        ),
        seconds=RECOVERY_S,
        what="every comment triaged and its webhook delivered",
    )
    time.sleep(2)  # anything sent twice would arrive now
    after = snapshot(world)
    report.record(before, during, after)
    report.notes.append(f"slowest answer while Redis was down: {slowest:.2f} s")

    texts = Comment.objects.filter(cut=world.cut).values_list("text", flat=True)
    comment_events = [
        e["data"]["id"] for e in stack.receiver.events() if e["event"] == "comment.created"
    ]
    report.lost = 20 - len(set(comment_events))
    report.duplicated = duplicates(texts) + duplicates(stack.receiver.deliveries())
    assert (report.lost, report.duplicated) == (0, 0)
    assert after["comments"] == 20 and after["comments pending triage"] == 0
    assert after["deliveries succeeded"] == 20 and after["webhook requests received"] == 20
    assert_workers_stayed_up(stack, pids)
    assert stack.workers_answering() >= {"triage", "bulk", "outbound"}


def test_redis_hung_during_posts(stack, world, report):
    """Redis hung (SIGSTOP: connections taken, never answered) during posts"""
    report.bound_s = RECOVERY_S
    pids = {queue: p.popen.pid for queue, p in stack.workers.items()}
    before = snapshot(world)
    assert stack.redis is not None
    stack.redis.signal_group(signal.SIGSTOP)
    try:
        posted = [
            timed(lambda n=n: world.post_by_api(f"At 8:0{n} 'lenght' (hung {n})")) for n in range(9)
        ]
        during = snapshot(world)
    finally:
        stack.redis.signal_group(signal.SIGCONT)
    assert [r.status_code for r, _ in posted] == [201] * 9
    slowest = max(seconds for _, seconds in posted)
    total = sum(seconds for _, seconds in posted)
    # Each web process waits out the socket timeouts once, then leaves the broker alone for a
    # moment (errata.core.queue.BROKER_PAUSE_S) and the cache too (errata.core.cache).
    assert slowest < 2 * ANSWER_S, f"a post took {slowest:.1f} s"
    report.recovered_s = wait_for(
        lambda: (
            not Comment.objects.filter(cut=world.cut, triage_state="pending").exists()
            and len(stack.receiver.requests) >= 9
        ),
        seconds=RECOVERY_S,
        what="every comment triaged and its webhook delivered",
    )
    time.sleep(2)
    after = snapshot(world)
    report.record(before, during, after)
    report.notes.append(f"9 posts while Redis hung: slowest {slowest:.2f} s, all {total:.1f} s")
    told = [e["data"]["id"] for e in stack.receiver.events() if e["event"] == "comment.created"]
    texts = Comment.objects.filter(cut=world.cut).values_list("text", flat=True)
    report.lost = 9 - len(set(told))
    report.duplicated = duplicates(told) + duplicates(texts)
    assert (report.lost, report.duplicated) == (0, 0)
    assert_workers_stayed_up(stack, pids)


def test_redis_down_during_imports(stack, world, report):
    """Redis down when an import is uploaded, and again while it runs"""
    report.bound_s = RECOVERY_S
    pids = {queue: p.popen.pid for queue, p in stack.workers.items()}
    rows = 4000
    upload = comments_csv(rows, prefix="imp")
    assert len(upload) > 256 * 1024  # large enough for a job, not the request
    before = snapshot(world)

    stack.redis_kill()
    response, seconds = timed(
        lambda: world.api(
            "POST",
            f"/api/cuts/{world.cut.pk}/import/",
            files={"file": ("comments.csv", upload, "text/csv")},
            data={"format": "csv"},
        )
    )
    assert response.status_code == 202, response.text
    assert seconds < ANSWER_S
    job = ImportJob.objects.get()
    assert job.status == "queued"
    during = snapshot(world)

    stack.redis_start()
    wait_for(
        lambda: ImportJob.objects.get(pk=job.pk).status != "queued",
        seconds=RECOVERY_S,
        what="the import picked up once Redis was back",
    )
    # Redis goes away again while the worker imports: the import does not need it.
    stack.redis_kill()
    time.sleep(3)
    stack.redis_start()
    report.recovered_s = wait_for(
        lambda: (
            ImportJob.objects.get(pk=job.pk).status == "done"
            and not Comment.objects.filter(cut=world.cut, triage_state="pending").exists()
        ),
        seconds=RECOVERY_S,
        what="the import done and every comment triaged",
    )
    # The client, unsure, uploads the same file again: nothing is added twice.
    again = world.api(
        "POST",
        f"/api/cuts/{world.cut.pk}/import/",
        files={"file": ("comments.csv", upload, "text/csv")},
        data={"format": "csv"},
    )
    assert again.status_code == 202
    wait_for(
        lambda: ImportJob.objects.filter(status="done").count() == 2,
        seconds=RECOVERY_S,
        what="the second upload done",
    )
    after = snapshot(world)
    report.record(before, during, after)
    ids = Comment.objects.filter(cut=world.cut).values_list("external_id", flat=True)
    report.lost = rows - len(set(ids))
    report.duplicated = duplicates(ids)
    assert (report.lost, report.duplicated) == (0, 0)
    second = ImportJob.objects.order_by("pk").last()
    assert (second.added, second.skipped) == (0, rows)
    assert after["comments pending triage"] == 0
    assert Comment.objects.filter(cut=world.cut, findings__isnull=True).count() == 0
    # Redis went away while the bulk worker held the running import's message (and the others
    # prefetched or ran sweeps): every worker reconnected.
    assert_workers_stayed_up(stack, pids)


def test_redis_down_during_exports(stack, world, report):
    """Redis down when a large export is asked for"""
    report.bound_s = RECOVERY_S
    errata_bulk_create(world, 5200)  # past the 5,000 rendered during the request
    before = snapshot(world)
    stack.redis_kill()
    response, seconds = timed(
        lambda: world.api("GET", f"/api/cuts/{world.cut.pk}/export/?format=csv")
    )
    assert response.status_code == 202, response.text
    assert seconds < ANSWER_S
    during = snapshot(world)
    stack.redis_start()
    report.recovered_s = wait_for(
        lambda: ExportJob.objects.filter(status="done").exists(),
        seconds=RECOVERY_S,
        what="the export done",
    )
    after = snapshot(world)
    report.record(before, during, after)
    job = ExportJob.objects.get()
    download = world.api("GET", f"/api/export-jobs/{job.pk}/download/")
    assert download.status_code == 200
    titles = [row["title"] for row in csv.DictReader(io.StringIO(download.text))]
    report.notes.append(f"the export's file: {len(titles)} errata, {len(set(titles))} different")
    report.lost = 5200 - len(set(titles))
    report.duplicated = duplicates(titles) + (ExportJob.objects.count() - 1)
    assert (report.lost, report.duplicated) == (0, 0)


def test_redis_down_during_notifications(stack, world, report):
    """Redis down when an erratum is fixed (mail to its reporter, webhooks)"""
    report.bound_s = RECOVERY_S
    patron = factories.ReviewerFactory(display_name="Ada", email="ada@example.com")
    comment = factories.CommentFactory(
        cut=world.cut, reviewer=patron, review_link=world.link, text="At 5:58 'mabye'.",
        triage_state="done",
    )  # fmt: skip
    finding = factories.FindingFactory(comment=comment, cut=world.cut, timestamp_s=358)
    cut2 = factories.CutFactory(video=world.video, number=2, duration_s=1153.0)
    created = world.api("POST", "/api/errata/", json={"finding_ids": [finding.pk], "title": "Typo"})
    assert created.status_code == 201, created.text
    erratum = Erratum.objects.get(pk=created.json()["id"])
    wait_for(lambda: len(stack.receiver.requests) >= 1, seconds=30, what="erratum.created sent")
    stack.receiver.requests.clear()
    before = snapshot(world)

    stack.redis_kill()
    fixed, seconds = timed(
        lambda: world.api("POST", f"/api/errata/{erratum.pk}/fix/", json={"fixed_in_cut": cut2.pk})
    )
    assert fixed.status_code == 200, fixed.text
    assert seconds < ANSWER_S
    during = snapshot(world)
    assert during["notifications pending"] == 1 and during["mail files written"] == 0

    stack.redis_start()
    report.recovered_s = wait_for(
        lambda: (
            Notification.objects.filter(state="sent").count() == 1
            and len(stack.receiver.requests) >= 2
        ),
        seconds=RECOVERY_S,
        what="the reporter's mail sent and the fix's webhooks delivered",
    )
    time.sleep(2)
    after = snapshot(world)
    report.record(before, during, after)
    events = sorted(e["event"] for e in stack.receiver.events())
    report.lost = (1 - after["mail files written"]) + (2 - len(set(events)))
    report.duplicated = max(0, after["mail files written"] - 1) + duplicates(events)
    assert (report.lost, report.duplicated) == (0, 0)
    assert events == ["erratum.fixed", "erratum.status_changed"]
