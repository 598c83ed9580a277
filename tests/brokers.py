"""A broker that is not there, for the tests of what happens while it is away."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from errata.core import queue
from reviewapp.celery import app as celery_app


def dead_broker(monkeypatch) -> None:
    """Point publishing at a port where no broker listens: a real connection failure."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    # Publishing goes through cached connection and producer pools: start them afresh.
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    # Nor does an earlier test's outage hold publishing back (errata.core.queue.BROKER_PAUSE_S).
    monkeypatch.setattr(queue, "_broker_failed", {})


@contextmanager
def hung_broker(monkeypatch) -> Iterator[str]:
    """A broker that takes the connection and then never answers (a Redis stopped with
    SIGSTOP, a network that drops packets): a listening socket nobody reads."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
        monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        monkeypatch.setitem(celery_app.conf, "broker_url", url)
        monkeypatch.setattr(celery_app, "_pool", None)
        monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
        monkeypatch.setattr(queue, "_broker_failed", {})
        yield url
