"""What reading a cut's frames found: where a finding's reported text is on screen
(ScreenSighting), and whether an erratum's text or picture is still there in a later cut
(FixCheck). Both are suggestions for the creator; nothing here changes a status by itself.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from errata.models.catalog import Cut
from errata.models.errata import Erratum
from errata.models.findings import Finding


class SightingStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    FOUND = "found", "Seen on screen"
    # The text is not on screen anywhere near the reported time: likely something said.
    NOT_FOUND = "not_found", "Not on screen near its time"
    FAILED = "failed", "Could not be read"


class ScreenSighting(models.Model):
    """Where a finding's quoted text (the wrong side of its correction, else its quote) was
    looked for in the cut it was reported on, and where it was seen: a time range and a box on
    the frame grabbed in the middle of it (`frame_s`; `box` in fractions of the frame, so the
    page draws it over a frame of any size)."""

    Status = SightingStatus

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="sightings")
    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=16, choices=SightingStatus.choices, default=SightingStatus.PENDING
    )
    text = models.CharField(max_length=200)
    # The correction the report gives, looked for when the fix is checked.
    right_text = models.CharField(max_length=200, blank=True)
    window_start_s = models.FloatField()
    window_end_s = models.FloatField()
    # precise / hedged / vague / scene: how the window's width was chosen.
    window_basis = models.CharField(max_length=8)
    start_s = models.FloatField(null=True, blank=True)
    end_s = models.FloatField(null=True, blank=True)
    frame_s = models.FloatField(null=True, blank=True)
    # {"x", "y", "w", "h"} as fractions of the frame; {} until found.
    box = models.JSONField(default=dict, blank=True)
    seen_text = models.CharField(max_length=200, blank=True)
    confidence = models.FloatField(default=0)
    crop = models.FileField(upload_to="screen/", blank=True, max_length=300)
    frames_read = models.PositiveIntegerField(default=0)
    cpu_s = models.FloatField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["finding", "cut"], name="sighting_once_per_cut"),
            models.CheckConstraint(
                condition=Q(status__in=SightingStatus.values), name="sighting_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.text!r} on {self.cut_id}: {self.status}"

    @property
    def frame_ms(self) -> int | None:
        """The moment of the frame grab the box is drawn on."""
        return round(self.frame_s * 1000) if self.frame_s is not None else None

    @property
    def box_percent(self) -> dict[str, float]:
        """The box as CSS percentages, for drawing it over the frame."""
        return {key: round(100 * float(value), 2) for key, value in (self.box or {}).items()}


class FixCheckOutcome(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    FIXED = "fixed", "Fixed"
    STILL_THERE = "still_there", "Still on screen"
    # The wrong text is gone but the correction was not seen (or none is known).
    TEXT_GONE = "text_gone", "Wrong text gone"
    CHANGED = "changed", "Picture changed"
    UNCHANGED = "unchanged", "Picture unchanged"
    FAILED = "failed", "Could not be checked"


class FixCheck(models.Model):
    """An erratum looked at again in a later cut, at the same scene-relative moment: for text,
    is the wrong text gone and the right one there; for anything else, did the picture change
    (a perceptual difference). A suggestion with its evidence (the two crops); the creator
    confirms by marking the erratum fixed."""

    Outcome = FixCheckOutcome

    erratum = models.ForeignKey(Erratum, on_delete=models.CASCADE, related_name="fix_checks")
    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="+")
    from_cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(
        max_length=16, choices=FixCheckOutcome.choices, default=FixCheckOutcome.PENDING
    )
    wrong_text = models.CharField(max_length=200, blank=True)
    right_text = models.CharField(max_length=200, blank=True)
    from_s = models.FloatField()
    at_s = models.FloatField()
    # dHash bits (of 64) between the two frames; null for a text check.
    difference = models.PositiveSmallIntegerField(null=True, blank=True)
    before_crop = models.FileField(upload_to="screen/", blank=True, max_length=300)
    after_crop = models.FileField(upload_to="screen/", blank=True, max_length=300)
    cpu_s = models.FloatField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["erratum", "cut"], name="fixcheck_once_per_cut"),
            models.CheckConstraint(
                condition=Q(outcome__in=FixCheckOutcome.values), name="fixcheck_outcome_valid"
            ),
        ]
        indexes = [
            # The board flags its page of errata: checks by erratum.
            models.Index(fields=["erratum", "outcome"], name="fixcheck_erratum_idx"),
        ]

    def __str__(self) -> str:
        return f"check of erratum {self.erratum_id} in {self.cut_id}: {self.outcome}"
