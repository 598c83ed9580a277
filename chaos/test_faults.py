"""Faults on the running stack (chaos/stack.py): Redis down during posts, imports, exports and
notifications; a worker SIGKILLed mid-import and mid-export; database connections dropped
mid-request. Each counts before, during and after, and asserts that nothing was lost, nothing
was done twice, and everything finished within RECOVERY_S of the fault ending.
"""

from __future__ import annotations

import csv
import io
import json
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection
from django.db.models import Count

from chaos.stack import Stack, wait_for
from errata.api.tokens import api_token_create
from errata.models import (
    Comment,
    Erratum,
    ExportJob,
    Finding,
    ImportJob,
    Notification,
    WebhookDelivery,
)
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

# Everything the fault left behind is done this long after it ends (beat sweeps every 5-10 s
# here; production's defaults are minutes).
RECOVERY_S = 90
# A request is answered within this long, whatever is down.
ANSWER_S = 5.0
EVENTS = ["comment.created", "erratum.created", "erratum.status_changed", "erratum.fixed"]


class World:
    """One team's data on the stack: a creator with an API token, a cut, a review link, a
    webhook endpoint pointing at the suite's receiver."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        team = factories.TeamFactory(name="Chaos", slug="chaos")
        self.creator = factories.UserFactory(username="creator", display_name="3blue1brown")
        factories.MembershipFactory(team=team, user=self.creator, role="owner")
        self.video = factories.VideoFactory(team=team, title="Neural networks", slug="nn")
        self.cut = factories.CutFactory(video=self.video, number=1, duration_s=1153.0)
        self.link = factories.ReviewLinkFactory(cut=self.cut, created_by=self.creator)
        self.endpoint = factories.WebhookEndpointFactory(
            team=team, url=stack.receiver.url, events=EVENTS
        )
        self.token = api_token_create(user=self.creator, name="chaos").key
        stack.receiver.requests.clear()
        for message in stack.mail_dir.iterdir():
            message.unlink()

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.stack.web_port}"

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return requests.request(
            method, self.web + path, headers=headers, timeout=30, allow_redirects=False, **kwargs
        )

    def post_on_review_page(self, text: str, *, base: str | None = None) -> requests.Response:
        """As a patron's browser does: the page (for the CSRF cookie), then the form."""
        base = base or self.web
        browser = requests.Session()
        page = browser.get(f"{base}/r/{self.link.token}/", timeout=30)
        assert page.status_code == 200, page.status_code
        return browser.post(
            f"{base}/r/{self.link.token}/comments/new/",
            data={"text": text, "name": "Ben Patron"},
            headers={"X-CSRFToken": browser.cookies["csrftoken"]},
            timeout=30,
            allow_redirects=False,
        )

    def post_by_api(self, text: str) -> requests.Response:
        return requests.post(
            f"{self.web}/api/comments/",
            json={"text": text, "author_name": "Cy"},
            headers={"Authorization": f"ReviewLink {self.link.token}"},
            timeout=30,
        )


@pytest.fixture
def world(stack) -> World:
    return World(stack)


def snapshot(world: World) -> dict[str, int]:
    cut = world.cut
    comments = Comment.objects.filter(cut__video=world.video)
    return {
        "comments": comments.count(),
        "comments pending triage": comments.filter(triage_state="pending").count(),
        "findings": Finding.objects.filter(cut__video=world.video).count(),
        "deliveries pending": WebhookDelivery.objects.filter(status="pending").count(),
        "deliveries succeeded": WebhookDelivery.objects.filter(status="succeeded").count(),
        "webhook requests received": len(world.stack.receiver.requests),
        "notifications pending": Notification.objects.filter(state="pending").count(),
        "notifications sent": Notification.objects.filter(state="sent").count(),
        "mail files written": len(list(world.stack.mail_dir.iterdir())),
        "import jobs done": ImportJob.objects.filter(cut=cut, status="done").count(),
        "export jobs done": ExportJob.objects.filter(cut=cut, status="done").count(),
    }


def duplicates(values) -> int:
    values = list(values)
    return len(values) - len(set(values))


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def assert_workers_stayed_up(stack: Stack, pids: dict[str, int]) -> None:
    """The same worker processes as before the fault: they reconnected instead of exiting."""
    for queue, process in stack.workers.items():
        assert process.alive, f"the {queue} worker exited"
        assert process.popen.pid == pids[queue], f"the {queue} worker was replaced"
    assert stack.beat is not None and stack.beat.alive, "beat exited"


def comments_csv(rows: int, *, prefix: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "author", "text", "timestamp"])
    for n in range(rows):
        minute, second = divmod(n % 1150, 60)
        writer.writerow(
            [
                f"{prefix}-{n}",
                f"Patron {n % 400}",
                f"At {minute}:{second:02d} layer {n % 7} reads 'nueron' ({prefix} {n})",
                f"{minute}:{second:02d}",
            ]
        )
    return out.getvalue().encode()


# --- Redis down ---------------------------------------------------------------------------


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


def _errata(world: World, count: int) -> None:
    Erratum.objects.bulk_create(
        Erratum(
            video=world.video,
            found_in_cut=world.cut,
            cut=world.cut,
            title=f"Typo number {n}",
            category="typo",
            timestamp_s=float(n % 1150),
        )
        for n in range(count)
    )


def test_redis_down_during_exports(stack, world, report):
    """Redis down when a large export is asked for"""
    report.bound_s = RECOVERY_S
    _errata(world, 5200)  # past the 5,000 rendered during the request
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


