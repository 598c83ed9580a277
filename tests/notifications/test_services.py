"""Reporters hear back: one message per person when an erratum they reported (or said "me too"
to) is fixed, verified or closed as not an error; idempotent by event and recipient; retried on
transient SMTP errors without duplicates; stopped by a one-click unsubscribe."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email import message_from_string, policy

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from errata.fixes.services import (
    erratum_add_findings,
    erratum_create_from_findings,
    erratum_transition,
)
from errata.models import Notification, Reviewer
from errata.notifications import services as notification_services
from errata.notifications.links import reports_token, unsubscribe_token, unsubscribe_url
from errata.notifications.services import (
    erratum_notifications_create,
    notification_send,
    notifications_sweep,
    reviewer_unsubscribe,
    smtp_error_is_transient,
)
from errata.tasks import send_notification_task
from reviewapp.celery import app as celery_app
from tests import factories

pytestmark = pytest.mark.django_db


def _report(cut, reviewer, texts, *, review_link=None, times=None):
    """One comment by `reviewer` whose findings say `texts` (three points in one comment)."""
    comment = factories.CommentFactory(
        cut=cut,
        reviewer=reviewer,
        text=" ".join(texts),
        review_link=review_link,
        triage_state="done",
    )
    times = times or [None] * len(texts)
    return [
        factories.FindingFactory(comment=comment, position=i, text=text, timestamp_s=time)
        for i, (text, time) in enumerate(zip(texts, times, strict=True))
    ]


@pytest.fixture
def cut2(cut):
    return factories.CutFactory(video=cut.video, number=2, duration_s=1160, label="fixed")


@pytest.fixture
def three_of_adas(cut, patron, review_link):
    """Ada's one comment makes three findings about the same misspelling."""
    return _report(
        cut,
        patron,
        ["“mabye” at 5:58", "and again “mabye” at 6:00", "the caption says mabye too"],
        review_link=review_link,
        times=[358, 360, 361],
    )


@pytest.fixture
def erratum(three_of_adas, creator):
    return erratum_create_from_findings(
        finding_ids=[f.pk for f in three_of_adas], actor=creator, title="Typo: “mabye”"
    )


def _transition(erratum, capture, **kwargs):
    with capture(execute=True):
        return erratum_transition(erratum=erratum, **kwargs)


def test_a_fix_that_covers_three_findings_of_one_patron_sends_that_patron_one_message(
    erratum, cut2, creator, django_capture_on_commit_callbacks
):
    assert mail.outbox == []
    _transition(
        erratum,
        django_capture_on_commit_callbacks,
        status="fixed",
        fixed_in_cut=cut2,
        actor=creator,
        fix_note="Respelled as maybe.",
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "Fixed: Typo: “mabye” (Neural networks)"
    assert "fixed in cut 2 (fixed)" in message.body
    assert "Respelled as maybe." in message.body
    # All three of her points are listed in the one message.
    for point in ("5:58", "6:00", "6:01", "the caption says mabye too"):
        assert point in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert "Typo: “mabye”" in html
    row = Notification.objects.get()
    assert (row.state, row.attempts, row.recipient) == ("sent", 1, "ada@example.com")


def test_every_reporter_with_an_address_hears_once_and_those_without_none(
    cut, erratum, cut2, review_link, django_capture_on_commit_callbacks
):
    bob = factories.ReviewerFactory(display_name="Bob", email="Bob@Example.com")
    anonymous = factories.ReviewerFactory(display_name="No Mail", email="")
    factories.MeTooFactory(finding=erratum.findings.first(), reviewer=bob)
    factories.MeTooFactory(finding=erratum.findings.last(), reviewer=bob)
    no_mail_finding = _report(cut, anonymous, ["mabye!"])[0]
    erratum_add_findings(erratum=erratum, finding_ids=[no_mail_finding.pk])
    # The same Ada again, as a guest on another link with her address in capitals.
    ada_again = factories.ReviewerFactory(display_name="Ada", email="ADA@example.com")
    erratum_add_findings(
        erratum=erratum, finding_ids=[_report(cut, ada_again, ["mabye at 6:03"])[0].pk]
    )

    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)

    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.com", "bob@example.com"]
    to_bob = next(m for m in mail.outbox if m.to == ["bob@example.com"])
    assert 'What you said "me too" to' in to_bob.body
    assert "What you wrote" not in to_bob.body
    # Ada, Bob, the patron without an address: three people, each told of the other two.
    assert "together with 2 other people" in to_bob.body


