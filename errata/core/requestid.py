"""A request's id: taken from the proxy's X-Request-ID (or made), answered in the same header,
written on every log line, and carried into the Celery tasks the request queues, so one id
follows a comment from the post to its triage and its webhook.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from typing import Any

import sentry_sdk
from celery.signals import before_task_publish, task_postrun, task_prerun

REQUEST_ID_HEADER = "X-Request-ID"
# The header travels with the task under this name.
TASK_HEADER = "errata_request_id"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("errata_request_id", default="")
# A proxy's id is kept only when it is a plain token: a header is the client's to type, and it
# ends up in every log line.
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# The tokens that restore the id a task replaced (eager tasks run inside the request).
_task_tokens: dict[str, contextvars.Token] = {}


def request_id_get() -> str:
    return _current.get()


def _tag_errors(value: str) -> None:
    # Errors sent to Sentry (SENTRY_DSN) carry the id too; without Sentry this does nothing.
    sentry_sdk.set_tag("request_id", value)


def request_id_begin(offered: str | None = None) -> tuple[str, contextvars.Token]:
    """Start a request's id: the proxy's, when it is acceptable, else a new one."""
    value = offered if offered and _ACCEPTABLE.fullmatch(offered) else uuid.uuid4().hex
    _tag_errors(value)
    return value, _current.set(value)


def request_id_end(token: contextvars.Token) -> None:
    _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every log record ("-" outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _current.get() or "-"
        return True


@before_task_publish.connect(weak=False, dispatch_uid="errata.requestid.publish")
def _carry_into_task(headers: dict | None = None, **kwargs: Any) -> None:
    value = _current.get()
    if value and headers is not None:
        headers.setdefault(TASK_HEADER, value)


@task_prerun.connect(weak=False, dispatch_uid="errata.requestid.prerun")
def _task_begins(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    request = getattr(task, "request", None)
    carried = getattr(request, TASK_HEADER, None) or (getattr(request, "headers", None) or {}).get(
        TASK_HEADER
    )
    # A task run in-process keeps its request's id; one without any gets its own task id.
    value = carried or _current.get() or f"task-{task_id}"
    _tag_errors(value)
    if task_id:
        _task_tokens[task_id] = _current.set(value)


@task_postrun.connect(weak=False, dispatch_uid="errata.requestid.postrun")
def _task_ends(task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        _current.reset(token)
