"""Two workers sending the same notification at the same moment (a task delivered twice, or the
sweep re-queueing one that was only late), and two digest runs for one member: for real, two
threads, two database connections, PostgreSQL's row locks. One message goes out. (SQLite
serialises writers, so these run on PostgreSQL only.)"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, connections
from django.utils import timezone

from errata.models import Membership, Notification
from errata.notifications.digests import digests_send
from errata.notifications.services import notification_send
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks (set DATABASE_URL to a PostgreSQL database)")


class SlowBackend(EmailBackend):
    """The in-memory backend, slow enough that the second worker arrives mid-send."""

    def send_messages(self, messages):
        time.sleep(0.5)
        return super().send_messages(messages)


def _at_once(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call) -> None:
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_workers_sending_one_notification_at_once_send_it_once(settings, patron):
    settings.EMAIL_BACKEND = "tests.notifications.test_races.SlowBackend"
    row = Notification.objects.create(
        kind="erratum_status",
        event_key="erratum:1:fixed:cut:2",
        recipient=patron.email,
        reviewer=patron,
        subject="Fixed",
        body_text="Fixed.",
    )

    def send():
        return notification_send(notification_id=row.pk)

    results = _at_once(send, send)
    assert sorted(results) == ["done", "sent"]
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 1)


def test_two_digest_runs_at_once_make_one_digest(cut, creator, settings):
    # Runs at whatever the clock says: the morning hour must not hold the digest back (between
    # midnight and DIGEST_HOUR neither run would make one).
    settings.DIGEST_HOUR = 0
    membership = Membership.objects.get(user=creator)
    Membership.objects.filter(pk=membership.pk).update(
        created_at=timezone.now() - timedelta(days=1)
    )
    factories.CommentFactory(
        cut=cut, text="a report", triage_state="done", triaged_at=timezone.now()
    )
    now = timezone.now() + timedelta(seconds=1)

    def run():
        return digests_send(now=now)

    results = _at_once(run, run)
    assert sorted(len(made) for made in results) == [0, 1]
    assert Notification.objects.count() == 1
