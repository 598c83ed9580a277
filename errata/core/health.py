"""What the health endpoints report.

- /healthz/live: the process answers (no I/O at all): restart it when this fails.
- /healthz/ready: the database answers, so requests can be served: comments are stored even
  while Redis or the workers are away (their work waits in its rows), so only the database
  decides whether to send traffic here.
- /healthz: everything, separately: database, cache, storage, broker, and which queues have a
  worker. 200 when the database answers ("ok" or "degraded"), 503 when it does not ("down").
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from celery import current_app as celery_app
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

# A health check must answer quickly even when a part is down; load balancers time out.
BROKER_TIMEOUT_S = 2.0
# Workers answer the control broadcast from their main process, even while every child is busy
# with a long import; the check waits this long for the replies.
WORKER_TIMEOUT_S = 1.0


def _failure(error: BaseException) -> dict[str, Any]:
    return {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}


def check_database() -> dict[str, Any]:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "down", and we say which
        return _failure(error)
    return {"ok": True, "vendor": connection.vendor, "ms": _ms(started)}


def check_cache() -> dict[str, Any]:
    """Redis itself when the cache is Redis (rate limits fall back to memory while it is away,
    which is fine but worth knowing); a local cache is always there."""
    ping = getattr(cache, "ping", None)
    if ping is None:
        return {"ok": True, "backend": "local memory"}
    started = time.monotonic()
    try:
        ping()
    except Exception as error:  # noqa: BLE001 - any failure means "down", and we say which
        return {**_failure(error), "fallback": "local memory"}
    return {"ok": True, "backend": "redis", "ms": _ms(started)}


def check_storage() -> dict[str, Any]:
    """Write and delete a small file where uploads and exports go."""
    started = time.monotonic()
    name = f"healthz/{uuid.uuid4().hex}.txt"
    try:
        saved = default_storage.save(name, ContentFile(b"ok"))
        default_storage.delete(saved)
    except Exception as error:  # noqa: BLE001 - any failure means "down", and we say which
        return _failure(error)
    return {"ok": True, "ms": _ms(started)}


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
        return _failure(error)
    return {"ok": True, "ms": _ms(started)}


def check_workers(*, broker_ok: bool) -> dict[str, Any]:
    """Which workers answer, and which queue has none: the control broadcast goes through the
    broker to each worker's own mailbox, never behind tasks, and needs no result backend."""
    if _eager():
        return {"ok": True, "mode": "eager"}
    if not broker_ok:
        return {"ok": False, "error": "broker unreachable"}
    started = time.monotonic()
    try:
        replies = celery_app.control.inspect(timeout=WORKER_TIMEOUT_S).active_queues() or {}
    except Exception as error:  # noqa: BLE001 - any failure means "down", and we say which
        return _failure(error)
    queues: dict[str, list[str]] = {name: [] for name in settings.WORKER_QUEUES}
    for worker, consumed in replies.items():
        for queue in consumed or []:
            queues.setdefault(queue["name"], []).append(worker)
    without = sorted(name for name in settings.WORKER_QUEUES if not queues[name])
    report: dict[str, Any] = {
        "ok": not without,
        "workers": sorted(replies),
        "queues": {name: sorted(workers) for name, workers in sorted(queues.items())},
        "ms": _ms(started),
    }
    if without:
        report["error"] = f"no worker consumes {', '.join(without)}"
    return report


def readiness_report() -> tuple[dict[str, Any], int]:
    database = check_database()
    ok = database["ok"]
    return {"status": "ready" if ok else "not ready", "database": database}, 200 if ok else 503


def health_report() -> tuple[dict[str, Any], int]:
    database = check_database()
    broker = check_broker()
    report: dict[str, Any] = {
        "database": database,
        "cache": check_cache(),
        "storage": check_storage(),
        "broker": broker,
        "worker": check_workers(broker_ok=broker["ok"]),
    }
    # The web process can serve while the database answers; the rest delays work (it waits in
    # its rows) or weakens rate limits, but loses nothing.
    status = 200 if database["ok"] else 503
    if status != 200:
        overall = "down"
    elif all(part["ok"] for part in report.values()):
        overall = "ok"
    else:
        overall = "degraded"
    return {"status": overall, **report}, status


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
