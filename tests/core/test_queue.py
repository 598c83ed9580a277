"""The one queue (errata.core.queue): work is queued by name after the commit, a broker outage
never fails the action that queued it, and everything left behind runs once the broker returns.

The outage is real: publishing goes to a port where nothing listens (tests/brokers.py). The
worker test at the end does the whole round trip on CI's real Redis and worker.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from errata.core import queue
from errata.core.queue import enqueue, publish
from errata.findings.services import comments_sweep_untriaged
from errata.fixes.services import erratum_create_from_findings
from errata.io import jobs as io_jobs
from errata.models import (
    Comment,
    Erratum,
    ExportJob,
    Finding,
    ImportJob,
    Notification,
    WebhookDelivery,
)
from errata.notifications.services import notifications_sweep
from errata.webhooks.services import deliveries_sweep
from reviewapp.celery import app as celery_app
from tests import factories
from tests.brokers import dead_broker, hung_broker

CSV = "id,author,text\nc1,Ben,At 1:02 the axis label reads 'nueron'.\nc2,Cy,Lovely video!\n"
EVENTS = ["comment.created", "erratum.created", "erratum.status_changed", "erratum.fixed"]


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def reported(cut, patron, review_link):
    """A patron's report with an address (so a fix is news to tell), as one open erratum."""
    comment = factories.CommentFactory(
        cut=cut,
        reviewer=patron,
        review_link=review_link,
        text="At 5:58 'mabye'.",
        triage_state="done",
    )
    finding = factories.FindingFactory(comment=comment, cut=cut, timestamp_s=358)
    return erratum_create_from_findings(finding_ids=[finding.pk], title="Typo: “mabye”")


# --- enqueue and publish ---------------------------------------------------------------------


@pytest.mark.django_db
def test_work_is_published_after_the_commit_and_never_for_a_rollback(
    monkeypatch, django_capture_on_commit_callbacks
):
    from errata.tasks import triage_comment_task

    sent = []
    monkeypatch.setattr(triage_comment_task, "apply_async", lambda **kw: sent.append(kw["args"]))
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue("errata.triage_comment", 1)
            raise RuntimeError("rolled back")
        with transaction.atomic():
            enqueue("errata.triage_comment", 2)
            assert sent == []  # not before the commit
    assert sent == [[2]]


def test_a_task_name_nobody_registered_is_refused_at_once():
    with pytest.raises(LookupError, match=r"errata\.no_such_task"):
        enqueue("errata.no_such_task", 1)


@pytest.mark.django_db
def test_publishing_to_an_unreachable_broker_says_so_quickly_and_raises_nothing(
    monkeypatch, caplog
):
    dead_broker(monkeypatch)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="errata.core.queue"):
        assert publish("errata.triage_comment", 1) is False
    assert time.monotonic() - started < 5
    assert "Broker unreachable" in caplog.text


def test_a_broker_that_hangs_costs_one_timeout_then_is_left_alone_for_a_moment(monkeypatch, caplog):
    with hung_broker(monkeypatch):
        started = time.monotonic()
        assert publish("errata.triage_comment", 1) is False
        first = time.monotonic() - started
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="errata.core.queue"):
            assert [publish("errata.triage_comment", n) for n in (2, 3, 4)] == [False] * 3
        rest = time.monotonic() - started
        # The socket timeouts bound the first try; the next ones do not even connect.
        assert first < 10
        assert rest < first / 3
        assert caplog.text.count("Broker unreachable a moment ago") == 3
        # Once the pause is over, the broker is tried again.
        monkeypatch.setattr(queue, "_broker_failed", {celery_app.conf.broker_url: 0.0})
        started = time.monotonic()
        assert publish("errata.triage_comment", 5) is False
        assert time.monotonic() - started > rest


# --- a broker outage, action by action -------------------------------------------------------


