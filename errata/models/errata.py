"""Errata: the problems a creator confirmed, their statuses, and their history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from errata.models.catalog import Cut, Scene, Video
from errata.models.findings import CATEGORY_VALUES, Category, Remedy


class ErratumStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    FIXED = "fixed", _("Fixed")
    VERIFIED = "verified", _("Verified")
    WONTFIX = "wontfix", _("Won't fix")
    NOT_AN_ERROR = "not_an_error", _("Not an error")


# Still to be dealt with; fixed (in a cut); closed without a fix (with a reason).
OPEN_STATUSES = [ErratumStatus.OPEN, ErratumStatus.ACCEPTED]
FIXED_STATUSES = [ErratumStatus.FIXED, ErratumStatus.VERIFIED]
CLOSED_STATUSES = [ErratumStatus.WONTFIX, ErratumStatus.NOT_AN_ERROR]
# The board's "by status" view and its status filter, in the order of an erratum's life.
STATUS_ORDER = list(ErratumStatus)


class ErratumSeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Erratum(models.Model):
    """One confirmed problem in a video, and what is done about it."""

    Status = ErratumStatus
    Severity = ErratumSeverity

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="errata")
    found_in_cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="errata_found")
    # The cut that timestamp_s and scene refer to; moves forward when errata are carried to a
    # new cut.
    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="errata")
    fixed_in_cut = models.ForeignKey(
        Cut, null=True, blank=True, on_delete=models.SET_NULL, related_name="errata_fixed"
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    timestamp_s = models.FloatField(null=True, blank=True)
    # The end of the range the reports marked ("6:02-6:10"); exports give markers this length.
    timestamp_end_s = models.FloatField(null=True, blank=True)
    scene = models.ForeignKey(
        Scene, null=True, blank=True, on_delete=models.SET_NULL, related_name="errata"
    )
    remedy = models.CharField(max_length=16, choices=Remedy.choices, default=Remedy.RERENDER)
    fix_note = models.TextField(blank=True)
    # For the caption-fix remedy: the subtitle line as it should read (the corrected subtitle
    # export puts it in place of the line spoken at timestamp_s).
    corrected_line = models.TextField(blank=True)
    # What is wrong and what is right ("mabye" -> "maybe"): suggested from the reports, edited
    # by the creator, and what the corrections export says. A wrong part needs a right one.
    correction_wrong = models.CharField(max_length=200, blank=True)
    correction_right = models.CharField(max_length=200, blank=True)
    # The team member who deals with it (the board's "assigned to me"); only a member of the
    # video's team (fixes/teamwork.py checks it).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why it is wontfix / not_an_error; required for those statuses.
    resolution_reason = models.TextField(blank=True)
    # Merging errata moves the findings and leaves this redirect behind.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    # Bumped on every change; an API update with a stale If-Match is refused.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "errata"
        ordering = ["video_id", "timestamp_s", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=CATEGORY_VALUES), name="erratum_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ErratumStatus.values),
                name="erratum_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=ErratumSeverity.values), name="erratum_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(remedy__in=Remedy.values),
                name="erratum_remedy_valid",
            ),
            models.CheckConstraint(
                condition=Q(timestamp_s__isnull=True) | Q(timestamp_s__gte=0),
                name="erratum_timestamp_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(timestamp_end_s__isnull=True)
                | Q(timestamp_s__isnull=False, timestamp_end_s__gt=F("timestamp_s")),
                name="erratum_range_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=FIXED_STATUSES) | Q(fixed_in_cut__isnull=False),
                name="erratum_fixed_names_cut",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=CLOSED_STATUSES) | ~Q(resolution_reason=""),
                name="erratum_closed_has_reason",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="erratum_title_not_empty"),
            models.CheckConstraint(
                condition=Q(correction_wrong="") | ~Q(correction_right=""),
                name="erratum_correction_has_right",
            ),
        ]
        indexes = [
            # The errata board: a cut's errata by status, in time order.
            models.Index(fields=["cut", "status", "timestamp_s"], name="erratum_board_idx"),
            # The studio's video list counts open and fixed errata per video.
            models.Index(fields=["video", "status"], name="erratum_video_status_idx"),
            # The board's "assigned to me".
            models.Index(fields=["assignee", "cut"], name="erratum_assignee_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class ErratumEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    FINDINGS_ADDED = "findings_added", _("Reports added")
    FINDING_REMOVED = "finding_removed", _("Report removed")
    EDITED = "edited", _("Edited")
    STATUS = "status", _("Status changed")
    MERGED_INTO = "merged_into", _("Merged into another")
    MERGED_FROM = "merged_from", _("Another merged into it")
    CARRIED = "carried", _("Carried to a new cut")
    UNDONE = "undone", _("Action undone")


class ErratumEvent(models.Model):
    """The history of an erratum: who changed what, when."""

    Kind = ErratumEventKind

    erratum = models.ForeignKey(Erratum, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # What changed, as {"field": [before, after]} or event details.
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["erratum_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.erratum_id}"


class ErratumNote(models.Model):
    """One post of the team's discussion of an erratum. Team only: never shown to patrons,
    never in an export; stored as typed and rendered escaped."""

    erratum = models.ForeignKey(Erratum, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["erratum_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="erratum_note_not_empty"),
        ]

    def __str__(self) -> str:
        return f"note on {self.erratum_id}"


class CutVisit(models.Model):
    """When a member last looked at a cut's inbox and board: what came since is marked new."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cut_visits"
    )
    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="visits")
    inbox_seen_at = models.DateTimeField(null=True, blank=True)
    board_seen_at = models.DateTimeField(null=True, blank=True)
    # The visit before this one: what is marked new while the member works through the page
    # (its htmx refreshes are not visits).
    inbox_new_since = models.DateTimeField(null=True, blank=True)
    board_new_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "cut"], name="cut_visit_unique_user_cut"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on cut {self.cut_id}"
