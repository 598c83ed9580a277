"""The production start without Docker, as the README writes it: nginx in front of gunicorn,
a worker per queue, beat."""

from __future__ import annotations

import json

import pytest
import requests

from chaos.stack import wait_for
from chaos.world import (
    RECOVERY_S,
    snapshot,
)
from errata.models import Comment

pytestmark = pytest.mark.django_db(transaction=True)


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
