"""The broker transport's repair (reviewapp/broker.py): a connection kombu already detached
raises a connection error, which Celery recovers from, instead of an AttributeError, which made
a worker holding unacknowledged messages exit when Redis went away (`make chaos` runs that
outage for real)."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from reviewapp.broker import Channel, Transport


def test_a_detached_channel_says_the_connection_is_closed():
    channel = object.__new__(Channel)
    channel.connection = SimpleNamespace(client=None)
    with pytest.raises(RedisConnectionError, match="closed"):
        channel._connparams()


def test_that_error_is_one_celery_recovers_from():
    assert any(issubclass(RedisConnectionError, kind) for kind in Transport.connection_errors)


def test_a_redis_broker_goes_through_the_repaired_transport():
    script = (
        "import django; django.setup()\n"
        "from reviewapp.celery import app\n"
        "print(type(app.connection_for_write().transport).__module__)\n"
    )
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "reviewapp.settings",
        "ERRATA_ENV_FILE": "",
        "SECRET_KEY": "k",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "reviewapp.broker"
