"""gunicorn for Errata, behind nginx (deploy/nginx/errata.conf). Each setting is chosen, not left
at its default; every one can be overridden with GUNICORN_* variables (or gunicorn's own flags).

Behind nginx, a request reaches gunicorn only once nginx has read all of it (request buffering),
and nginx takes the answer as fast as the app writes it (response buffering). Media never flows
through a worker: it is a redirect to the object store or an X-Accel-Redirect to nginx. So a
worker is busy only for the app's own work, which is mostly waiting on PostgreSQL, Redis or the
store: threads (gthread) let one process overlap those waits at little memory cost.

    gunicorn -c deploy/gunicorn.conf.py reviewapp.wsgi:application
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# The usual 2 x cores + 1 processes, each with a few threads.
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
# No request of the app's own should take this long; one that does (a stuck query) is killed
# rather than holding its thread for ever. Uploads are read by nginx first, so they do not count.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# nginx keeps connections to the app open (upstream keepalive).
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle each process after about a thousand requests (jittered so they do not all restart
# together): a slow leak in a library never grows for ever.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Only nginx talks to gunicorn; trust the X-Forwarded-* headers it sets (FORWARDED_ALLOW_IPS
# narrows this to nginx's address where the network is shared).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
