"""Closing the loop: who hears about what, by email.

Patrons. The reporters of an erratum are the authors of its findings' comments and the people who
said "me too" to one of them. When the erratum is fixed, verified, or closed as not an error, each
reporter who left an email address gets one message, however many of their findings it covers:
reporters are grouped by address (one person may have commented as a guest on two links). Each
message links to their reports ("my reports" on the review link) and carries a one-click
unsubscribe. Won't-fix is not announced (the issue asks for fixed, verified and not an error).

Team members. A digest of the patron comments triaged since their last one, per cut, with the
findings triage made of them: once a day (the beat's `errata.digest_daily`), soon after comments
arrive (immediate), or never (off); only when there is something new.

Every message is first a Notification row, unique per (event_key, recipient): noticing an event
twice makes no second row. The send task claims the row (a row lock; the state set to sent in the
same transaction as the send), so a retried or re-delivered task never sends it again. The one gap
left is a worker dying after the SMTP server accepted the message and before the commit; the
retry then sends it again with the same Message-ID, which mail clients fold into one.
"""

from __future__ import annotations

import logging
import smtplib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from errata import selectors, signals
from errata.models import (
    Comment,
    Cut,
    Erratum,
    Finding,
    Membership,
    Notification,
    Reviewer,
    ReviewLink,
)
from errata.triage.timestamps import format_time

logger = logging.getLogger(__name__)

