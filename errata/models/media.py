"""What ffmpeg made of a cut's uploaded video, and frames grabbed from it.

The uploaded file itself stays on `Cut.media_file` (the original, kept as it came). Everything
derived from it (the browser-safe proxy, the poster, the thumbnail sprite, shot boundaries,
single frames) is made by Celery tasks and kept through Django's storage API, so the web and the
worker share nothing but the store.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from errata.models.catalog import Cut


class MediaStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class MediaPhase(models.TextChoices):
    WAITING = "waiting", _("Waiting for a worker")
    PROBING = "probing", _("Reading the file")
    PROXY = "proxy", _("Making the browser copy")
    POSTER = "poster", _("Making the poster")
    SPRITE = "sprite", _("Making the scrubbing thumbnails")
    FINISHED = "finished", _("Finished")


class CutMedia(models.Model):
    """The processing of one cut's uploaded video: what the probe found in the original, the
    files made from it, and how far the task has got (for the cut page's progress bar).

    `source_name` is the storage name of the original this row describes; when the creator
    uploads another file the row is reset, so nothing made from the old file is ever shown
    for the new one."""

    Status = MediaStatus
    Phase = MediaPhase

    cut = models.OneToOneField(Cut, on_delete=models.CASCADE, related_name="media")
    source_name = models.CharField(max_length=300)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.WAITING)
    percent = models.PositiveSmallIntegerField(default=0)
    # Why processing failed, said for the creator (ffmpeg's last lines are in the worker log).
    error = models.TextField(blank=True)
    # Something the creator should know that did not stop processing (a duration that could
    # not be applied, shots that could not be detected).
    warning = models.TextField(blank=True)
    # The original's Content-Type as the probe found it (video/mp4, video/x-matroska...).
    content_type = models.CharField(max_length=100, blank=True)
    # What the probe read: container, duration_s, fps, width, height, video and audio codecs.
    probe = models.JSONField(default=dict, blank=True)
    # H.264/AAC MP4 with its index at the front (+faststart): plays in every browser and seeks
    # before it has fully loaded.
    proxy = models.FileField(upload_to="proxies/", blank=True, max_length=300)
    poster = models.FileField(upload_to="posters/", blank=True, max_length=300)
    # Thumbnails every `sprite_index["interval_s"]` seconds in one image; the WebVTT index the
    # player reads is rendered from sprite_index (tile size, columns, count), so it always
    # names the sprite by the address it is served from.
    sprite = models.FileField(upload_to="sprites/", blank=True, max_length=300)
    sprite_index = models.JSONField(default=dict, blank=True)
    # Shot boundaries PySceneDetect found on the proxy, in seconds; null until detected.
    shots = models.JSONField(null=True, blank=True)
    # Play the cut's URL (YouTube, Vimeo...) instead of the uploaded file on the review page.
    prefer_url = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MediaStatus.values), name="cutmedia_status_valid"
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="cutmedia_percent_range"),
        ]

    def __str__(self) -> str:
        return f"media of {self.cut_id} ({self.status})"

    @property
    def is_ready(self) -> bool:
        return self.status == MediaStatus.READY and bool(self.proxy)


class FrameGrabStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class FrameGrab(models.Model):
    """One frame of a cut's proxy, grabbed by a task for the studio (a finding's moment, an
    erratum before and after its fix) and kept, so each moment is grabbed once."""

    Status = FrameGrabStatus

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="frame_grabs")
    # Milliseconds into the cut, rounded to FRAME_STEP_MS so nearby findings share a frame.
    at_ms = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=FrameGrabStatus.choices, default=FrameGrabStatus.PENDING
    )
    image = models.FileField(upload_to="frames/", blank=True, max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # The inbox asks for a page's frames by (cut, at_ms) in one query.
            models.UniqueConstraint(fields=["cut", "at_ms"], name="framegrab_unique_moment"),
            models.CheckConstraint(
                condition=Q(status__in=FrameGrabStatus.values), name="framegrab_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"frame of {self.cut_id} at {self.at_ms} ms ({self.status})"
