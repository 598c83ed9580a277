"""The request id, and a database that goes away mid-request (errata.core.middleware)."""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from errata.core.requestid import RequestIdFilter, request_id_get
from errata.models import Comment

DROPPED = OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db
def test_a_dropped_database_connection_is_a_503_to_try_again_on_the_review_page(
    client, review_link, monkeypatch
):
    def drop(**kwargs):
        raise DROPPED

    monkeypatch.setattr("errata.reviews.services.review_comment_create", drop)
    response = client.post(
        f"/r/{review_link.token}/comments/new/", {"text": "At 1:00 a typo.", "name": "Ben"}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Try again" in response.content.decode()
    assert Comment.objects.count() == 0


@pytest.mark.django_db
def test_a_dropped_database_connection_is_a_503_in_the_api_error_shape(review_link, monkeypatch):
    def drop(**kwargs):
        raise DROPPED

    monkeypatch.setattr("errata.api.views.reviews.review_comment_create", drop)
    response = APIClient().post(
        "/api/comments/",
        {"text": "At 1:00 a typo.", "author_name": "Ben"},
        format="json",
        HTTP_AUTHORIZATION=f"ReviewLink {review_link.token}",
    )
    assert response.status_code == 503
    assert response.json() == {
        "status": 503,
        "code": "unavailable",
        "detail": "The database is unavailable for a moment; nothing was changed. Try again.",
        "fields": {},
    }
    assert response["Retry-After"] == "5"


def test_other_errors_are_still_errors(client, monkeypatch):
    def broken(request):
        raise ValueError("a bug")

    monkeypatch.setattr("errata.web.health.health_report", lambda: broken(None))
    client.raise_request_exception = False
    assert client.get("/healthz").status_code == 500


@pytest.mark.django_db
def test_every_answer_carries_a_request_id_and_a_proxys_plain_one_is_kept(client):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.9")["X-Request-ID"] == "lb-7f3a.9"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "hostile", ["a b", "x" * 300, "id\nFAKE LOG LINE", "<script>", "naïve", ""]
)
def test_a_hostile_request_id_is_replaced_not_logged(client, hostile):
    answered = client.get("/healthz", HTTP_X_REQUEST_ID=hostile)["X-Request-ID"]
    assert answered != hostile
    assert len(answered) == 32


@pytest.mark.django_db(transaction=True)
def test_log_lines_of_a_request_carry_its_id_and_so_do_its_tasks(
    client, review_link, caplog, monkeypatch
):
    """The triage task queued by the post logs under the post's id (eager here; a real worker
    gets it in the task's headers, see the chaos suite)."""
    seen = []

    def triage(*, comment_id: int):
        seen.append(request_id_get())
        logging.getLogger("errata.test").warning("triaging %s", comment_id)
        raise Comment.DoesNotExist

    monkeypatch.setattr("errata.findings.services.findings_triage", triage)
    with caplog.at_level(logging.WARNING, logger="errata.test"):
        caplog.handler.addFilter(RequestIdFilter())
        # Committed for real, so the task is queued (and run eagerly) inside the request.
        response = client.post(
            f"/r/{review_link.token}/comments/new/",
            {"text": "At 1:00 a typo.", "name": "Ben"},
            HTTP_X_REQUEST_ID="req-42",
        )
    assert response["X-Request-ID"] == "req-42"
    assert seen == ["req-42"]
    assert [r.request_id for r in caplog.records if r.name == "errata.test"] == ["req-42"]
    assert request_id_get() == ""  # nothing leaks into the next request