# The statuses a reporter hears about.
NOTIFIED_STATUSES = (
    Erratum.Status.FIXED,
    Erratum.Status.VERIFIED,
    Erratum.Status.NOT_AN_ERROR,
)
UNSUBSCRIBE_SALT = "errata.notifications.unsubscribe"
REPORTS_SALT = "errata.notifications.reports"
# A digest lists this many comments per cut in full and counts the rest; a busy day's digest
# stays readable, and the inbox link has them all.
DIGEST_COMMENTS_PER_CUT = 25
DIGEST_EXCERPT_CHARS = 280
# The sweep re-queues messages pending longer than this (their task was lost: the broker was
# down, a worker died) and gives up on those older than a day.
SWEEP_AFTER = timedelta(minutes=10)
SWEEP_GIVE_UP_AFTER = timedelta(days=1)


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _excerpt(text: str, limit: int = DIGEST_EXCERPT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _one_line(text: str) -> str:
    # A header cannot hold a line break (Django refuses it); titles are typed by people.
    return " ".join(text.split())[:250]


# --- Signed links: unsubscribe and "my reports" -------------------------------------------------


def unsubscribe_token(
    *, reviewer: Reviewer | None = None, membership: Membership | None = None
) -> str:
    """A signed, non-expiring token naming whose mail stops: a patron (by reviewer key) or one
    team membership's digest. Signed, not stored: nothing to look up but the signature."""
    if reviewer is not None:
        payload = {"reviewer": str(reviewer.key)}
    elif membership is not None:
        payload = {"membership": membership.pk}
    else:
        raise ValueError("Name a reviewer or a membership.")
    return signing.dumps(payload, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(
    *, reviewer: Reviewer | None = None, membership: Membership | None = None
) -> str:
    token = unsubscribe_token(reviewer=reviewer, membership=membership)
    return _absolute(reverse("errata:unsubscribe", args=[token]))


@dataclass(frozen=True)
class UnsubscribeTarget:
    """Whose mail an unsubscribe link stops."""

    reviewer: Reviewer | None = None
    membership: Membership | None = None

    @property
    def done(self) -> bool:
        if self.reviewer is not None:
            return self.reviewer.unsubscribed_at is not None
        return self.membership.digest == Membership.Digest.OFF

    @property
    def what(self) -> str:
        if self.reviewer is not None:
            return "news about the reports you made"
        return f"the digest of new comments for {self.membership.team.name}"

    @property
    def address(self) -> str:
        if self.reviewer is not None:
            return self.reviewer.email
        return self.membership.user.email


def unsubscribe_target(token: str) -> UnsubscribeTarget | None:
    """The target of a token, or None for a forged, mangled or outdated one."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    if "reviewer" in payload:
        reviewer = Reviewer.objects.filter(key=payload["reviewer"]).first()
        return UnsubscribeTarget(reviewer=reviewer) if reviewer else None
    if "membership" in payload:
        membership = (
            Membership.objects.select_related("team", "user")
            .filter(pk=payload["membership"])
            .first()
        )
        return UnsubscribeTarget(membership=membership) if membership else None
    return None


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


def reports_token(*, reviewer: Reviewer) -> str:
    """Proof, carried in a link we mailed, that the bearer may read this reviewer's reports."""
    return signing.dumps({"reviewer": str(reviewer.key)}, salt=REPORTS_SALT)


def reviewer_from_reports_token(token: str) -> Reviewer | None:
    try:
        payload = signing.loads(token, salt=REPORTS_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or "reviewer" not in payload:
        return None
    return Reviewer.objects.filter(key=payload["reviewer"]).first()


def reviewer_ids_sharing_address(*, reviewer: Reviewer) -> list[int]:
    """The reviewers one emailed person is (guests on several links with one address). Only for
    a request that proved it holds mail sent to that address: a typed address proves nothing."""
    address = reviewer.email.strip().lower()
    if not address:
        return [reviewer.pk]
    ids = Reviewer.objects.annotate(address=Lower("email")).filter(address=address)
    return sorted({reviewer.pk, *ids.values_list("pk", flat=True)})


def reports_url(*, review_link: ReviewLink, reviewer: Reviewer) -> str:
    path = reverse("errata:review-mine", args=[review_link.token])
    return _absolute(f"{path}?{urlencode({'k': reports_token(reviewer=reviewer)})}")


# --- What became of a finding -------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of one finding, in the patron's words: `key` names it for styling."""

    key: str
    label: str
    detail: str = ""


def finding_outcome(finding: Finding) -> Outcome:
    """Needs the finding's erratum and the erratum's fixed_in_cut loaded (see the selectors)."""
    if finding.state == Finding.State.NEW:
        return Outcome("waiting", "Waiting for the creator to read it")
    if finding.state == Finding.State.DISMISSED:
        if finding.category == "content":
            return Outcome("dismissed", "Read as feedback; nothing in the video changes")
        return Outcome("dismissed", "Read; no change needed")
    erratum = finding.erratum
    status = erratum.status
    cut = erratum.fixed_in_cut
    fixed_in = f"cut {cut.number}" + (f" ({cut.label})" if cut and cut.label else "") if cut else ""
    if status == Erratum.Status.OPEN:
        return Outcome("open", "Confirmed as an erratum", erratum.title)
    if status == Erratum.Status.ACCEPTED:
        return Outcome("accepted", "Confirmed; a fix is planned", erratum.title)
    if status == Erratum.Status.FIXED:
        return Outcome("fixed", f"Fixed in {fixed_in}", erratum.title)
    if status == Erratum.Status.VERIFIED:
        return Outcome("verified", f"Fixed in {fixed_in}, and checked", erratum.title)
    if status == Erratum.Status.WONTFIX:
        return Outcome("wontfix", "Will not be fixed", erratum.resolution_reason)
    return Outcome("not_an_error", "Not an error", erratum.resolution_reason)


# --- Reporters of an erratum --------------------------------------------------------------------


@dataclass
class Reporter:
    """One person (one email address) who reported an erratum, with what they said."""

    email: str
    name: str
    reviewer: Reviewer
    reports: list[Finding] = field(default_factory=list)
    me_toos: list[Finding] = field(default_factory=list)
    review_link: ReviewLink | None = None


def _addressable(reviewer: Reviewer | None) -> str:
    return reviewer.email.strip().lower() if reviewer is not None and reviewer.email else ""


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


def _link_rank(link: ReviewLink) -> tuple[bool, int]:
    return (link.is_active(), link.pk)


def erratum_reporters(*, erratum: Erratum) -> list[Reporter]:
    """The people to tell about an erratum: one Reporter per email address, with their own
    findings in it and the ones they said "me too" to. People without an address, or who
    unsubscribed, are left out; so are the creator's own replies."""
    by_address: dict[str, Reporter] = {}

    def reporter_for(reviewer: Reviewer) -> Reporter:
        address = _addressable(reviewer)
        if address not in by_address:
            by_address[address] = Reporter(
                email=address, name=reviewer.display_name, reviewer=reviewer
            )
        return by_address[address]

    findings = selectors.erratum_findings_for_notice(erratum=erratum)
    for finding in findings:
        comment = finding.comment
        if comment.author_role == Comment.Role.PATRON and _addressable(comment.reviewer):
            reporter = reporter_for(comment.reviewer)
            reporter.reports.append(finding)
            link = comment.review_link
            # Their reports page opens on the newest link they commented through that still
            # opens, else on their newest link.
            if link is not None and (
                reporter.review_link is None or _link_rank(link) > _link_rank(reporter.review_link)
            ):
                reporter.review_link, reporter.reviewer = link, comment.reviewer
    for finding in findings:
        for me_too in finding.me_toos.all():
            if not _addressable(me_too.reviewer):
                continue
            reporter = reporter_for(me_too.reviewer)
            if finding not in reporter.reports and finding not in reporter.me_toos:
                reporter.me_toos.append(finding)
    gone = unsubscribed_addresses(by_address)
    reporters = [r for address, r in by_address.items() if address not in gone]
    fallback = None
    if any(r.review_link is None for r in reporters):
        fallback = selectors.review_link_for_video(video_id=erratum.video_id)
    for reporter in reporters:
        reporter.review_link = reporter.review_link or fallback
    return sorted(reporters, key=lambda r: r.email)


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
            "text": _excerpt(finding.text),
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
    subject, text, html = _render("erratum_status", context)
    return {
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "unsubscribe_url": unsubscribe,
    }


def _render(name: str, context: dict) -> tuple[str, str, str]:
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
    reporters = erratum_reporters(erratum=erratum)
    if not reporters:
        return []
    people = selectors.errata_reporter_counts(erratum_ids=[erratum.pk]).get(erratum.pk, 0)
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
        transaction.on_commit(lambda: notifications_queue(notification_ids=pending))
    return pending


# --- Sending ------------------------------------------------------------------------------------


def _queue(task, *args, **options) -> bool:
    """Publish a task; False (and a log line) when the broker cannot be reached. Nothing is lost:
    the rows stay pending and the sweep queues them again."""
    from celery.exceptions import Retry
    from kombu.exceptions import OperationalError

    try:
        task.apply_async(args=list(args), retry=False, **options)
    except OperationalError:
        logger.warning("Broker unreachable; %s%s left for the sweep", task.name, args)
        return False
    except Retry:
        # Eager mode with errors propagated (`make run`): a retry cannot wait in-process, and a
        # mail server's hiccup must not fail the request that caused the mail.
        logger.warning("%s%s failed and will not be retried in-process", task.name, args)
    return True


def notifications_queue(*, notification_ids: Iterable[int]) -> int:
    from errata.tasks import send_notification_task

    queued = 0
    for notification_id in notification_ids:
        if not _queue(send_notification_task, notification_id):
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
            created_at__lte=now - SWEEP_AFTER,
            created_at__gte=now - SWEEP_GIVE_UP_AFTER,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    return notifications_queue(notification_ids=stale)


# --- Digests for the team -----------------------------------------------------------------------


@dataclass
class DigestCut:
    """One cut's part of a digest."""

    cut: Cut
    comments: list[Comment]
    comment_count: int
    people: int
    finding_count: int
    categories: list[tuple[str, int]]
    inbox_url: str

    @property
    def more(self) -> int:
        return self.comment_count - len(self.comments)


@dataclass
class Digest:
    since: datetime
    until: datetime
    cuts: list[DigestCut]

    @property
    def comment_count(self) -> int:
        return sum(c.comment_count for c in self.cuts)

    @property
    def finding_count(self) -> int:
        return sum(c.finding_count for c in self.cuts)

    @property
    def is_empty(self) -> bool:
        return not self.cuts


def digest_build(*, team_id: int, since: datetime, until: datetime) -> Digest:
    """What a team member hears: the patron comments triaged in (since, until], per cut, with the
    findings triage made of them. A fixed number of queries however many comments."""
    comments = selectors.digest_comments(team_id=team_id, since=since, until=until)
    cuts: dict[int, list[Comment]] = {}
    for comment in comments:
        cuts.setdefault(comment.cut_id, []).append(comment)
    parts = []
    for in_cut in cuts.values():
        cut = in_cut[0].cut
        findings = [f for comment in in_cut for f in comment.findings.all()]
        categories = Counter(f.effective_category for f in findings)
        for comment in in_cut:
            comment.digest_author = selectors.reporter_name(comment)
            comment.digest_time = (
                format_time(comment.timestamp_s) if comment.timestamp_s is not None else ""
            )
            comment.digest_excerpt = _excerpt(comment.text)
            comment.digest_categories = sorted(
                {f.effective_category for f in comment.findings.all()} - {"none"}
            )
        parts.append(
            DigestCut(
                cut=cut,
                comments=in_cut[:DIGEST_COMMENTS_PER_CUT],
                comment_count=len(in_cut),
                people=len({c.reviewer_id or c.author_name for c in in_cut}),
                finding_count=len(findings),
                categories=sorted(categories.items(), key=lambda kv: (-kv[1], kv[0])),
                inbox_url=_absolute(
                    reverse("errata:studio:inbox", args=[cut.video.slug, cut.number])
                ),
            )
        )
    return Digest(since=since, until=until, cuts=parts)


def _digest_due(membership: Membership, *, now: datetime, cadence: str) -> bool:
    if membership.digest == Membership.Digest.OFF:
        return False
    if cadence == "daily" and membership.digest == Membership.Digest.DAILY:
        # At most once a calendar day (in TIME_ZONE): a beat that runs late or twice, or a
        # member who switched from immediate, never gets a second one the same day.
        last = membership.last_digest_at
        return last is None or timezone.localdate(last) < timezone.localdate(now)
    # Immediate members get whatever is new, from the immediate task or the daily catch-all.
    return membership.digest == Membership.Digest.IMMEDIATE


def digest_send_to(*, membership: Membership, now: datetime) -> int | None:
    """Make one member's digest of what is new since their last one and queue it. None when
    there is nothing new (or someone else just made it). The member's window moves forward with
    a conditional update in the same transaction as the stored message, so two runs at once
    cannot both send it."""
    since = membership.last_digest_at or membership.created_at
    if since >= now:
        return None
    digest = digest_build(team_id=membership.team_id, since=since, until=now)
    if digest.is_empty:
        return None
    unsubscribe = unsubscribe_url(membership=membership)
    context = {
        "digest": digest,
        "team": membership.team,
        "name": str(membership.user),
        "immediate": membership.digest == Membership.Digest.IMMEDIATE,
        "settings_url": _absolute(reverse("errata:studio:notification_settings")),
        "unsubscribe_url": unsubscribe,
    }
    subject, text, html = _render("digest", context)
    with transaction.atomic():
        claimed = Membership.objects.filter(
            pk=membership.pk, last_digest_at=membership.last_digest_at
        ).update(last_digest_at=now)
        if not claimed:
            return None
        notification, created = Notification.objects.get_or_create(
            event_key=f"digest:membership:{membership.pk}:since:{since.isoformat()}",
            recipient=membership.user.email.strip().lower(),
            defaults={
                "kind": Notification.Kind.DIGEST,
                "membership": membership,
                "subject": subject,
                "body_text": text,
                "body_html": html,
                "unsubscribe_url": unsubscribe,
            },
        )
        if created:
            transaction.on_commit(lambda: notifications_queue(notification_ids=[notification.pk]))
    membership.last_digest_at = now
    return notification.pk if created else None


def digests_send(
    *, now: datetime | None = None, cadence: str = "daily", team_id: int | None = None
) -> list[int]:
    """Make the digests that are due: `cadence="daily"` is the beat's daily run (daily members
    who had none today, plus anything immediate members have not yet heard);
    `cadence="immediate"` is the run soon after a comment arrives. Members without an email
    address get nothing. Returns the new notifications' ids."""
    now = now or timezone.now()
    memberships = selectors.memberships_for_digest(
        digests=(
            [Membership.Digest.DAILY, Membership.Digest.IMMEDIATE]
            if cadence == "daily"
            else [Membership.Digest.IMMEDIATE]
        ),
        team_id=team_id,
    )
    made = []
    for membership in memberships:
        if _digest_due(membership, now=now, cadence=cadence):
            notification_id = digest_send_to(membership=membership, now=now)
            if notification_id is not None:
                made.append(notification_id)
    return made


@dataclass(frozen=True)
class ImmediateRun:
    waiting_for_triage: bool
    notification_ids: list[int]


def digests_send_for_comment(*, comment_id: int, now: datetime | None = None) -> ImmediateRun:
    """The immediate run queued when a comment arrives: the immediate digests of its team. A
    comment still waiting for triage says so (the task tries again a little later, so the
    digest has its findings)."""
    comment = (
        Comment.objects.filter(pk=comment_id).values("triage_state", "cut__video__team_id").first()
    )
    if comment is None:
        return ImmediateRun(waiting_for_triage=False, notification_ids=[])
    if comment["triage_state"] == Comment.TriageState.PENDING:
        return ImmediateRun(waiting_for_triage=True, notification_ids=[])
    made = digests_send(now=now, cadence="immediate", team_id=comment["cut__video__team_id"])
    return ImmediateRun(waiting_for_triage=False, notification_ids=made)


# --- Receivers ----------------------------------------------------------------------------------
# Connected when the app is ready (ErrataConfig.ready imports this module). The signals are sent
# after the commit; the receivers only queue tasks.


@receiver(signals.erratum_status_changed, dispatch_uid="errata.notifications.erratum_status")
def _erratum_status_changed(sender, *, erratum_id: int, after: str, **kwargs) -> None:
    if after not in NOTIFIED_STATUSES:
        return
    from errata.tasks import notify_erratum_status_task

    if not _queue(notify_erratum_status_task, erratum_id, after):
        # No broker: store the messages here (they stay pending for the sweep), so the news is
        # not lost with the task.
        erratum_notifications_create(erratum_id=erratum_id, status=after)


@receiver(signals.comment_created, dispatch_uid="errata.notifications.comment_created")
def _comment_created(sender, *, comment_id: int, **kwargs) -> None:
    wanted = Comment.objects.filter(
        pk=comment_id,
        author_role=Comment.Role.PATRON,
        cut__video__team__memberships__digest=Membership.Digest.IMMEDIATE,
    ).exists()
    if not wanted:
        return
    from errata.tasks import digest_immediate_task

    # A short wait lets triage finish and gathers a burst of comments into one message; if the
    # broker is down, the daily run tells immediate members what they missed.
    _queue(digest_immediate_task, comment_id, countdown=settings.DIGEST_IMMEDIATE_DELAY_SECONDS)
