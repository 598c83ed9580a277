"""The web processes' database connections dropped while comments are posted."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from chaos.stack import wait_for
from chaos.world import (
    ANSWER_S,
    RECOVERY_S,
    duplicates,
    snapshot,
    timed,
)
from errata.models import Comment, WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)

# Every web connection is terminated this often while the comments are posted.
DROP_EVERY_S = 0.5


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
    texts = [f"At 3:{n % 60:02d} the axis label is cut off (post {n})" for n in range(80)]
    stop = threading.Event()
    dropped = [0]

    def keep_dropping() -> None:
        while not stop.is_set():
            dropped[0] += _drop_web_connections()
            time.sleep(DROP_EVERY_S)
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
    try:
        wait_for(
            lambda: len(stack.receiver.requests) >= len(texts_stored),
            seconds=RECOVERY_S,
            what="a comment.created webhook for every stored comment",
        )
    except AssertionError as missing:
        report.notes.append(str(missing))
    undelivered = WebhookDelivery.objects.exclude(status="succeeded").values_list(
        "pk", "status", "attempts", "error", "created_at"
    )
    report.notes.extend(f"not delivered: {row}" for row in undelivered)
    unrecorded = Comment.objects.filter(cut=world.cut).exclude(
        pk__in=[e["data"]["id"] for e in stack.receiver.events()]
    )
    report.notes.extend(f"no webhook for comment {c.pk}: {c.text}" for c in unrecorded)
    told = [e["data"]["id"] for e in stack.receiver.events() if e["event"] == "comment.created"]
    report.lost = len(set(texts) - set(texts_stored)) + len(texts_stored) - len(set(told))
    report.duplicated = duplicates(texts_stored) + duplicates(told)
    assert (report.lost, report.duplicated) == (0, 0)
    assert dropped[0] > 0
