"""Serializers of teams, videos, cuts, scenes, spans and timelines. They validate and shape; the
services run the rules.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from errata.api.filters import MAX_SECONDS
from errata.api.serializers.base import (
    ScopedPrimaryKeyField,
    ScopedSlugField,
    scoped_cuts,
    scoped_teams,
    scoped_videos,
    seconds_field,
)
from errata.media.selectors import cut_media
from errata.media.uploads import MediaRefused, video_container_of
from errata.models import Cut, CutMedia, Membership, Scene, SceneSpan, Team, Video


class TeamSerializer(serializers.ModelSerializer):
    slug = serializers.CharField(source="team.slug", read_only=True)
    name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["slug", "name", "role"]
        read_only_fields = fields


class VideoSerializer(serializers.ModelSerializer):
    team = ScopedSlugField(scope=scoped_teams, queryset=Team.objects.all())
    fps = serializers.DecimalField(
        max_digits=6,
        decimal_places=3,
        min_value=Decimal("0.001"),
        coerce_to_string=False,
        required=False,
    )

    class Meta:
        model = Video
        fields = ["id", "slug", "team", "title", "fps", "render_command", "created_at"]
        read_only_fields = ["id", "created_at"]
        # Slugs are unique across teams; REST framework's own check would answer "video with
        # this slug already exists", confirming another team's video. validate_slug says less.
        extra_kwargs = {"slug": {"validators": []}}

    def validate_slug(self, slug: str) -> str:
        taken = Video.objects.filter(slug=slug)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            # The same words whoever's video it is: nothing about other teams is told.
            raise serializers.ValidationError("This slug is not available; choose another.")
        return slug


class VideoUpdateSerializer(VideoSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)


def _media_file_url(serializer: serializers.Serializer, cut: Cut, kind: str) -> str:
    path = reverse("api:cut-media-file", args=[cut.pk, kind])
    return serializer.context["request"].build_absolute_uri(path)


class CutMediaSerializer(serializers.ModelSerializer):
    """How far the processing of a cut's uploaded video has got, and its files once made."""

    video_url = serializers.SerializerMethodField(
        help_text="The browser-safe copy (H.264/AAC MP4) once ready; seek with Range requests "
        "(or follow the redirect to a signed address on an object store)."
    )
    poster_url = serializers.SerializerMethodField()
    original_url = serializers.SerializerMethodField(help_text="The file as it was uploaded.")

    class Meta:
        model = CutMedia
        fields = [
            "status",
            "phase",
            "percent",
            "error",
            "warning",
            "content_type",
            "probe",
            "shots",
            "prefer_url",
            "video_url",
            "poster_url",
            "original_url",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "error": {"help_text": "Why processing failed; the cut works without its video."},
            "content_type": {"help_text": "The uploaded file's type, read by ffprobe."},
            "probe": {"help_text": "What ffprobe read: duration_s, fps, width, height, codecs."},
            "shots": {"help_text": "Shot changes found in the video (seconds); null until then."},
        }

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_video_url(self, media: CutMedia) -> str | None:
        return _media_file_url(self, media.cut, "video") if media.is_ready else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_poster_url(self, media: CutMedia) -> str | None:
        return _media_file_url(self, media.cut, "poster") if media.poster else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_original_url(self, media: CutMedia) -> str | None:
        if not media.cut.media_file or not media.content_type:
            return None
        return _media_file_url(self, media.cut, "original")


class CutMediaUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The cut's video (MP4, MOV, MKV, WebM...). Anything else is refused."
    )

    def validate_file(self, upload):
        try:
            video_container_of(upload)
        except MediaRefused as refusal:
            raise serializers.ValidationError(str(refusal)) from None
        return upload


