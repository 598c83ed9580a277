"""Digests for the team: the patron comments triaged since a member's last digest, daily or as
they arrive (a short wait gathers a burst into one message).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from errata.core.queue import enqueue_each
from errata.core.text import shorten
from errata.findings.selectors import reporter_name
from errata.models import Comment, Cut, Membership, Notification
from errata.notifications.links import absolute_url, unsubscribe_url
from errata.notifications.selectors import digest_comments, memberships_for_digest
from errata.notifications.services import (
    DIGEST_EXCERPT_CHARS,
    SEND_TASK,
    render_message,
)
from errata.triage.timestamps import format_time

# A digest lists this many comments per cut in full and counts the rest; a busy day's digest
# stays readable, and the inbox link has them all.
DIGEST_COMMENTS_PER_CUT = 25


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
    comments = digest_comments(team_id=team_id, since=since, until=until)
    cuts: dict[int, list[Comment]] = {}
    for comment in comments:
        cuts.setdefault(comment.cut_id, []).append(comment)
    parts = []
    for in_cut in cuts.values():
        cut = in_cut[0].cut
        findings = [f for comment in in_cut for f in comment.findings.all()]
        categories = Counter(f.effective_category for f in findings)
        for comment in in_cut:
            comment.digest_author = reporter_name(comment)
            comment.digest_time = (
                format_time(comment.timestamp_s) if comment.timestamp_s is not None else ""
            )
            comment.digest_excerpt = shorten(comment.text, DIGEST_EXCERPT_CHARS)
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
                inbox_url=absolute_url(
                    reverse("errata:studio:inbox", args=[cut.video.slug, cut.number])
                ),
            )
        )
    return Digest(since=since, until=until, cuts=parts)


def _digest_due(membership: Membership, *, now: datetime, cadence: str) -> bool:
    if membership.digest == Membership.Digest.OFF:
        return False
    if cadence == "daily" and membership.digest == Membership.Digest.DAILY:
        # From DIGEST_HOUR of the member's own day (their time zone, else TIME_ZONE), at most
        # once a calendar day there: beat runs hourly, so each member hears at their morning
        # hour; a beat that runs late or twice, or a member who switched from immediate, never
        # gets a second one the same day.
        zone = membership.user.zone()
        if timezone.localtime(now, zone).hour < settings.DIGEST_HOUR:
            return False
        last = membership.last_digest_at
        return last is None or timezone.localdate(last, zone) < timezone.localdate(now, zone)
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
        "settings_url": absolute_url(reverse("errata:studio:notification_settings")),
        "unsubscribe_url": unsubscribe,
    }
    subject, text, html = render_message("digest", context, language=membership.user.language)
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
            enqueue_each(SEND_TASK, [notification.pk])
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
    memberships = memberships_for_digest(
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
