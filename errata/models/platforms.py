"""What Errata keeps of the platforms creators live on: Patreon membership checks, a cut's
YouTube connection, and a cut's transcript (from a subtitle file or YouTube's captions).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from errata.models.catalog import Cut


class PatreonCheckStatus(models.TextChoices):
    ACTIVE = "active_patron", _("Active patron")
    DECLINED = "declined_patron", _("Payment declined")
    FORMER = "former_patron", _("Former patron")
    NONE = "none", _("Not a member")
    # Patreon did not answer (or answered nonsense): nobody is let in on a guess.
    UNKNOWN = "unknown", _("Could not check")


class PatreonMembershipCheck(models.Model):
    """What Patreon said, at checked_at, about one account's membership of one campaign (from
    the API v2 identity endpoint: memberships and their currently entitled tiers). A review
    link asks again once it has expired."""

    Status = PatreonCheckStatus

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patreon_checks"
    )
    campaign_id = models.CharField(max_length=32)
    status = models.CharField(max_length=20, choices=Status.choices)
    # The largest amount among the tiers the member is currently entitled to, in cents.
    entitled_cents = models.PositiveIntegerField(default=0)
    tier_titles = models.JSONField(default=list, blank=True)
    # Patreon's last_charge_status ("Paid", "Declined", ...) and next charge, shown in refusals.
    last_charge_status = models.CharField(max_length=32, blank=True)
    error = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "campaign_id"], name="patreon_check_one_per_campaign"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PatreonCheckStatus.values),
                name="patreon_check_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in campaign {self.campaign_id}: {self.status}"

    def is_fresh(self, now=None) -> bool:
        return self.expires_at > (now or timezone.now())


class YouTubeConnectionStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for its first pull")
    OK = "ok", _("Up to date")
    BACKING_OFF = "backing_off", _("Backing off")
    FAILED = "failed", _("Stopped")


class YouTubeConnection(models.Model):
    """A cut connected to a published YouTube video: a beat task pulls its comment threads
    (with replies) into the cut through the idempotent importer, and can import its captions as
    the cut's transcript. The status line in the studio is read from here."""

    Status = YouTubeConnectionStatus

    cut = models.OneToOneField(Cut, on_delete=models.CASCADE, related_name="youtube")
    youtube_video_id = models.CharField(max_length=11)
    is_active = models.BooleanField(default=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    # The newest thread seen; an incremental pull stops at the first page older than it.
    newest_thread_at = models.DateTimeField(null=True, blank=True)
    threads_seen = models.PositiveIntegerField(default=0)
    comments_added = models.PositiveIntegerField(default=0)
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    next_pull_at = models.DateTimeField(default=timezone.now)
    # Consecutive failures, for the backoff; 0 after a good pull.
    failures = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # Whose Google account (allauth's social token) pulls, when there is no API key.
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=YouTubeConnectionStatus.values),
                name="youtube_connection_status_valid",
            ),
        ]
        indexes = [
            # The beat task reads the active connections that are due.
            models.Index(
                fields=["next_pull_at"], condition=Q(is_active=True), name="youtube_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cut} from YouTube {self.youtube_video_id} ({self.status})"


class TranscriptLine(models.Model):
    """One subtitle cue of a cut: what is said from start_s to end_s."""

    class Source(models.TextChoices):
        SRT = "srt", _("SRT file")
        VTT = "vtt", _("WebVTT file")
        YOUTUBE = "youtube", _("YouTube captions")

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="transcript_lines")
    position = models.PositiveIntegerField()
    start_s = models.FloatField()
    end_s = models.FloatField()
    text = models.TextField()
    source = models.CharField(max_length=8, choices=Source.choices)

    class Meta:
        ordering = ["cut_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["cut", "position"], name="transcript_line_position"),
            models.CheckConstraint(
                condition=Q(start_s__gte=0), name="transcript_line_start_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(start_s__lte=F("end_s")), name="transcript_line_ordered"
            ),
        ]
        indexes = [
            # "What is said at 6:03": the lines of a cut around a time.
            models.Index(fields=["cut", "start_s"], name="transcript_cut_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.start_s:.1f}: {self.text[:60]}"