def test_no_email_address_no_mail(cut, cut2, django_capture_on_commit_callbacks):
    nameless = factories.ReviewerFactory(display_name="Quiet", email="")
    findings = _report(cut, nameless, ["mabye at 5:58"])
    erratum = erratum_create_from_findings(finding_ids=[f.pk for f in findings])
    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_verified_and_not_an_error_are_told_and_other_statuses_are_not(
    erratum, cut2, django_capture_on_commit_callbacks
):
    _transition(erratum, django_capture_on_commit_callbacks, status="accepted")
    assert mail.outbox == []
    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)
    _transition(erratum, django_capture_on_commit_callbacks, status="verified")
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Fixed", "Fix checked"]

    _transition(erratum, django_capture_on_commit_callbacks, status="accepted")
    _transition(
        erratum,
        django_capture_on_commit_callbacks,
        status="not_an_error",
        reason="“mabye” is the character's accent; it is on purpose.",
    )
    assert len(mail.outbox) == 3
    closed = mail.outbox[2]
    assert closed.subject.startswith("Not an error:")
    assert "Why: “mabye” is the character's accent; it is on purpose." in closed.body


def test_wontfix_is_not_announced(erratum, django_capture_on_commit_callbacks):
    _transition(erratum, django_capture_on_commit_callbacks, status="wontfix", reason="Too costly.")
    assert mail.outbox == []


def test_the_same_news_is_told_once_even_if_the_erratum_is_reopened_and_fixed_again(
    erratum, cut2, django_capture_on_commit_callbacks
):
    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)
    _transition(erratum, django_capture_on_commit_callbacks, status="accepted")
    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)
    assert len(mail.outbox) == 1
    # Fixed in a later cut is new news.
    cut3 = factories.CutFactory(video=erratum.video, number=3, duration_s=1160)
    _transition(erratum, django_capture_on_commit_callbacks, status="accepted")
    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut3)
    assert len(mail.outbox) == 2


def test_noticing_the_same_event_twice_makes_no_second_message(
    erratum, cut2, django_capture_on_commit_callbacks
):
    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)
    with django_capture_on_commit_callbacks(execute=True):
        again = erratum_notifications_create(erratum_id=erratum.pk, status="fixed")
    assert again == []
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_stale_news_is_dropped(erratum, cut2, django_capture_on_commit_callbacks):
    """The task runs late and the erratum was reopened meanwhile: nobody is told "fixed"."""
    erratum_transition(erratum=erratum, status="fixed", fixed_in_cut=cut2)
    erratum_transition(erratum=erratum, status="accepted")
    with django_capture_on_commit_callbacks(execute=True):
        made = erratum_notifications_create(erratum_id=erratum.pk, status="fixed")
    assert made == []
    assert mail.outbox == []


# --- Sending: retries and no duplicates ---------------------------------------------------------


class FlakyBackend(EmailBackend):
    """The in-memory backend, except that the first `failures` sends raise `error`."""

    failures = 0
    error: Exception = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    attempts = 0

    def send_messages(self, messages):
        type(self).attempts += 1
        if type(self).failures > 0:
            type(self).failures -= 1
            raise type(self).error
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    """A flaky mail server, and eager tasks that retry the way a worker does: with errors not
    propagated, Celery applies the retry at once (without the countdown) with retries + 1."""
    settings.EMAIL_BACKEND = "tests.notifications.test_services.FlakyBackend"
    FlakyBackend.failures, FlakyBackend.attempts = 0, 0
    FlakyBackend.error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield FlakyBackend
    celery_app.conf.task_eager_propagates = previous


