"""Support for the tests that need a real Celery worker on a real broker (marked `worker`).

CI (.ci/run) starts a worker on the local Redis and points it at the test database; there these
tests must run, so a missing worker fails them. Elsewhere they skip with a message saying why.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection

from reviewapp.celery import app as celery_app


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the worker tests, but {reason}")
    pytest.skip(f"needs a Celery worker: {reason} (run .ci/run, or see the README)")


def require_worker() -> None:
    if not os.environ.get("CELERY_BROKER_URL"):
        _unavailable("CELERY_BROKER_URL is not set")
    if connection.vendor == "sqlite":
        _unavailable("the test database is an in-memory SQLite database a worker cannot see")
    if not os.environ.get("DATABASE_TEST_NAME"):
        _unavailable("DATABASE_TEST_NAME is not set, so the worker cannot know the test database")
    celery_app.conf.task_always_eager = False
    replies = celery_app.control.ping(timeout=3.0)
    if not replies:
        _unavailable(f"no worker answered a ping on {celery_app.conf.broker_url}")
