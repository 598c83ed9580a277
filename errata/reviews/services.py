"""Writes of the review side: review links, the people who comment, their comments and
"me too"s. A comment is stored before anything that can fail later (triage, the broker).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable
from functools import partial

from django.core.cache import cache
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
from errata.reviews.selectors import review_comment_count_key
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

    # Inside a caller's transaction (a review post's) no savepoint: two round trips saved, and
    # an error here fails that whole transaction anyway.
    with transaction.atomic(savepoint=False):
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
        if parent is None:
            # At once rather than on commit: the post's own answer shows the count. A post
            # rolled back after this leaves the cached count one high for a few seconds.
            _comment_count_bump(cut.pk)
    return comment


def _comment_count_bump(cut_id: int) -> None:
    # The review page's cached count of the cut's comments (when cached) takes this one in.
    with contextlib.suppress(ValueError):  # not cached: the next page counts afresh
        cache.incr(review_comment_count_key(cut_id))


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
    """Lock the link's row for this transaction and check it is still open for posting. Its
    cut and video come in the same query (only the link's row is locked)."""
    link = (
        ReviewLink.objects.select_for_update(of=("self",))
        .select_related("cut__video")
        .get(pk=review_link.pk)
    )
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
        cut = link.cut
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


def metoo_remove(*, finding: Finding, review_link: ReviewLink, reviewer: Reviewer | None) -> bool:
    """Undo a viewer's "me too" on a report (a mistaken click): their voice no longer counts.
    Only their own; False when they had none to take back."""
    if reviewer is None:
        return False
    with transaction.atomic():
        _review_link_lock(review_link)
        deleted, _ = MeToo.objects.filter(
            finding_id=finding.pk, reviewer_id=reviewer.pk, finding__cut_id=review_link.cut_id
        ).delete()
    return bool(deleted)


class CommentNotEditable(PermissionDenied):
    """A patron may not change this comment (any more): someone else's, past the edit window,
    or the creator already took a report of it into an erratum. The message says which."""


def _own_comment_lock(*, comment: Comment, review_link: ReviewLink, reviewer: Reviewer | None):
    """Lock the link and the comment, and check this reviewer may still change it: theirs, on
    the link's cut, within Comment.EDIT_WINDOW of posting, and no report of it in an erratum
    (the erratum credits it; changing what it says behind the creator's back would mislead)."""
    _review_link_lock(review_link)
    locked = (
        Comment.objects.select_for_update().filter(pk=comment.pk, cut_id=review_link.cut_id).first()
    )
    if locked is None or reviewer is None or locked.reviewer_id != reviewer.pk:
        raise CommentNotEditable(gettext("You can only change your own comments."))
    if not locked.edit_window_open():
        raise CommentNotEditable(
            gettext(
                "A comment can be changed for %(minutes)s minutes after posting; this one "
                "can no longer be changed."
            )
            % {"minutes": int(Comment.EDIT_WINDOW.total_seconds() // 60)}
        )
    if locked.findings.filter(erratum__isnull=False).exists():
        raise CommentNotEditable(
            gettext(
                "The creator has already taken a report of this comment into an erratum, so "
                "it can no longer be changed."
            )
        )
    return locked


def review_comment_edit(
    *, comment: Comment, review_link: ReviewLink, reviewer: Reviewer | None, text: str
) -> Comment:
    """A patron corrects their own comment's text within the edit window. Triage runs again
    for it: its findings (none is in an erratum, see _own_comment_lock) are replaced by what
    the new text yields, so the creator's inbox shows the corrected reports; me-toos on the
    old ones go with them."""
    if not text or not text.strip():
        raise ValidationError({"text": gettext("A comment needs some text.")})
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "text": gettext(
                    "A comment can be at most %(limit)s characters; this one has %(length)s."
                )
                % {"limit": f"{COMMENT_MAX_LENGTH:,}", "length": f"{len(text):,}"}
            }
        )
    with transaction.atomic():
        locked = _own_comment_lock(comment=comment, review_link=review_link, reviewer=reviewer)
        if locked.text == text:
            return locked
        Finding.objects.filter(comment_id=locked.pk).delete()
        Comment.objects.filter(pk=locked.pk).update(
            text=text,
            text_time_s=None,
            triage_state=(
                Comment.TriageState.SKIPPED
                if locked.author_role == Comment.Role.CREATOR
                else Comment.TriageState.PENDING
            ),
            triage_queued_at=timezone.now(),
        )
        if locked.author_role != Comment.Role.CREATOR:
            enqueue(
                "errata.triage_comment",
                locked.pk,
                on_refused=partial(_triage_not_queued, comment_id=locked.pk),
            )
    locked.refresh_from_db()
    return locked


def review_comment_delete(
    *, comment: Comment, review_link: ReviewLink, reviewer: Reviewer | None
) -> None:
    """A patron takes back their own comment within the edit window: it goes with its findings
    (so the creator's inbox no longer shows them) and the me-toos on them. A comment someone
    else already replied to stays (the reply would lose what it answers); edit it instead."""
    with transaction.atomic():
        locked = _own_comment_lock(comment=comment, review_link=review_link, reviewer=reviewer)
        if locked.replies.exclude(reviewer_id=reviewer.pk).exists():
            raise CommentNotEditable(
                gettext("Someone has replied to this comment, so it stays; you can edit it.")
            )
        # Its findings, their me-toos and tokens, and its own replies go with it (cascades).
        cut_id, thread_start = locked.cut_id, locked.parent_id is None
        locked.delete()
        if thread_start:
            # The review page's cached count would show it for seconds more: count afresh,
            # now (this answer shows the count) and after the commit (a reader in between
            # may have cached the count with it).
            key = review_comment_count_key(cut_id)
            cache.delete(key)
            transaction.on_commit(lambda: cache.delete(key))