def test_a_retried_task_after_a_failure_sends_no_duplicate(
    cut, erratum, cut2, flaky, django_capture_on_commit_callbacks
):
    """Three reporters; the mail server drops the first connection. The failed message is
    retried (eagerly here) and goes once; the other two go once; running every task again, as a
    re-delivery after a crash would, sends nothing more."""
    for name in ("Bob", "Cleo"):
        reviewer = factories.ReviewerFactory(display_name=name)
        factories.MeTooFactory(finding=erratum.findings.first(), reviewer=reviewer)
    flaky.failures = 1

    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)

    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@example.com",
        "bob@example.com",
        "cleo@example.com",
    ]
    assert flaky.attempts == 4
    rows = list(Notification.objects.order_by("recipient"))
    assert [r.state for r in rows] == ["sent"] * 3
    assert sorted(r.attempts for r in rows) == [1, 1, 2]
    assert "SMTPServerDisconnected" in next(r for r in rows if r.attempts == 2).last_error

    for row in rows:
        assert send_notification_task.apply(args=[row.pk]).get() == "done"
    assert len(mail.outbox) == 3


def test_a_message_the_server_refuses_for_good_is_not_retried(
    erratum, cut2, flaky, django_capture_on_commit_callbacks
):
    flaky.failures = 1
    flaky.error = smtplib.SMTPRecipientsRefused({"ada@example.com": (550, b"No such user")})
    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)
    assert mail.outbox == []
    assert flaky.attempts == 1
    row = Notification.objects.get()
    assert (row.state, row.attempts) == ("failed", 1)
    assert "No such user" in row.last_error


def test_a_mail_server_down_for_good_is_given_up_after_the_last_retry(
    erratum, cut2, flaky, django_capture_on_commit_callbacks
):
    flaky.failures = 100
    flaky.error = ConnectionRefusedError(111, "Connection refused")
    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)
    row = Notification.objects.get()
    assert row.state == "failed"
    assert row.attempts == send_notification_task.max_retries + 1
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (smtplib.SMTPServerDisconnected("gone"), True),
        (smtplib.SMTPConnectError(421, b"busy"), True),
        (TimeoutError("timed out"), True),
        (ConnectionResetError(104, "reset"), True),
        (smtplib.SMTPDataError(451, b"try later"), True),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"greylisted")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}), False),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False),
        (smtplib.SMTPSenderRefused(553, b"not yours", "errata@example.com"), False),
    ],
)
def test_only_network_trouble_and_4xx_replies_are_transient(error, transient):
    assert smtp_error_is_transient(error) is transient


def test_the_sweep_queues_again_what_a_lost_task_left_pending(
    erratum, cut2, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(send_notification_task, "apply_async", broker_down)
        _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)
    assert mail.outbox == []
    row = Notification.objects.get()
    assert row.state == "pending"

    assert notifications_sweep(now=row.created_at) == 0  # too recent to be lost
    later = row.created_at + timedelta(seconds=settings.NOTIFICATION_SWEEP_AFTER_SECONDS)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_sweep(now=later) == 1
    assert len(mail.outbox) == 1


def test_the_news_is_stored_even_when_the_broker_is_down(
    erratum, cut2, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from errata.tasks import notify_erratum_status_task, send_notification_task

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(notify_erratum_status_task, "apply_async", broker_down)
    monkeypatch.setattr(send_notification_task, "apply_async", broker_down)
    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)
    assert Notification.objects.get().state == "pending"


# --- Headers and unsubscribing ------------------------------------------------------------------