@pytest.mark.django_db
def test_while_the_broker_is_away_every_action_answers_and_keeps_its_work(
    client,
    cut,
    creator,
    review_link,
    reported,
    receiver,
    monkeypatch,
    settings,
    django_capture_on_commit_callbacks,
):
    factories.WebhookEndpointFactory(team=cut.video.team, url=receiver.url, events=EVENTS)
    cut2 = factories.CutFactory(video=cut.video, number=2, duration_s=cut.duration_s)
    monkeypatch.setattr(io_jobs, "IMPORT_INLINE_MAX_BYTES", 10)
    monkeypatch.setattr(io_jobs, "EXPORT_INLINE_MAX_ERRATA", 0)
    dead_broker(monkeypatch)

    # A patron posts on the review page.
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(
            f"/r/{review_link.token}/comments/new/",
            {"text": "At 6:03 'mabye' is misspelled.", "name": "Ben"},
        )
    assert posted.status_code == 302  # to the new comment on the page
    comment = Comment.objects.get(text="At 6:03 'mabye' is misspelled.")
    assert comment.triage_state == "pending"

    # The creator imports a large file and asks for a large export.
    api = _api(creator)
    upload = SimpleUploadedFile("comments.csv", CSV.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        imported = api.post(
            f"/api/cuts/{cut.pk}/import/", {"format": "csv", "file": upload}, format="multipart"
        )
        exported = api.get(f"/api/cuts/{cut.pk}/export/?format=md")
    assert (imported.status_code, exported.status_code) == (202, 202)
    assert ImportJob.objects.get().status == "queued"
    assert ExportJob.objects.get().status == "queued"

    # The creator marks the erratum fixed.
    with django_capture_on_commit_callbacks(execute=True):
        fixed = api.post(f"/api/errata/{reported.pk}/fix/", {"fixed_in_cut": cut2.pk})
    assert fixed.status_code == 200
    assert Erratum.objects.get(pk=reported.pk).status == "fixed"

    # Nothing went anywhere, and nothing is lost: every piece of work has a row waiting.
    assert receiver.requests == [] and mail.outbox == []
    assert set(WebhookDelivery.objects.values_list("event", "status")) == {
        ("comment.created", "pending"),
        ("erratum.status_changed", "pending"),
        ("erratum.fixed", "pending"),
    }
    assert list(Notification.objects.values_list("recipient", "state")) == [
        ("ada@example.com", "pending")
    ]

    # The sweeps, run while the broker is still away, queue nothing and fail nothing.
    _age_everything()
    assert comments_sweep_untriaged(older_than_s=0) == 0
    assert io_jobs.jobs_sweep(older_than_s=0) == 0
    assert deliveries_sweep(older_than_s=0) == 0
    assert notifications_sweep() == 0


def _age_everything() -> None:
    """As if the outage had lasted a quarter of an hour."""
    then = timezone.now() - timedelta(minutes=15)
    Comment.objects.update(created_at=then)
    ImportJob.objects.update(created_at=then)
    ExportJob.objects.update(created_at=then)
    WebhookDelivery.objects.update(created_at=then)
    Notification.objects.update(created_at=then)


@pytest.mark.django_db
def test_the_sweeps_run_what_the_outage_left_once_the_broker_is_back(
    cut, creator, reported, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    """In-process: the same sweeps the beat runs, with the broker back (eager here; the worker
    test below does it through Redis)."""
    factories.WebhookEndpointFactory(team=cut.video.team, url=receiver.url, events=EVENTS)
    cut2 = factories.CutFactory(video=cut.video, number=2, duration_s=cut.duration_s)
    monkeypatch.setattr(io_jobs, "EXPORT_INLINE_MAX_ERRATA", 0)
    with monkeypatch.context() as outage:
        dead_broker(outage)
        with django_capture_on_commit_callbacks(execute=True):
            comment = factories.CommentFactory(cut=cut, text="At 1:00 'nueron'.")
            job = io_jobs.export_job_create(cut=cut, user=creator, fmt="md")
            _api(creator).post(f"/api/errata/{reported.pk}/fix/", {"fixed_in_cut": cut2.pk})
    _age_everything()
    assert comments_sweep_untriaged(older_than_s=0) == 1
    assert io_jobs.jobs_sweep(older_than_s=0) == 1
    assert deliveries_sweep(older_than_s=0) == 2
    assert notifications_sweep() == 1

    comment.refresh_from_db()
    assert comment.triage_state == "done"
    assert ExportJob.objects.get(pk=job.pk).status == "done"
    assert sorted(r.headers["X-Errata-Event"] for r in receiver.requests) == [
        "erratum.fixed",
        "erratum.status_changed",
    ]
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    # A second sweep finds nothing left to do: nothing runs twice.
    assert deliveries_sweep(older_than_s=0) == 0
    assert io_jobs.jobs_sweep(older_than_s=0) == 0


# --- the whole round trip on the real broker and worker (CI) ---------------------------------


def _wait_for(check, *, seconds: float = 45) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_after_a_broker_outage_the_real_worker_runs_every_kind_of_work_once(
    cut, creator, review_link, patron, receiver, monkeypatch, celery_worker
):
    cut2 = factories.CutFactory(video=cut.video, number=2, duration_s=cut.duration_s)
    reported = erratum_create_from_findings(
        finding_ids=[
            factories.FindingFactory(
                comment=factories.CommentFactory(
                    cut=cut,
                    reviewer=patron,
                    review_link=review_link,
                    text="At 5:58 'mabye'.",
                    triage_state="done",
                ),
                timestamp_s=358,
            ).pk
        ],
        title="Typo: “mabye”",
    )
    factories.WebhookEndpointFactory(team=cut.video.team, url=receiver.url, events=EVENTS)
    monkeypatch.setattr(io_jobs, "IMPORT_INLINE_MAX_BYTES", 10)
    monkeypatch.setattr(io_jobs, "EXPORT_INLINE_MAX_ERRATA", 0)
    api = _api(creator)
    with monkeypatch.context() as outage:
        dead_broker(outage)
        posted = APIClient().post(
            "/api/comments/",
            {"text": "At 6:03 'mabye' is misspelled.", "author_name": "Ben"},
            format="json",
            HTTP_AUTHORIZATION=f"ReviewLink {review_link.token}",
        )
        upload = SimpleUploadedFile("comments.csv", CSV.encode(), content_type="text/csv")
        imported = api.post(
            f"/api/cuts/{cut.pk}/import/", {"format": "csv", "file": upload}, format="multipart"
        )
        exported = api.get(f"/api/cuts/{cut.pk}/export/?format=md")
        fixed = api.post(f"/api/errata/{reported.pk}/fix/", {"fixed_in_cut": cut2.pk})
    assert [r.status_code for r in (posted, imported, exported, fixed)] == [201, 202, 202, 200]
    before = {
        "comments pending": Comment.objects.filter(triage_state="pending").count(),
        "imports queued": ImportJob.objects.filter(status="queued").count(),
        "exports queued": ExportJob.objects.filter(status="queued").count(),
        "deliveries pending": WebhookDelivery.objects.filter(status="pending").count(),
        "notifications pending": Notification.objects.filter(state="pending").count(),
    }
    assert before == {
        "comments pending": 1,
        "imports queued": 1,
        "exports queued": 1,
        "deliveries pending": 3,
        "notifications pending": 1,
    }
    assert receiver.requests == []

    # The broker is back: the beat's sweeps, run now, hand everything to the real worker.
    _age_everything()
    assert comments_sweep_untriaged(older_than_s=0) == 1
    assert io_jobs.jobs_sweep(older_than_s=0) == 2
    assert deliveries_sweep(older_than_s=0) == 3
    assert notifications_sweep() == 1

    assert _wait_for(lambda: not Comment.objects.filter(triage_state="pending").exists())
    assert _wait_for(lambda: ImportJob.objects.filter(status="done").count() == 1)
    assert _wait_for(lambda: ExportJob.objects.filter(status="done").count() == 1)
    assert _wait_for(lambda: WebhookDelivery.objects.filter(status="succeeded").count() == 3)
    assert _wait_for(lambda: Notification.objects.filter(state="sent").count() == 1)
    assert Finding.objects.filter(comment__text="At 6:03 'mabye' is misspelled.").exists()
    assert ImportJob.objects.get().added == 2
    # Each delivery reached the receiver exactly once.
    assert len(receiver.requests) == 3
    assert len({r.headers["X-Errata-Delivery"] for r in receiver.requests}) == 3