class CutSerializer(serializers.ModelSerializer):
    video = ScopedSlugField(scope=scoped_videos, queryset=Video.objects.all())
    duration_s = serializers.FloatField(min_value=0.001, max_value=MAX_SECONDS)
    number = serializers.IntegerField(min_value=1, max_value=100_000)
    fps = serializers.DecimalField(
        max_digits=6,
        decimal_places=3,
        min_value=Decimal("0.001"),
        coerce_to_string=False,
        required=False,
        allow_null=True,
    )
    media_file = serializers.SerializerMethodField(
        help_text="The uploaded video as it came (its team only); upload one with "
        "PUT /api/cuts/{id}/media/."
    )
    media = serializers.SerializerMethodField()

    class Meta:
        model = Cut
        fields = [
            "id",
            "video",
            "number",
            "label",
            "duration_s",
            "fps",
            "media_url",
            "media_file",
            "media",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        validators = []  # the unique number is checked in validate(), with a clearer message

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_media_file(self, cut: Cut) -> str | None:
        media = cut_media(cut=cut)
        if not cut.media_file or media is None or not media.content_type:
            return None
        return _media_file_url(self, cut, "original")

    @extend_schema_field(CutMediaSerializer(allow_null=True))
    def get_media(self, cut: Cut) -> dict | None:
        media = cut_media(cut=cut)
        if media is None:
            return None
        media.cut = cut
        return CutMediaSerializer(media, context=self.context).data

    def validate(self, attrs: dict) -> dict:
        video = attrs.get("video") or getattr(self.instance, "video", None)
        number = attrs.get("number")
        if video is not None and number is not None:
            taken = Cut.objects.filter(video=video, number=number)
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise serializers.ValidationError(
                    {"number": f"{video.slug} already has cut {number}."}
                )
        return attrs


class CutUpdateSerializer(CutSerializer):
    """A cut's video is fixed. Its duration may change, but not to end before a span, comment,
    finding or erratum that lies on it (refused with what is in the way)."""

    video = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    duration_s = serializers.FloatField(min_value=0.001, max_value=MAX_SECONDS, required=False)


class CarrySerializer(serializers.Serializer):
    to_cut = ScopedPrimaryKeyField(scope=scoped_cuts, queryset=Cut.objects.all())


class CarryResultSerializer(serializers.Serializer):
    errata = serializers.IntegerField()
    findings = serializers.IntegerField()
    without_scene = serializers.IntegerField()


class SceneSerializer(serializers.ModelSerializer):
    video = ScopedSlugField(scope=scoped_videos, queryset=Video.objects.all())

    class Meta:
        model = Scene
        fields = ["id", "video", "name", "source_path", "class_line", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators = []
        extra_kwargs = {"class_line": {"min_value": 1, "max_value": 10_000_000}}

    def validate(self, attrs: dict) -> dict:
        video = attrs.get("video") or getattr(self.instance, "video", None)
        name = attrs.get("name")
        if video is not None and name is not None:
            taken = Scene.objects.filter(video=video, name=name)
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise serializers.ValidationError(
                    {"name": f"{video.slug} already has a scene {name!r}."}
                )
        return attrs


class SceneUpdateSerializer(SceneSerializer):
    video = serializers.SlugRelatedField(slug_field="slug", read_only=True)


class SceneSpanSerializer(serializers.ModelSerializer):
    scene_name = serializers.CharField(source="scene.name", read_only=True)

    class Meta:
        model = SceneSpan
        fields = ["id", "cut", "scene", "scene_name", "start_s", "end_s"]
        read_only_fields = fields


class TimelineEntrySerializer(serializers.Serializer):
    scene = serializers.CharField(max_length=200, help_text="The scene's name; made if new.")
    start_s = seconds_field()
    end_s = seconds_field()


class TimelineSerializer(serializers.Serializer):
    spans = TimelineEntrySerializer(many=True, max_length=5000)
    source_path = serializers.CharField(
        max_length=300,
        required=False,
        default="",
        allow_blank=True,
        help_text="The source file of scenes this timeline creates.",
    )


class TimelineResultSerializer(serializers.Serializer):
    spans = serializers.IntegerField()
    scenes_created = serializers.IntegerField()
    findings_moved = serializers.IntegerField()