def test_each_message_carries_one_click_unsubscribe_headers_and_a_stable_message_id(
    erratum, cut2, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://errata.example.com"
    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)
    message = mail.outbox[0]
    # Parsed as a mail client would (long headers are folded on the wire).
    parsed = message_from_string(message.message().as_string(), policy=policy.default)
    unsubscribe = parsed["List-Unsubscribe"].strip()
    assert unsubscribe.startswith("<https://errata.example.com/unsubscribe/")
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["Auto-Submitted"] == "auto-generated"
    row = Notification.objects.get()
    assert parsed["Message-ID"] == f"<errata.notification.{row.pk}@errata.example.com>"
    assert unsubscribe.strip("<>") in message.body
    # And a link to what became of all her reports, on the link she commented through.
    assert (
        f"https://errata.example.com/r/{erratum.findings.first().comment.review_link.token}/mine/?k="
        in message.body
    )


def test_unsubscribe_stops_further_mail(
    client, cut, erratum, cut2, django_capture_on_commit_callbacks
):
    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)
    assert len(mail.outbox) == 1
    unsubscribe = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")

    # A mail client's one-click POST, without a session or a CSRF token.
    csrf_client = type(client)(enforce_csrf_checks=True)
    response = csrf_client.post(
        unsubscribe,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert Reviewer.objects.get(email="ada@example.com").unsubscribed_at is not None

    _transition(erratum, django_capture_on_commit_callbacks, status="verified")
    other = erratum_create_from_findings(
        finding_ids=[
            f.pk for f in _report(cut, Reviewer.objects.get(email="ada@example.com"), ["x at 1:00"])
        ]
    )
    _transition(other, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)
    assert len(mail.outbox) == 1


def test_unsubscribing_covers_every_guest_with_that_address_and_pending_mail(
    cut, erratum, cut2, monkeypatch, django_capture_on_commit_callbacks
):
    ada_again = factories.ReviewerFactory(display_name="Ada L.", email="Ada@Example.com")
    # The messages are stored but never handed to the broker.
    monkeypatch.setattr(notification_services, "enqueue_each", lambda task_name, ids: None)
    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)
    assert Notification.objects.get().state == "pending"

    reviewer_unsubscribe(reviewer=ada_again)

    assert not Reviewer.objects.filter(unsubscribed_at__isnull=True).exists()
    assert Notification.objects.get().state == "skipped"


def test_a_message_queued_before_unsubscribing_is_not_sent(
    erratum, cut2, patron, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        notification_services, "enqueue_each", lambda task_name, ids: queued.extend(ids)
    )
    _transition(erratum, django_capture_on_commit_callbacks, status="fixed", fixed_in_cut=cut2)
    Reviewer.objects.filter(pk=patron.pk).update(unsubscribed_at="2030-01-01T00:00:00Z")
    assert notification_send(notification_id=queued[0]) == "skipped"
    assert mail.outbox == []


def test_the_unsubscribe_page_asks_first_and_a_get_changes_nothing(client, patron):
    url = unsubscribe_url(reviewer=patron)
    response = client.get(url)
    assert response.status_code == 200
    assert b"Unsubscribe?" in response.content
    assert b"ada@example.com" in response.content
    patron.refresh_from_db()
    assert patron.unsubscribed_at is None

    assert b"You are unsubscribed" in client.post(url).content
    assert b"already unsubscribed" in client.get(url).content


def test_a_forged_or_mangled_unsubscribe_link_changes_nothing(client, patron):
    token = unsubscribe_token(reviewer=patron)
    for bad in (token[:-2] + "xx", "not-a-token", token.replace(":", ".")):
        response = client.post(f"/unsubscribe/{bad}/")
        assert response.status_code == 404
        assert b"does not work" in response.content
    patron.refresh_from_db()
    assert patron.unsubscribed_at is None
    # A reports token is not an unsubscribe token.
    response = client.post(f"/unsubscribe/{reports_token(reviewer=patron)}/")
    assert response.status_code == 404
