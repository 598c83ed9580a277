"""Writes of the review side: review links, the people who comment, their comments and
"me too"s. A comment is stored before anything that can fail later (triage, the broker).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import FloatField, Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from errata.core.events import comment_created, send_on_commit
from errata.core.queue import enqueue
from errata.models import Comment, Cut, Finding, Membership, MeToo, Reviewer, ReviewLink
from errata.reviews.drawings import drawing_validate
from errata.triage.timestamps import format_time

# Long enough for a careful multi-point report, short enough that nobody pastes a novel.
COMMENT_MAX_LENGTH = 10_000


def comment_validate_timestamp(*, cut: Cut, timestamp_s: float | None) -> None:
    if timestamp_s is None:
        return
    if timestamp_s < 0:
        raise ValidationError(
            {
                "timestamp_s": gettext(
                    "The time %(timestamp_s)s s is negative; times start at 0:00."
                )
                % {"timestamp_s": format(timestamp_s, "g")}
            }
        )
    if timestamp_s > cut.duration_s:
        raise ValidationError(
            {
                "timestamp_s": gettext(
                    "The time %(time)s is past the end of this cut (%(duration)s)."
                )
                % {"time": format_time(timestamp_s), "duration": format_time(cut.duration_s)}
            }
        )


def comment_validate_range(
    *, cut: Cut, timestamp_s: float | None, timestamp_end_s: float | None
) -> None:
    """A range comment's out point: after its in point and inside the cut."""
    if timestamp_end_s is None:
        return
    if timestamp_s is None:
        raise ValidationError(
            {"timestamp_end_s": gettext("A range needs its start time as well as its end.")}
        )
    if not math.isfinite(timestamp_end_s) or timestamp_end_s <= timestamp_s:
        raise ValidationError(
            {
                "timestamp_end_s": gettext(
                    "The end of the range must be after its start (%(start)s)."
                )
                % {"start": format_time(timestamp_s)}
            }
        )
    if timestamp_end_s > cut.duration_s:
        raise ValidationError(
            {
                "timestamp_end_s": gettext(
                    "The end %(time)s is past the end of this cut (%(duration)s)."
                )
                % {"time": format_time(timestamp_end_s), "duration": format_time(cut.duration_s)}
            }
        )


def comment_create(
    *,
    cut: Cut,
    text: str,
    author_name: str = "",
    author_role: str = Comment.Role.PATRON,
    reviewer: Reviewer | None = None,
    timestamp_s: float | None = None,
    timestamp_end_s: float | None = None,
    drawing: object = None,
    source: str = Comment.Source.WEB,
    external_id: str = "",
    parent: Comment | None = None,
    review_link: ReviewLink | None = None,
    posted_at=None,
) -> Comment:
    """Store a comment exactly as written, then queue its triage once the row is committed.

    The comment is stored before anything that can fail later (triage, the broker): if the
    broker is down the comment stays pending and the periodic sweep queues it again.
    """
    if not text or not text.strip():
        raise ValidationError({"text": gettext("A comment needs some text.")})
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "text": (
                    f"A comment can be at most {COMMENT_MAX_LENGTH:,} characters; "
                    f"this one has {len(text):,}."
                )
            }
        )
    comment_validate_timestamp(cut=cut, timestamp_s=timestamp_s)
    comment_validate_range(cut=cut, timestamp_s=timestamp_s, timestamp_end_s=timestamp_end_s)
    drawing = drawing_validate(drawing, duration_s=cut.duration_s)
    if parent is not None and parent.cut_id != cut.pk:
        raise ValidationError(
            {"parent": gettext("A reply must be on the same cut as its comment.")}
        )

    with transaction.atomic():
        comment = Comment.objects.create(
            cut=cut,
            text=text,
            author_name=author_name or (reviewer.display_name if reviewer else ""),
            author_role=author_role,
            reviewer=reviewer,
            timestamp_s=timestamp_s,
            timestamp_end_s=timestamp_end_s,
            drawing=drawing,
            source=source,
            external_id=external_id,
            parent=parent,
            review_link=review_link,
            posted_at=posted_at or timezone.now(),
            # Queued below; the sweep leaves it to that task unless the broker refuses it.
            triage_queued_at=timezone.now(),
        )
        enqueue(
            "errata.triage_comment",
            comment.pk,
            on_refused=partial(_triage_not_queued, comment_id=comment.pk),
        )
        send_on_commit(comment_created, Comment, comment_id=comment.pk)
    return comment


