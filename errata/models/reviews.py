"""Review links, the people who comment (reviewers), and their comments."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from errata.models.catalog import Cut


def _review_token() -> str:
    # 32 bytes of randomness: unguessable, and short enough for a URL.
    return secrets.token_urlsafe(32)


class ReviewLink(models.Model):
    """A private, revocable link to one cut for early-access viewers."""

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="review_links")
    token = models.CharField(max_length=64, unique=True, default=_review_token, editable=False)
    label = models.CharField(max_length=150, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    can_comment = models.BooleanField(default=True)
    # As on Patreon, viewers see each other's comments unless the creator turns it off.
    show_others_comments = models.BooleanField(default=True)
    # Only members of the team's Patreon campaign (Team.patreon_campaign_id) may open the link,
    # signed in with Patreon; with a minimum, only those entitled to a tier of at least that.
    patreon_required = models.BooleanField(default=False)
    patreon_min_cents = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.label or f"link to {self.cut}"

    def get_absolute_url(self) -> str:
        return reverse("errata:review", args=[self.token])

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now

    def closed_reason(self, now=None) -> str:
        """Why the link no longer opens ("revoked" or "expired"), or "" while it does."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return "expired"
        return ""


class Reviewer(models.Model):
    """A person who comments: a signed-in user, a named guest on a review link, or the author
    of an imported comment. Notifications, credits and "my reports" are per reviewer."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewer",
    )
    display_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    # Identity at the source of an import ("patreon:Jane Doe", "youtube:UC123"), so re-imports
    # and several imports from one place credit the same person.
    external_id = models.CharField(max_length=200, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="reviewer_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or "anonymous"


class CommentSource(models.TextChoices):
    WEB = "web", _("Review page")
    API = "api", _("API")
    IMPORT_PATREON = "import:patreon", _("Patreon import")
    IMPORT_CSV = "import:csv", _("CSV import")
    IMPORT_YOUTUBE = "import:youtube", _("YouTube import")


class CommentRole(models.TextChoices):
    PATRON = "patron", _("Patron")
    CREATOR = "creator", _("Creator")


# Where a comment that names no time at all is listed: after every real time.
COMMENT_NO_TIME_S = 1e9


class CommentTriageState(models.TextChoices):
    PENDING = "pending", _("Waiting for triage")
    DONE = "done", _("Triaged")
    SKIPPED = "skipped", _("Not triaged (creator's reply)")


class Comment(models.Model):
    """What a person wrote, stored exactly as written; always rendered escaped. Its author may
    correct or delete it for EDIT_WINDOW after posting (errata.reviews.services), never after."""

    Source = CommentSource
    Role = CommentRole

    TriageState = CommentTriageState

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="comments")
    reviewer = models.ForeignKey(
        Reviewer, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    # The name as shown when it was written; imports without a name line leave it blank.
    author_name = models.CharField(max_length=150, blank=True)
    author_role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATRON)
    text = models.TextField()
    # Where the player was when the comment was made on the review page.
    timestamp_s = models.FloatField(null=True, blank=True)
    # A range comment: where the patron marked the out point (I / O on the review page).
    timestamp_end_s = models.FloatField(null=True, blank=True)
    # What the patron drew over the paused frame: vector shapes in frame coordinates (0-1),
    # checked by errata.reviews.drawings before it is stored, rendered as SVG by the server.
    drawing = models.JSONField(null=True, blank=True)
    source = models.CharField(max_length=24, choices=Source.choices, default=Source.WEB)
    external_id = models.CharField(max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    review_link = models.ForeignKey(
        ReviewLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    triage_state = models.CharField(
        max_length=16, choices=TriageState.choices, default=TriageState.PENDING
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    # When its triage was last queued (a post queues it at once, an import triages its own, the
    # sweep queues what was lost): the sweep leaves it alone for TRIAGE_QUEUED_LEASE_SECONDS.
    triage_queued_at = models.DateTimeField(null=True, blank=True)
    # When the person wrote it (an import keeps the source's date); created_at is when we stored it.
    posted_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    # The first time its findings on this cut name (read from the text by triage), kept
    # current by the services that store or move findings
    # (errata.reviews.services.comments_list_time_refresh).
    text_time_s = models.FloatField(null=True, blank=True, editable=False)
    # Its place in the review page's and the API's time order: where the player was, else the
    # time its text names, else NO_TIME_S (last). Stored by the database itself, so a page of
    # the list is an index range scan whatever the size of the cut, and no writer (a bulk
    # insert, an import's COPY) can leave it stale.
    list_time = models.GeneratedField(
        expression=Coalesce("timestamp_s", "text_time_s", Value(COMMENT_NO_TIME_S)),
        output_field=models.FloatField(),
        db_persist=True,
    )

    NO_TIME_S = COMMENT_NO_TIME_S

    # How long after posting its author may still edit or delete it: long enough to fix a typo
    # or a wrong time, short enough that the creator rarely triages a moving target.
    EDIT_WINDOW = timedelta(minutes=15)

    class Meta:
        ordering = ["cut_id", "timestamp_s", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(timestamp_s__isnull=True) | Q(timestamp_s__gte=0),
                name="comment_timestamp_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(timestamp_end_s__isnull=True)
                | Q(timestamp_s__isnull=False, timestamp_end_s__gt=F("timestamp_s")),
                name="comment_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(source__in=CommentSource.values),
                name="comment_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(author_role__in=CommentRole.values), name="comment_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(triage_state__in=CommentTriageState.values),
                name="comment_triage_state_valid",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="comment_text_not_empty"),
            # Re-importing a file adds nothing: one row per (cut, source, external id).
            models.UniqueConstraint(
                fields=["cut", "source", "external_id"],
                condition=~Q(external_id=""),
                name="comment_unique_external_id",
            ),
        ]
        indexes = [
            # The review page and the API list a cut's comments by time.
            models.Index(fields=["cut", "timestamp_s"], name="comment_cut_time_idx"),
            # The review page's comment window and the API's comment list: a cut's
            # thread-starting comments by (list_time, id), paged by keyset.
            models.Index(
                fields=["cut", "list_time", "id"],
                condition=Q(parent__isnull=True),
                name="comment_cut_list_time_idx",
            ),
            # The triage sweep looks for comments still pending, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(triage_state="pending"),
                name="comment_pending_idx",
            ),
            # The team digest reads the comments triaged since a member's last digest.
            models.Index(fields=["triaged_at"], name="comment_triaged_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author_name or 'anonymous'}: {self.text[:60]}"

    @property
    def editable_until(self) -> datetime:
        return self.created_at + self.EDIT_WINDOW

    def edit_window_open(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) < self.editable_until
