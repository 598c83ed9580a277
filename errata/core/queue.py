"""The one way work is queued: by the task's registered name, after the transaction commits, and
never failing the request that caused it.

Every piece of queued work has a row that says it is still to be done: a comment waiting for
triage, a queued import or export job, a pending webhook delivery, a pending notification. When
the broker cannot be reached (or, without a broker, the task fails in-process) that row simply
stays as it is, and the feature's sweep, a Celery beat task, queues it again later. So the
functions here can afford to give up quietly: they log and say so, and nothing is lost.

Services name tasks ("errata.triage_comment") instead of importing errata.tasks, so the task
module stays the thin interface on top and nothing below it imports it.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable

from celery import current_app
from celery.exceptions import Retry
from django.db import transaction

logger = logging.getLogger(__name__)


def _task(name: str):
    if name not in current_app.tasks:
        # The web process has not imported the apps' task modules yet (a worker does so at
        # start). Only the discovery, not loader.import_default_modules(): that would run
        # django.setup() again in a process that is already serving.
        current_app.autodiscover_tasks(force=True)
    try:
        return current_app.tasks[name]
    except KeyError:
        raise LookupError(f"No Celery task is registered as {name!r}.") from None


def is_eager() -> bool:
    """True when there is no broker and tasks run in-process (`make run`, most tests)."""
    return bool(current_app.conf.task_always_eager)


# After the broker failed to take a task, this process leaves it alone for this long: the rows
# wait for their sweeps, and requests do not each wait out a socket timeout on a broker that
# hangs (a post publishes two or three tasks).
BROKER_PAUSE_S = 5.0
_broker_failed: dict[str, float] = {}


def _broker_paused() -> bool:
    return time.monotonic() < _broker_failed.get(current_app.conf.broker_url, 0.0)


def publish(task_name: str, *args: object, countdown: float | None = None) -> bool:
    """Send a task to the broker now. False (and a log line) when it could not be sent, or,
    without a broker, when it failed in-process: its row stays pending for the sweep."""
    task = _task(task_name)
    if not is_eager() and _broker_paused():
        logger.warning("Broker unreachable a moment ago; %s%r left for its sweep", task_name, args)
        return False
    options: dict = {"retry": False}
    if countdown:
        options["countdown"] = countdown
    try:
        task.apply_async(args=list(args), **options)
    except Retry:
        # In-process a retry cannot wait; the task recorded its attempt and the sweep tries again.
        logger.warning("%s%r failed in-process and is left for its sweep", task_name, args)
    except Exception as error:
        if is_eager():
            logger.exception("%s%r failed in-process; left for its sweep", task_name, args)
        else:
            _broker_failed[current_app.conf.broker_url] = time.monotonic() + BROKER_PAUSE_S
            logger.warning(
                "Broker unreachable (%s); %s%r left for its sweep",
                type(error).__name__,
                task_name,
                args,
            )
        return False
    return True


# Without a broker (eager mode: `make run`, tests, the benchmark's default) a task runs in the
# process that queues it. Inside a request that would make the client wait for triage, webhook
# deliveries and the like, so AfterResponseMiddleware collects that work here and runs it when
# the response is closed: after the body went out, before the test client returns. The rows it
# works on are committed first, so nothing is lost if the process dies in between: they wait for
# their sweeps, as when a broker refuses a task.
_after_response: contextvars.ContextVar[list[Callable[[], object]] | None] = contextvars.ContextVar(
    "errata_after_response", default=None
)


def after_response_begin() -> tuple[list[Callable[[], object]], contextvars.Token]:
    """Start collecting this request's in-process work; the list is what to run after it."""
    work: list[Callable[[], object]] = []
    return work, _after_response.set(work)


def after_response_end(token: contextvars.Token) -> None:
    _after_response.reset(token)


def after_response_run(work: list[Callable[[], object]]) -> None:
    """Run what a request left for after its response, in order; one failing does not stop
    the rest (each one's rows stay pending for its sweep)."""
    while work:
        job = work.pop(0)
        try:
            job()
        except Exception:
            logger.exception("Work left for after the response failed; left for its sweep")


def run_after_response(job: Callable[[], object]) -> None:
    """Run `job` now, or, in eager mode inside a request, once the response has gone out."""
    work = _after_response.get()
    if work is not None and is_eager():
        work.append(job)
    else:
        job()


def enqueue(
    task_name: str,
    *args: object,
    countdown: float | None = None,
    on_refused: Callable[[], object] | None = None,
) -> None:
    """Queue a task once the current transaction commits (at once when none is open), so a
    worker never sees a row that was rolled back. Never raises on the broker's account;
    `on_refused` runs when the task could not be sent (to mark its row for the sweep)."""
    _task(task_name)  # a wrong name is a bug: say so here, not after the commit

    def publish_after_commit() -> None:
        if not publish(task_name, *args, countdown=countdown) and on_refused is not None:
            on_refused()

    transaction.on_commit(lambda: run_after_response(publish_after_commit), robust=True)


def enqueue_each(task_name: str, ids: list[int]) -> None:
    """Queue one task per id once the transaction commits, in order, stopping at the first the
    broker refuses (the rest would fail the same way; their rows wait for the sweep)."""
    _task(task_name)
    ids = list(ids)

    def publish_each() -> None:
        for pk in ids:
            if not publish(task_name, pk):
                break

    transaction.on_commit(lambda: run_after_response(publish_each), robust=True)