def comments_list_time_refresh(
    *, comment_ids: Iterable[int] | None = None, cut_id: int | None = None
) -> int:
    """Bring Comment.text_time_s (and so list_time) up to date, in one UPDATE, for these
    comments or every comment of a cut: the first time the comment's findings on its cut name.
    Called by whatever stores or moves findings (single and batch triage, a
    corrected time, carrying to a new cut); rows written in bulk behind the services' back (a
    migration, a benchmark's COPY) call it for their cut. Returns how many comments it read."""
    comments = Comment.objects.all()
    if comment_ids is not None:
        comments = comments.filter(pk__in=list(comment_ids))
    if cut_id is not None:
        comments = comments.filter(cut_id=cut_id)
    if comment_ids is None and cut_id is None:
        raise ValueError("Say which comments: their ids or their cut.")
    return comments.update(text_time_s=comment_text_time())


def comment_text_time() -> Subquery:
    """What Comment.text_time_s holds, as an expression for an UPDATE of comments. Triage sets
    it in the same UPDATE that marks a comment triaged: a second UPDATE of a row in one
    transaction makes PostgreSQL check all its foreign keys again at commit, and the one to the
    review link then waits on a post through that link (which holds the link's row lock) while
    that post waits on the cut row triage locked: a deadlock."""
    first_named = (
        Finding.objects.filter(comment_id=OuterRef("pk"), cut_id=OuterRef("cut_id"))
        .order_by()
        .values("comment_id")
        .annotate(first=Min("timestamp_s"))
        .values("first")
    )
    return Subquery(first_named, output_field=FloatField())


def _triage_not_queued(*, comment_id: int) -> None:
    """The broker refused the comment's triage: the sweep queues it at its next round."""
    Comment.objects.filter(pk=comment_id, triage_state=Comment.TriageState.PENDING).update(
        triage_queued_at=None
    )


class ReviewLinkClosed(PermissionDenied):
    """The link was revoked or has expired: nothing more is posted through it. (A kind of
    PermissionDenied, so the API answers 403; the review page answers 410 Gone.)"""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            gettext("This review link was revoked by the creator.")
            if reason == "revoked"
            else gettext("This review link has expired.")
        )


REVIEW_LINK_READ_ONLY_MESSAGE = gettext_lazy(
    "Commenting is turned off for this link; you can watch and read."
)


