"""Middleware about no feature: the orchestrator's probes, the request id, work left for after
the response, and a database that went away mid-request."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from errata.core.health import readiness_report
from errata.core.queue import after_response_begin, after_response_end, after_response_run
from errata.core.requestid import REQUEST_ID_HEADER, request_id_begin, request_id_end

logger = logging.getLogger(__name__)

LIVE_PATH = "/healthz/live"
READY_PATH = "/healthz/ready"
# Seconds a client is told to wait before trying again after a 503.
RETRY_AFTER_S = 5


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


class HealthProbeMiddleware:
    """Answers /healthz/live and /healthz/ready before anything else looks at the request.

    Orchestrators and container health checks call these by the container's address over plain
    HTTP (Host: 127.0.0.1:8000, 10.0.3.7...), which ALLOWED_HOSTS rightly refuses with a 400 and
    a DisallowedHost traceback, and which SECURE_SSL_REDIRECT would redirect. These two answers
    say only "alive" and "the database answers", change nothing and read no input, so they are
    safe to give whatever the Host. The detailed /healthz stays behind the usual checks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path not in (LIVE_PATH, READY_PATH):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return _no_store(HttpResponse(status=405, headers={"Allow": "GET, HEAD"}))
        if request.path == LIVE_PATH:
            return _no_store(JsonResponse({"status": "alive"}))
        report, status = readiness_report()
        return _no_store(JsonResponse(report, status=status))


class RequestIdMiddleware:
    """Gives the request an id (the proxy's X-Request-ID when it is a plain token), answers it
    in the same header, and makes it the id of every log line and task of this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        value, token = request_id_begin(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = value  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            request_id_end(token)
        response[REQUEST_ID_HEADER] = value
        return response


class AfterResponseMiddleware:
    """Without a broker, the tasks and event receivers a request queues run in-process once its
    response is closed (errata.core.queue.run_after_response), not while the client waits: a
    comment post answers before its triage. The WSGI server closes the response after sending
    it, and Django's test client before it returns, so tests still see the triage done."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        work, token = after_response_begin()
        try:
            response = self.get_response(request)
        finally:
            after_response_end(token)
        if work:
            request_id = getattr(request, "request_id", None)
            # The closers run in close(), before request_finished (which may close the
            # database connection): the work uses the request's connection and its id.
            response._resource_closers.append(partial(_run_with_id, work, request_id))
        return response


def _run_with_id(work: list, request_id: str | None) -> None:
    token = request_id_begin(request_id)[1] if request_id else None
    try:
        after_response_run(work)
    finally:
        if token is not None:
            request_id_end(token)


class DatabaseUnavailableMiddleware:
    """A database connection that dropped (a restart, a failover, a network cut) mid-request is
    the server's trouble for a moment, not a bug: 503 with Retry-After, so clients try again,
    instead of a 500. The transaction was rolled back, so a retry stores nothing twice; Django
    drops the broken connection when the request ends and the next one opens a new one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning(
            "Database unavailable during %s %s: %s", request.method, request.path, exception
        )
        return database_unavailable_response(api=request.path.startswith("/api/"))


DATABASE_UNAVAILABLE = "The database is unavailable for a moment; nothing was changed. Try again."


def database_unavailable_response(*, api: bool) -> HttpResponse:
    if api:
        # The API's one error shape (errata.api.exceptions.error_body).
        body = {"status": 503, "code": "unavailable", "detail": DATABASE_UNAVAILABLE, "fields": {}}
        response: HttpResponse = JsonResponse(body, status=503)
    else:
        response = HttpResponse(DATABASE_UNAVAILABLE, status=503, content_type="text/plain")
    response["Retry-After"] = str(RETRY_AFTER_S)
    return _no_store(response)