# --- workers killed ------------------------------------------------------------------------


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
    _errata(world, 20000)
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
    report.lost = 20000 - len(set(titles))
    report.duplicated = duplicates(titles) + (len(files) - 1)
    assert (report.lost, report.duplicated) == (0, 0)
    assert job.attempts == 2


# --- the database -----------------------------------------------------------------------------


def _drop_web_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'chaos-web' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def test_database_connections_dropped_mid_request(stack, world, report):
    """Database connections of the web processes dropped while comments are posted"""
    report.bound_s = RECOVERY_S
    before = snapshot(world)
    texts = [f"At 3:{n % 60:02d} the axis label is cut off (post {n})" for n in range(60)]
    stop = threading.Event()
    dropped = [0]

    def keep_dropping() -> None:
        while not stop.is_set():
            dropped[0] += _drop_web_connections()
            time.sleep(0.25)
        connection.close()

    killer = threading.Thread(target=keep_dropping)
    killer.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            first = list(pool.map(lambda t: timed(lambda: world.post_by_api(t)), texts))
    finally:
        stop.set()
        killer.join()
    during = snapshot(world)
    statuses = [r.status_code for r, _ in first]
    refused = [t for t, (r, _) in zip(texts, first, strict=True) if r.status_code != 201]
    assert set(statuses) <= {201, 503}, f"answers: {sorted(set(statuses))}"
    assert all(r.headers.get("Retry-After") for r, _ in first if r.status_code == 503)
    slowest = max(seconds for _, seconds in first)
    assert slowest < ANSWER_S * 3
    # Every acknowledged post was stored.
    stored = set(Comment.objects.filter(cut=world.cut).values_list("text", flat=True))
    acknowledged = {t for t, (r, _) in zip(texts, first, strict=True) if r.status_code == 201}
    assert acknowledged <= stored

    # The clients try the refused ones again, as Retry-After says.
    started = time.monotonic()
    retried = [world.post_by_api(t).status_code for t in refused if t not in stored]
    assert set(retried) <= {201}
    report.recovered_s = wait_for(
        lambda: not Comment.objects.filter(cut=world.cut, triage_state="pending").exists(),
        seconds=RECOVERY_S,
        what="every comment triaged",
    ) + (time.monotonic() - started)
    after = snapshot(world)
    report.record(before, during, after)
    report.notes.append(
        f"{dropped[0]} connections dropped; {len(refused)} posts answered 503 and retried; "
        f"slowest answer {slowest:.2f} s"
    )
    texts_stored = list(Comment.objects.filter(cut=world.cut).values_list("text", flat=True))
    # Each stored comment's webhook too: its delivery is recorded just after the comment's
    # commit, where a dropped connection could lose it.
    wait_for(
        lambda: len(stack.receiver.requests) >= len(texts_stored),
        seconds=RECOVERY_S,
        what="a comment.created webhook for every stored comment",
    )
    told = [e["data"]["id"] for e in stack.receiver.events() if e["event"] == "comment.created"]
    report.lost = len(set(texts) - set(texts_stored)) + len(texts_stored) - len(set(told))
    report.duplicated = duplicates(texts_stored) + duplicates(told)
    assert (report.lost, report.duplicated) == (0, 0)
    assert dropped[0] > 0


# --- the production start, as the README writes it -----------------------------------------


def test_production_start_behind_nginx(stack, world, report):
    """Production start without Docker: nginx, gunicorn, a worker per queue, beat"""
    report.bound_s = RECOVERY_S
    site = f"http://127.0.0.1:{stack.nginx_port}"
    before = snapshot(world)
    ready = requests.get(f"{site}/healthz/ready", timeout=10)
    assert ready.status_code == 200
    static = requests.get(f"{site}/static/errata/errata.css", timeout=10)
    assert static.status_code == 200 and "X-Request-ID" not in static.headers  # nginx, not the app
    health = requests.get(f"{site}/healthz", timeout=30).json()
    assert health["status"] == "ok", health
    assert health["worker"]["queues"]["bulk"], health

    posted = world.post_on_review_page("At 6:00 'mabye' should be 'maybe'", base=site)
    assert posted.status_code == 302
    request_id = posted.headers["X-Request-ID"]
    assert len(request_id) == 32  # nginx's $request_id, carried through gunicorn to the app
    report.recovered_s = wait_for(
        lambda: (
            Comment.objects.filter(cut=world.cut, triage_state="done").exists()
            and len(stack.receiver.requests) >= 1
        ),
        seconds=RECOVERY_S,
        what="the comment triaged by the worker and its webhook delivered",
    )
    after = snapshot(world)
    report.record(before, before, after)
    report.lost = report.duplicated = 0

    # JSON logs: one object per line from every process, and the post's id on its task's line.
    for process in (stack.web, stack.workers["triage"], stack.beat):
        lines = [line for line in process.stderr.read_text().splitlines() if line.strip()]
        assert lines, f"{process.name} logged nothing"
        for line in lines:
            json.loads(line)  # raises on anything else
    triage_lines = [
        json.loads(line)
        for line in stack.workers["triage"].stderr.read_text().splitlines()
        if "triaged" in line
    ]
    assert any(event["request_id"] == request_id for event in triage_lines), (
        "the post's request id is not on its triage task's log line"
    )
    access = [json.loads(line) for line in stack.web.stderr.read_text().splitlines()]
    assert any(f"request_id={request_id}" in event["message"] for event in access), (
        "gunicorn's access line does not carry the request id"
    )