def review_link_create(
    *,
    cut: Cut,
    label: str = "",
    expires_at=None,
    can_comment: bool = True,
    show_others_comments: bool = True,
    patreon_required: bool = False,
    patreon_min_cents: int = 0,
    created_by=None,
) -> ReviewLink:
    """A new private link to one cut, with a random unguessable token (see ReviewLink). A link
    for patrons opens only for members of the team's Patreon campaign (errata.patreon)."""
    label = " ".join(label.split())
    if len(label) > 150:
        raise ValidationError({"label": gettext("A label can be at most 150 characters.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": gettext("An expiry date must be in the future.")})
    if patreon_min_cents < 0:
        raise ValidationError({"patreon_min_cents": gettext("A minimum tier cannot be negative.")})
    if patreon_required and not cut.video.team.patreon_campaign_id:
        raise ValidationError(
            {
                "patreon_required": gettext(
                    "Connect the team's Patreon campaign first (on the team's "
                    "page), so patrons can be checked."
                )
            }
        )
    with transaction.atomic():
        return ReviewLink.objects.create(
            cut=cut,
            label=label,
            expires_at=expires_at,
            can_comment=can_comment,
            show_others_comments=show_others_comments,
            patreon_required=patreon_required,
            patreon_min_cents=patreon_min_cents if patreon_required else 0,
            created_by=created_by,
        )


def review_link_revoke(*, review_link: ReviewLink) -> bool:
    """Revoke a link at once: every later request through it is refused. A comment racing the
    revocation waits for it on the link's row lock (see review_comment_create), so none lands
    after it. False when the link was already revoked."""
    with transaction.atomic():
        changed = ReviewLink.objects.filter(pk=review_link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    review_link.refresh_from_db(fields=["revoked_at"])
    return bool(changed)


def reviewer_for_user(*, user) -> Reviewer:
    """The reviewer a signed-in user comments as (one per account)."""
    reviewer, _ = Reviewer.objects.get_or_create(
        user=user, defaults={"display_name": str(user)[:150], "email": user.email or ""}
    )
    return reviewer


def reviewer_guest_create(*, display_name: str, email: str = "") -> Reviewer:
    """A named guest on a review link. The page remembers them in a cookie for that link."""
    name = " ".join((display_name or "").split())
    if not name:
        raise ValidationError(
            {"name": gettext("Tell us your name, so the creator can credit you.")}
        )
    if len(name) > 150:
        raise ValidationError({"name": gettext("A name can be at most 150 characters.")})
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                {"email": gettext("That email address does not look right.")}
            ) from None
    return Reviewer.objects.create(display_name=name, email=email)


def _review_link_lock(review_link: ReviewLink) -> ReviewLink:
    """Lock the link's row for this transaction and check it is still open for posting."""
    link = ReviewLink.objects.select_for_update().get(pk=review_link.pk)
    reason = link.closed_reason()
    if reason:
        raise ReviewLinkClosed(reason)
    if not link.can_comment:
        raise PermissionDenied(REVIEW_LINK_READ_ONLY_MESSAGE)
    return link


def _review_author(*, reviewer, user, guest_name: str, guest_email: str) -> Reviewer:
    if reviewer is not None:
        return reviewer
    if user is not None and user.is_authenticated:
        return reviewer_for_user(user=user)
    return reviewer_guest_create(display_name=guest_name, email=guest_email)


def review_comment_create(
    *,
    review_link: ReviewLink,
    text: str,
    timestamp_s: float | None = None,
    timestamp_end_s: float | None = None,
    drawing: object = None,
    parent: Comment | None = None,
    reviewer: Reviewer | None = None,
    user=None,
    guest_name: str = "",
    guest_email: str = "",
    source: str = Comment.Source.WEB,
) -> Comment:
    """A comment posted through a review link (its page, or a patron's client over the API), by
    the reviewer the browser remembers, the signed-in user, or a new named guest. The guest is
    created in the same transaction, so a refused comment leaves nothing behind. A reply to a
    reply joins its thread's first comment."""
    with transaction.atomic():
        link = _review_link_lock(review_link)
        cut = Cut.objects.select_related("video").get(pk=link.cut_id)
        if parent is not None:
            if parent.cut_id != cut.pk:
                raise ValidationError({"parent": gettext("That comment is not on this cut.")})
            if parent.parent_id is not None:
                parent = Comment.objects.get(pk=parent.parent_id)
            own = reviewer is not None and parent.reviewer_id == reviewer.pk
            if not (link.show_others_comments or own or parent.author_role == Comment.Role.CREATOR):
                raise ValidationError(
                    {"parent": gettext("You can only reply to your own comments here.")}
                )
        author = _review_author(
            reviewer=reviewer, user=user, guest_name=guest_name, guest_email=guest_email
        )
        on_team = (
            user is not None
            and user.is_authenticated
            and Membership.objects.filter(team_id=cut.video.team_id, user=user).exists()
        )
        return comment_create(
            cut=cut,
            text=text,
            reviewer=author,
            author_role=Comment.Role.CREATOR if on_team else Comment.Role.PATRON,
            timestamp_s=timestamp_s,
            timestamp_end_s=timestamp_end_s,
            drawing=drawing,
            parent=parent,
            review_link=link,
            source=source,
        )


def metoo_add(
    *,
    finding: Finding,
    review_link: ReviewLink,
    reviewer: Reviewer | None = None,
    user=None,
    guest_name: str = "",
    guest_email: str = "",
) -> tuple[MeToo, bool]:
    """A viewer adds their voice to a report instead of writing it again: counted on the finding
    and credited to them. Saying it twice counts once (the second call returns created=False)."""
    with transaction.atomic():
        link = _review_link_lock(review_link)
        finding = Finding.objects.select_related("comment").get(pk=finding.pk)
        if finding.comment.cut_id != link.cut_id:
            raise ValidationError({"finding": gettext("That report is not on this cut.")})
        if not link.show_others_comments:
            raise ValidationError(
                {"finding": gettext("Reports of others are not shown on this link.")}
            )
        if finding.state == Finding.State.DISMISSED:
            raise ValidationError(
                {"finding": gettext("The creator has already set this report aside.")}
            )
        author = _review_author(
            reviewer=reviewer, user=user, guest_name=guest_name, guest_email=guest_email
        )
        if finding.comment.reviewer_id == author.pk:
            raise ValidationError(
                {"finding": gettext("This is your own report; it already counts.")}
            )
        return MeToo.objects.get_or_create(finding=finding, reviewer=author)
