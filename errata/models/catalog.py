"""Videos, their cuts, the scenes rendered on their own, and where each scene sits on a cut."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from errata.models.people import Team


class Video(models.Model):
    """One piece of work. It has several cuts (v1 early view, v2 fixed...)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="videos")
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=100, unique=True)
    fps = models.DecimalField(max_digits=6, decimal_places=3, default=30)
    # How the renderer re-renders scenes, one command per source file. {source} and {scenes} are
    # filled in by the render-script export; manim community edition would use
    # "manim render {source} {scenes}".
    render_command = models.CharField(
        max_length=300, default="manimgl {source} {scenes} -w", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(fps__gt=0), name="video_fps_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class Cut(models.Model):
    """One rendered version of a video, with its own media, duration and timeline."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="cuts")
    number = models.PositiveIntegerField()
    label = models.CharField(max_length=150, blank=True)
    duration_s = models.FloatField()
    fps = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    media_file = models.FileField(upload_to="cuts/", blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    # How many lines its transcript has (TranscriptLine), kept by catalog.transcript_import: the
    # inbox asks for spoken lines only when there are some.
    transcript_line_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["video_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["video", "number"], name="cut_unique_number"),
            models.CheckConstraint(condition=Q(duration_s__gt=0), name="cut_duration_positive"),
            models.CheckConstraint(condition=Q(number__gte=1), name="cut_number_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.video.slug} cut {self.number}"

    @property
    def effective_fps(self):
        return self.fps or self.video.fps


class Scene(models.Model):
    """A unit rendered on its own, usually a manim Scene class."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="scenes")
    name = models.CharField(max_length=200)
    source_path = models.CharField(max_length=300, blank=True)
    class_line = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["video_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["video", "name"], name="scene_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class SceneSpan(models.Model):
    """Where a scene sits on one cut's timeline. Must lie inside the cut (trigger in 0002)."""

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="spans")
    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="spans")
    start_s = models.FloatField()
    end_s = models.FloatField()

    class Meta:
        ordering = ["cut_id", "start_s"]
        constraints = [
            models.CheckConstraint(condition=Q(start_s__gte=0), name="span_start_not_negative"),
            models.CheckConstraint(
                condition=Q(start_s__lt=F("end_s")), name="span_starts_before_end"
            ),
        ]
        indexes = [
            # The scene locator and the board read a cut's spans in timeline order.
            models.Index(fields=["cut", "start_s"], name="span_cut_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.scene.name} {self.start_s:.2f}-{self.end_s:.2f}"
