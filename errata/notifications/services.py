"""Closing the loop: who hears about what, by email.

Patrons. The reporters of an erratum (fixes.reporters) who left an address hear when it is
fixed, verified, or closed as not an error: one message each, however many of their findings it
covers, with a link to their reports and a one-click unsubscribe. Won't-fix is not announced.

Every message is first a Notification row, unique per (event_key, recipient): noticing an event
twice makes no second row. The send task claims the row (a row lock; the state set to sent in the
same transaction as the send), so a retried or re-delivered task never sends it again. The one gap
left is a worker dying after the SMTP server accepted the message and before the commit; the
retry then sends it again with the same Message-ID, which mail clients fold into one.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from errata.core.bulk import rows_delete
from errata.core.queue import enqueue_each, publish
from errata.core.text import shorten
from errata.fixes.reporters import Reporter, erratum_reporters
from errata.models import (
    Cut,
    Erratum,
    Finding,
    Invitation,
    Membership,
    Notification,
    Reviewer,
)
from errata.notifications.links import (
    UnsubscribeTarget,
    absolute_url,
    reports_url,
    unsubscribe_url,
)
from errata.reviews.selectors import review_link_for_video
from errata.triage.timestamps import format_time

logger = logging.getLogger(__name__)

SEND_TASK = "errata.send_notification"
# How much of a comment a message quotes.
DIGEST_EXCERPT_CHARS = 280
# The statuses a reporter hears about.
NOTIFIED_STATUSES = (
    Erratum.Status.FIXED,
    Erratum.Status.VERIFIED,
    Erratum.Status.NOT_AN_ERROR,
)


# The sweep re-queues messages pending longer than this (their task was lost: the broker was
# down, a worker died) and gives up on those older than a day.
SWEEP_GIVE_UP_AFTER = timedelta(days=1)


def _one_line(text: str) -> str:
    # A header cannot hold a line break (Django refuses it); titles are typed by people.
    return shorten(text, 250)


def unsubscribe_apply(*, target: UnsubscribeTarget) -> None:
    """Stop the mail a token names. Idempotent: a second click changes nothing."""
    if target.reviewer is not None:
        reviewer_unsubscribe(reviewer=target.reviewer)
    else:
        membership_digest_set(membership=target.membership, digest=Membership.Digest.OFF)


def reviewer_unsubscribe(*, reviewer: Reviewer) -> int:
    """No more mail to this patron's address: every reviewer with the same address (the same
    person commenting as a guest on two links) is unsubscribed, and so is their pending mail.
    Returns how many reviewers changed."""
    now = timezone.now()
    with transaction.atomic():
        same_person = Reviewer.objects.filter(pk=reviewer.pk)
        if reviewer.email.strip():
            same_person = Reviewer.objects.annotate(address=Lower("email")).filter(
                Q(pk=reviewer.pk) | Q(address=reviewer.email.strip().lower())
            )
        changed = Reviewer.objects.filter(
            pk__in=same_person.values("pk"), unsubscribed_at__isnull=True
        ).update(unsubscribed_at=now)
        if reviewer.email.strip():
            Notification.objects.filter(
                recipient=reviewer.email.strip().lower(),
                kind=Notification.Kind.ERRATUM_STATUS,
                state=Notification.State.PENDING,
            ).update(state=Notification.State.SKIPPED, last_error="unsubscribed")
    reviewer.refresh_from_db(fields=["unsubscribed_at"])
    return changed


def membership_digest_set(*, membership: Membership, digest: str) -> Membership:
    """A member's choice: immediate, daily or off. Turning it back on starts from now, so the
    first digest after a pause is not everything that happened while it was off."""
    if digest not in Membership.Digest.values:
        raise ValueError(f"Unknown digest preference {digest!r}.")
    with transaction.atomic():
        current = Membership.objects.select_for_update().get(pk=membership.pk)
        if current.digest != digest:
            update: dict = {"digest": digest}
            if current.digest == Membership.Digest.OFF:
                update["last_digest_at"] = timezone.now()
            Membership.objects.filter(pk=current.pk).update(**update)
        if digest == Membership.Digest.OFF:
            Notification.objects.filter(
                membership=current, state=Notification.State.PENDING
            ).update(state=Notification.State.SKIPPED, last_error="digest turned off")
    membership.refresh_from_db(fields=["digest", "last_digest_at"])
    return membership


def unsubscribed_addresses(addresses: Iterable[str]) -> set[str]:
    """The addresses (lower-cased) that asked for no more mail through any of their reviewers."""
    addresses = {a for a in addresses if a}
    if not addresses:
        return set()
    return set(
        Reviewer.objects.annotate(address=Lower("email"))
        .filter(address__in=addresses, unsubscribed_at__isnull=False)
        .values_list("address", flat=True)
    )


def erratum_recipients(*, erratum: Erratum) -> tuple[list[Reporter], int]:
    """The reporters to tell about an erratum (those with an address who did not unsubscribe),
    by address, and how many people reported it in all."""
    everyone = erratum_reporters(erratum=erratum)
    addressed = [r for r in everyone if r.email]
    gone = unsubscribed_addresses(r.email for r in addressed)
    recipients = [r for r in addressed if r.email not in gone]
    if any(r.review_link is None for r in recipients):
        # Their reports page opens on a link to the video even if they came through none (a
        # me-too, an import).
        fallback = review_link_for_video(video_id=erratum.video_id)
        for reporter in recipients:
            reporter.review_link = reporter.review_link or fallback
    return sorted(recipients, key=lambda r: r.email), len(everyone)


def erratum_event_key(*, erratum: Erratum, status: str) -> str:
    """The news, not the click: fixed in cut 3 is told once however often the erratum is
    reopened and fixed in cut 3 again; fixed in cut 4 later is new news."""
    if status in (Erratum.Status.FIXED, Erratum.Status.VERIFIED):
        return f"erratum:{erratum.pk}:{status}:cut:{erratum.fixed_in_cut_id}"
    return f"erratum:{erratum.pk}:{status}"


def _cut_name(cut: Cut | None) -> str:
    if cut is None:
        return ""
    return f"cut {cut.number}" + (f" ({cut.label})" if cut.label else "")


def _erratum_message(erratum: Erratum, reporter: Reporter, others: int) -> dict:
    def item(finding: Finding) -> dict:
        return {
            "time": format_time(finding.timestamp_s) if finding.timestamp_s is not None else "",
            "text": shorten(finding.text, DIGEST_EXCERPT_CHARS),
        }

    unsubscribe = unsubscribe_url(reviewer=reporter.reviewer)
    context = {
        "erratum": erratum,
        "status": erratum.status,
        "video": erratum.video,
        "found_in": _cut_name(erratum.found_in_cut),
        "fixed_in": _cut_name(erratum.fixed_in_cut),
        "name": reporter.name,
        "reports": [item(f) for f in reporter.reports],
        "me_toos": [item(f) for f in reporter.me_toos],
        "others": others,
        "reports_url": (
            reports_url(review_link=reporter.review_link, reviewer=reporter.reviewer)
            if reporter.review_link
            else ""
        ),
        "unsubscribe_url": unsubscribe,
    }
    subject, text, html = render_message("erratum_status", context)
    return {
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "unsubscribe_url": unsubscribe,
    }


def render_message(name: str, context: dict, *, language: str = "") -> tuple[str, str, str]:
    """Subject, text and HTML of a message, in the recipient's language when they chose one
    (a member's User.language), else the site's."""
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        context = {**context, "LANGUAGE_CODE": language}
        subject = _one_line(render_to_string(f"emails/{name}_subject.txt", context))
        text = render_to_string(f"emails/{name}_body.txt", context).strip() + "\n"
        html = render_to_string(f"emails/{name}_body.html", context)
    return subject, text, html


def erratum_notifications_create(*, erratum_id: int, status: str) -> list[int]:
    """Store one message per reporter about an erratum's new status, then queue them. Idempotent:
    a second call for the same news adds nothing (and re-queues what is still pending, which the
    send task ignores once it went). Stale news is dropped: if the erratum has moved on (reopened,
    merged) by the time this runs, nobody is told. Returns the pending notifications' ids."""
    if status not in NOTIFIED_STATUSES:
        return []
    erratum = (
        Erratum.objects.select_related("video", "found_in_cut", "fixed_in_cut")
        .filter(pk=erratum_id)
        .first()
    )
    if erratum is None or erratum.status != status or erratum.merged_into_id:
        return []
    reporters, people = erratum_recipients(erratum=erratum)
    if not reporters:
        return []
    key = erratum_event_key(erratum=erratum, status=status)
    rows = [
        Notification(
            kind=Notification.Kind.ERRATUM_STATUS,
            event_key=key,
            recipient=reporter.email,
            reviewer=reporter.reviewer,
            erratum=erratum,
            **_erratum_message(erratum, reporter, others=max(people - 1, 0)),
        )
        for reporter in reporters
    ]
    with transaction.atomic():
        # The unique (event_key, recipient) constraint makes a second run, or a racing one, add
        # nothing.
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        pending = list(
            Notification.objects.filter(
                event_key=key,
                recipient__in=[r.email for r in reporters],
                state=Notification.State.PENDING,
            ).values_list("pk", flat=True)
        )
        enqueue_each(SEND_TASK, pending)
    return pending


def invitation_notification_create(*, invitation_id: int) -> int | None:
    """Store and queue the mail of an invitation: who invites whom to which team, in what role,
    until when, and the link to accept or decline. Once per token (a renewed invitation has a
    new one, and is mailed again). None when the invitation is no longer open."""
    invitation = (
        Invitation.objects.select_related("team", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.is_open():
        return None
    context = {
        "invitation": invitation,
        "team": invitation.team,
        "inviter": str(invitation.invited_by) if invitation.invited_by else "",
        "role": "an owner" if invitation.role == "owner" else "a member",
        "url": absolute_url(reverse("errata:invitation", args=[invitation.token])),
    }
    subject, text, html = render_message("invitation", context)
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            event_key=f"invitation:{invitation.pk}:{invitation.token[:16]}",
            recipient=invitation.email,
            defaults={
                "kind": Notification.Kind.INVITATION,
                "subject": subject,
                "body_text": text,
                "body_html": html,
            },
        )
        if created:
            enqueue_each(SEND_TASK, [notification.pk])
    return notification.pk


def notifications_queue(*, notification_ids: Iterable[int]) -> int:
    """Queue the sending of these notifications now; stops at the first the broker refuses (the
    rest stay pending for notifications_sweep). Returns how many were queued."""
    queued = 0
    for notification_id in notification_ids:
        if not publish(SEND_TASK, notification_id):
            break
        queued += 1
    return queued


def _message_id(notification: Notification) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "errata.localhost"
    return f"<errata.notification.{notification.pk}@{domain}>"


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    """The email for a stored notification: plain text with an HTML alternative, and the
    headers that let mail clients offer unsubscribing (RFC 2369 and RFC 8058 one-click)."""
    headers = {
        # The same id on every attempt: should a retry ever repeat a message, clients fold it.
        "Message-ID": _message_id(notification),
        # RFC 3834: no vacation auto-replies to a notification.
        "Auto-Submitted": "auto-generated",
    }
    if notification.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{notification.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
        headers=headers,
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    return message


def _still_wanted(notification: Notification) -> bool:
    if notification.kind == Notification.Kind.INVITATION:
        # Asked for by an owner, to an address that has no account yet: no unsubscribing.
        return True
    if notification.kind == Notification.Kind.ERRATUM_STATUS:
        return not unsubscribed_addresses([notification.recipient])
    membership = notification.membership
    return membership is not None and membership.digest != Membership.Digest.OFF


# Errors of the mail server or the network that may pass; everything else is a bug or a refusal
# that a retry would only repeat.
TRANSIENT_SMTP_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
)


SMTP_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


def smtp_error_is_transient(error: BaseException) -> bool:
    """Network trouble and 4xx replies pass; 5xx replies (a refused address, bad credentials)
    do not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, TRANSIENT_SMTP_ERRORS):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return False


def notification_send(*, notification_id: int) -> str:
    """Send one stored notification, at most once. The row is locked and marked sent in the same
    transaction as the send: if sending raises, the transaction rolls back and the row is
    pending again for the retry; once it committed, a re-delivered task finds it sent and does
    nothing. A second worker holding the lock makes this one skip the row. Returns what
    happened: "sent", "skipped" (unsubscribed meanwhile) or "done" (nothing left to do)."""
    with transaction.atomic():
        notification = (
            # of=self: the membership join is nullable, and only this row needs the lock.
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("membership")
            .filter(pk=notification_id, state=Notification.State.PENDING)
            .first()
        )
        if notification is None:
            return "done"
        if not _still_wanted(notification):
            Notification.objects.filter(pk=notification.pk).update(
                state=Notification.State.SKIPPED, last_error="unsubscribed"
            )
            return "skipped"
        now = timezone.now()
        notification.attempts += 1
        Notification.objects.filter(pk=notification.pk).update(
            state=Notification.State.SENT, sent_at=now, attempts=notification.attempts
        )
        # Last: only the commit is left after this, so a failure here rolls everything back.
        notification_message(notification).send()
    return "sent"


def notification_record_failure(*, notification_id: int, error: BaseException, final: bool) -> None:
    """Count a failed attempt (the send's own transaction was rolled back) and, when it was the
    last one, give the row up as failed so the sweep leaves it alone."""
    update: dict = {"last_error": f"{type(error).__name__}: {error}"[:2000]}
    if final:
        update["state"] = Notification.State.FAILED
    with transaction.atomic():
        row = Notification.objects.select_for_update().filter(
            pk=notification_id, state=Notification.State.PENDING
        )
        current = row.values_list("attempts", flat=True).first()
        if current is None:
            return
        row.update(attempts=current + 1, **update)


def notifications_sweep(*, now: datetime | None = None) -> int:
    """Queue again what has been pending too long (its task was lost). Sending is idempotent, so
    a notification whose task is only late is harmless to queue twice."""
    now = now or timezone.now()
    stale = list(
        Notification.objects.filter(
            state=Notification.State.PENDING,
            created_at__lte=now - timedelta(seconds=settings.NOTIFICATION_SWEEP_AFTER_SECONDS),
            created_at__gte=now - SWEEP_GIVE_UP_AFTER,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    return notifications_queue(notification_ids=stale)


def notifications_expire(*, now: datetime | None = None) -> int:
    """Delete notifications sent, skipped or failed more than RETENTION_NOTIFICATIONS_DAYS ago.
    (Each row also stops its event from being told twice: an event is not told again that
    long after.) Pending ones stay."""
    now = now or timezone.now()
    return rows_delete(
        Notification.objects.filter(
            state__in=(
                Notification.State.SENT,
                Notification.State.SKIPPED,
                Notification.State.FAILED,
            ),
            created_at__lt=now - timedelta(days=settings.RETENTION_NOTIFICATIONS_DAYS),
        )
    )
