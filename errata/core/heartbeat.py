"""A running job's sign of life, written by a thread of its own.

The thread has its own database connection in autocommit, so its beat is seen at once even
while the job's own work holds a long transaction open (an import stores 100,000 comments in
one), and it stops when the worker process dies, which is the point: the jobs sweep takes a
job whose heartbeat stopped for one whose worker was killed. When the beat finds the job no
longer its own (cancelled, or handed to another run), it says so and the run stops.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from django.db import DatabaseError, connection, connections
from django.db.models import QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)


class JobHeartbeat:
    """`with JobHeartbeat(rows, every_s=10) as beat:` writes heartbeat_at on `rows` (the job's
    row, filtered to "still running under this run's attempt") every `every_s` seconds;
    `beat.lost` is set once that matches no row."""

    def __init__(self, rows: QuerySet, *, every_s: float) -> None:
        self._rows = rows
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = threading.Event()

    def __enter__(self) -> JobHeartbeat:
        # A run inside an open transaction (the tests') has a job row other connections may not
        # see yet; the run's own progress writes stand in for the beat there.
        if not connection.in_atomic_block:
            self._thread = threading.Thread(
                target=self._beat, name="errata-job-heartbeat", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self._every_s):
                try:
                    if not self._rows.update(heartbeat_at=timezone.now()):
                        self.lost.set()
                        return
                except DatabaseError as error:
                    # The database is away for a moment: keep trying; the sweep waits several
                    # beats before it takes a job for dead.
                    logger.warning("Job heartbeat not written: %s", error)
        finally:
            connections.close_all()
