"""What /healthz reports: can we reach the database, the broker, and a worker?"""

from __future__ import annotations

import time
from typing import Any

from celery import current_app as celery_app
from django.db import connection

# A health check must answer quickly even when a part is down; load balancers time out.
BROKER_TIMEOUT_S = 2.0
WORKER_TIMEOUT_S = 3.0


def check_database() -> dict[str, Any]:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "down", and we say which
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}
    return {"ok": True, "vendor": connection.vendor, "ms": _ms(started)}


def _eager() -> bool:
    return bool(celery_app.conf.task_always_eager)


def check_broker() -> dict[str, Any]:
    if _eager():
        return {"ok": True, "mode": "eager", "detail": "no broker configured; tasks run in-process"}
    started = time.monotonic()
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_S)
    except Exception as error:  # noqa: BLE001 - any failure means "down", and we say which
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}
    return {"ok": True, "ms": _ms(started)}


def check_worker(*, broker_ok: bool) -> dict[str, Any]:
    """A real round trip: queue the ping task and wait for a worker to answer it."""
    if _eager():
        return {"ok": True, "mode": "eager"}
    if not broker_ok:
        return {"ok": False, "error": "broker unreachable"}
    started = time.monotonic()
    try:
        result = celery_app.send_task(
            "errata.ping", retry=False, expires=WORKER_TIMEOUT_S, ignore_result=False
        )
        answer = result.get(timeout=WORKER_TIMEOUT_S, propagate=True)
    except Exception as error:  # noqa: BLE001 - any failure means "down", and we say which
        return {
            "ok": False,
            "error": f"no worker answered within {WORKER_TIMEOUT_S:g} s ({type(error).__name__})",
        }
    return {"ok": answer == "pong", "ms": _ms(started)}


def health_report() -> tuple[dict[str, Any], int]:
    database = check_database()
    broker = check_broker()
    worker = check_worker(broker_ok=broker["ok"])
    # The web process can serve pages while the database answers; a missing worker delays
    # triage but loses nothing (the sweep catches up), so only the database decides the status.
    status = 200 if database["ok"] else 503
    report = {
        "status": "ok" if status == 200 and broker["ok"] and worker["ok"] else "degraded",
        "database": database,
        "broker": broker,
        "worker": worker,
    }
    if status != 200:
        report["status"] = "down"
    return report, status


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
