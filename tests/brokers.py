"""A broker that is not there, for the tests of what happens while it is away."""

from __future__ import annotations

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
