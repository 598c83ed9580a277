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


# --- the orchestrator's probes and the parts reported separately ------------------------------


@pytest.mark.django_db
def test_the_probes_answer_whatever_the_host_and_without_the_https_redirect(client, settings):
    """A container health check calls by address over plain HTTP: with production's
    ALLOWED_HOSTS and HTTPS redirect, anything else would be a 400 or a 301."""
    settings.ALLOWED_HOSTS = ["errata.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    live = client.get("/healthz/live", HTTP_HOST="127.0.0.1:8000")
    ready = client.get("/healthz/ready", HTTP_HOST="10.0.3.7")
    assert (live.status_code, live.json()) == (200, {"status": "alive"})
    assert ready.status_code == 200
    assert ready.json()["database"]["ok"] is True
    assert ready["Cache-Control"] == "no-store"
    # The detailed report and every page stay behind host validation.
    assert client.get("/healthz", HTTP_HOST="10.0.3.7").status_code == 400


@pytest.mark.django_db
def test_readiness_fails_when_the_database_does_not_answer(client):
    with mock.patch(
        "errata.core.health.connection.cursor", side_effect=OperationalError("connection refused")
    ):
        ready = client.get("/healthz/ready")
        live = client.get("/healthz/live")
    assert ready.status_code == 503
    assert ready.json()["status"] == "not ready"
    # Alive all the same: restarting the web process would not bring the database back.
    assert live.status_code == 200


def test_the_probes_refuse_other_methods(client):
    assert client.post("/healthz/ready").status_code == 405
    assert client.delete("/healthz/live").status_code == 405


@pytest.mark.django_db
def test_healthz_reports_cache_and_storage_separately(client, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    body = client.get("/healthz").json()
    assert body["cache"] == {"ok": True, "backend": "local memory"}
    assert body["storage"]["ok"] is True
    # The check cleans up after itself.
    assert list((tmp_path / "healthz").iterdir()) == []


@pytest.mark.django_db
def test_healthz_says_when_storage_cannot_be_written(client, settings, tmp_path):
    read_only = tmp_path / "media"
    read_only.mkdir()
    (read_only / "healthz").write_text("a file where a folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(read_only)},
        },
    }
    response = client.get("/healthz")
    assert response.status_code == 200  # the database answers: serving goes on
    body = response.json()
    assert body["status"] == "degraded"
    assert body["storage"]["ok"] is False


@pytest.mark.django_db
def test_healthz_reports_a_redis_cache_that_is_away_and_the_fallback(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "errata.core.cache.FallbackRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["cache"]["ok"] is False
    assert body["cache"]["fallback"] == "local memory"
