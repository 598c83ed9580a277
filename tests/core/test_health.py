from __future__ import annotations

from unittest import mock

import pytest
from django.db.utils import OperationalError

from reviewapp.celery import app as celery_app


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    # No broker in tests by default: tasks run in-process, and the report says so.
    assert body["broker"]["mode"] == "eager"
    assert body["worker"]["mode"] == "eager"


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_down(client):
    with mock.patch(
        "errata.core.health.connection.cursor", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"] == {"ok": False, "error": "OperationalError: connection refused"}


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_broker_but_stays_up(client, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"]["ok"] is False
    assert body["worker"] == {"ok": False, "error": "broker unreachable"}


def test_healthz_refuses_other_methods(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.worker
@pytest.mark.django_db
def test_healthz_round_trips_a_task_through_a_real_worker(client, celery_worker):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["broker"]["ok"] is True, body
    assert body["worker"]["ok"] is True, body
    assert body["status"] == "ok"
