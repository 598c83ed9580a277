"""Without a broker, the work a request queues (triage, event receivers) runs once its response
is closed, not while the client waits: the comment is stored and answered first, its triage
follows, and a test client that returns sees it done."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory

from errata.core import queue
from errata.models import Comment, Finding

REPORT = "At 5:58 the label says 'mabye'."


def _api_post_environ(review_link) -> dict:
    request = RequestFactory().post(
        "/api/comments/",
        json.dumps({"text": REPORT, "author_name": "Ada"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"ReviewLink {review_link.token}",
    )
    return request.environ


@pytest.mark.django_db(transaction=True)
def test_a_post_answers_before_its_triage_and_the_triage_runs_when_the_response_closes(
    review_link,
):
    statuses = []
    response = WSGIHandler()(_api_post_environ(review_link), lambda s, h: statuses.append(s))

    # The answer is complete and the comment committed; its triage has not run yet.
    assert statuses == ["201 Created"]
    comment = Comment.objects.get(pk=json.loads(b"".join(response))["id"])
    assert comment.triage_state == Comment.TriageState.PENDING
    assert not Finding.objects.filter(comment=comment).exists()

    response.close()  # what the WSGI server does once the body went out

    comment.refresh_from_db()
    assert comment.triage_state == Comment.TriageState.DONE
    assert Finding.objects.filter(comment=comment).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_test_client_sees_the_triage_done_when_the_post_returns(client, review_link):
    response = client.post(
        "/api/comments/",
        json.dumps({"text": REPORT, "author_name": "Ada"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"ReviewLink {review_link.token}",
    )
    assert response.status_code == 201
    comment = Comment.objects.get(pk=response.json()["id"])
    assert comment.triage_state == Comment.TriageState.DONE


def test_work_left_for_after_the_response_runs_in_order_and_one_failure_stops_nothing(caplog):
    done = []
    work, token = queue.after_response_begin()
    try:
        queue.run_after_response(lambda: done.append("first"))
        queue.run_after_response(lambda: 1 / 0)
        queue.run_after_response(lambda: done.append("third"))
    finally:
        queue.after_response_end(token)
    assert done == [] and len(work) == 3

    with caplog.at_level(logging.ERROR, logger="errata.core.queue"):
        queue.after_response_run(work)

    assert done == ["first", "third"]
    assert work == []
    assert "failed" in caplog.text


def test_outside_a_request_or_with_a_broker_the_work_runs_at_once(monkeypatch):
    done = []
    queue.run_after_response(lambda: done.append("no request"))
    assert done == ["no request"]

    monkeypatch.setattr(queue, "is_eager", lambda: False)
    work, token = queue.after_response_begin()
    try:
        queue.run_after_response(lambda: done.append("broker"))
    finally:
        queue.after_response_end(token)
    assert done == ["no request", "broker"]
    assert work == []
