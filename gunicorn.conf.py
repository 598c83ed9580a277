"""gunicorn's settings for Errata, read from the environment.

gunicorn reads ./gunicorn.conf.py by itself when started in the project's folder (the Docker
image's CMD is plain `gunicorn reviewapp.wsgi:application`); elsewhere:
`gunicorn -c /path/to/gunicorn.conf.py reviewapp.wsgi:application`. Every variable is in
.env.example.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from reviewapp.environment import env_file_load

# The same .env as the app's settings (the environment wins over it), read here because gunicorn
# reads this file before the app is loaded.
env_file_load(Path(__file__).resolve().parent)


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"Errata cannot start: {name}={raw!r} is not a whole number of 1 or more.")
    return int(raw)


bind = os.environ.get("GUNICORN_BIND", "").strip() or f"0.0.0.0:{_int('PORT', 8000)}"
# Behind nginx a request reaches gunicorn only once nginx has read all of it, and nginx takes the
# answer as fast as the app writes it; media never flows through a worker (a signed redirect to
# the object store, or X-Accel-Redirect to nginx). So a worker is busy only with the app's own
# work, mostly waiting on PostgreSQL, Redis or the store: threads (gthread) overlap those waits
# at little memory cost. bench/media_serving.py measured this setup against sync workers.
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _int("GUNICORN_THREADS", 4)
# A request taking longer than this is killed (its transaction rolls back): uploads arrive
# whole from the proxy in front, so only the app's own work counts.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On a restart (a deploy), requests under way get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# A worker is replaced after this many requests (with jitter, not all at once): memory that a
# large export or import grew does not stay for ever.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10
# Workers' heartbeat files in memory, not on a container's overlay disk (gunicorn's advice; the
# files hold nothing but a timestamp).
_SHARED_MEMORY = "/dev/shm"  # noqa: S108
worker_tmp_dir = _SHARED_MEMORY if os.path.isdir(_SHARED_MEMORY) else None
# The proxies whose X-Forwarded-* headers gunicorn believes.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1").strip()

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-").strip() or "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").strip().lower() or "info"
# The request id (X-Request-ID, answered by the app) ties an access line to the app's lines.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'

if os.environ.get("LOG_FORMAT", "human").strip().lower() == "json":
    # One JSON object per line, as the app logs (reviewapp/settings.py, LOG_FORMAT).
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            }
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
