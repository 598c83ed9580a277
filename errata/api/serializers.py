"""Serializers validate and shape; they run no business rules (the services do).

Related objects are looked up in the caller's scope (ScopedPrimaryKeyField), so naming another
team's cut or scene is "does not exist", never a way to reach it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from ipaddress import ip_address

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from errata import services
from errata.api import selectors
from errata.api.authentication import reviewer_key_from
from errata.api.filters import MAX_SECONDS
from errata.api.permissions import is_review_link
from errata.exports import EXPORT_FORMATS
from errata.importers import COMMENT_FORMATS
from errata.models import (
    ApiToken,
    Category,
    Comment,
    Cut,
    Erratum,
    ErratumEvent,
    ExportJob,
    Finding,
    ImportJob,
    Membership,
    Remedy,
    ReviewLink,
    Scene,
    SceneSpan,
    Team,
    Video,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from errata.services import COMMENT_MAX_LENGTH

# One request may act on this many findings at once (a big duplicate group is a few dozen).
MAX_FINDINGS_PER_ACTION = 500


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up among the rows the caller may see. `scope(request)` gives them;
    `queryset` names the model for the schema."""

    def __init__(self, *, scope: Callable, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.scope(self.context["request"])


class ScopedSlugField(serializers.SlugRelatedField):
    def __init__(self, *, scope: Callable, **kwargs):
        self.scope = scope
        super().__init__(slug_field="slug", **kwargs)

    def get_queryset(self) -> QuerySet:
        return self.scope(self.context["request"])


def _teams(request) -> QuerySet[Team]:
    return Team.objects.filter(pk__in=selectors.team_ids_for(request.user))


def _videos(request) -> QuerySet[Video]:
    return selectors.videos_for_user(request.user)


def _cuts(request) -> QuerySet[Cut]:
    if is_review_link(request):
        return selectors.cut_for_review_link(request.auth)
    return selectors.cuts_for_user(request.user)


def _scenes(request) -> QuerySet[Scene]:
    return selectors.scenes_for_user(request.user)


def _errata(request) -> QuerySet[Erratum]:
    return Erratum.objects.filter(video__team_id__in=selectors.team_ids_for(request.user))


def _comments(request) -> QuerySet[Comment]:
    if is_review_link(request):
        return selectors.comments_for_review_link(
            request.auth, reviewer_key=reviewer_key_from(request)
        )
    return selectors.comments_for_user(request.user)


def seconds_field(**kwargs) -> serializers.FloatField:
    return serializers.FloatField(min_value=0, max_value=MAX_SECONDS, **kwargs)


# --- Teams, videos, cuts, scenes, spans --------------------------------------------------------


class TeamSerializer(serializers.ModelSerializer):
    slug = serializers.CharField(source="team.slug", read_only=True)
    name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["slug", "name", "role"]
        read_only_fields = fields


class VideoSerializer(serializers.ModelSerializer):
    team = ScopedSlugField(scope=_teams, queryset=Team.objects.all())
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


class VideoUpdateSerializer(VideoSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)


class CutSerializer(serializers.ModelSerializer):
    video = ScopedSlugField(scope=_videos, queryset=Video.objects.all())
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
    media_file = serializers.FileField(read_only=True, use_url=True)

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
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        validators = []  # the unique number is checked in validate(), with a clearer message

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
    """A cut's video is fixed, and so is its duration: spans, comments and errata already lie
    on its timeline."""

    video = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    duration_s = serializers.FloatField(read_only=True)


class CarrySerializer(serializers.Serializer):
    to_cut = ScopedPrimaryKeyField(scope=_cuts, queryset=Cut.objects.all())


class CarryResultSerializer(serializers.Serializer):
    errata = serializers.IntegerField()
    findings = serializers.IntegerField()
    without_scene = serializers.IntegerField()


class SceneSerializer(serializers.ModelSerializer):
    video = ScopedSlugField(scope=_videos, queryset=Video.objects.all())

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


# --- Review links and comments -----------------------------------------------------------------


class ReviewLinkSerializer(serializers.ModelSerializer):
    cut = ScopedPrimaryKeyField(scope=_cuts, queryset=Cut.objects.all())
    url = serializers.SerializerMethodField()
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = ReviewLink
        fields = [
            "id",
            "cut",
            "token",
            "url",
            "label",
            "expires_at",
            "can_comment",
            "show_others_comments",
            "revoked_at",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["id", "token", "revoked_at", "created_at"]

    def get_url(self, link: ReviewLink) -> str:
        return f"{settings.SITE_URL}/r/{link.token}/"

    def get_is_active(self, link: ReviewLink) -> bool:
        return link.is_active()


class ReviewLinkUpdateSerializer(ReviewLinkSerializer):
    cut = serializers.PrimaryKeyRelatedField(read_only=True)


class CommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = [
            "id",
            "cut",
            "parent",
            "author_name",
            "author_role",
            "text",
            "timestamp_s",
            "source",
            "triage_state",
            "posted_at",
            "created_at",
        ]
        read_only_fields = fields


class CommentCreateSerializer(serializers.Serializer):
    cut = ScopedPrimaryKeyField(
        scope=_cuts,
        queryset=Cut.objects.all(),
        required=False,
        help_text="Required for team members; a review link posts on its own cut.",
    )
    parent = ScopedPrimaryKeyField(
        scope=_comments, queryset=Comment.objects.all(), required=False, allow_null=True
    )
    text = serializers.CharField(max_length=COMMENT_MAX_LENGTH, trim_whitespace=False)
    timestamp_s = seconds_field(required=False, allow_null=True)
    author_name = serializers.CharField(
        max_length=150,
        required=False,
        default="",
        help_text="With a review link: the name to show, when X-Errata-Reviewer is not sent.",
    )
    email = serializers.EmailField(required=False, default="", allow_blank=True)


class CommentCreatedSerializer(CommentSerializer):
    reviewer_key = serializers.SerializerMethodField(
        help_text="With a review link: send it back as X-Errata-Reviewer to post and read as "
        "the same person."
    )

    class Meta(CommentSerializer.Meta):
        fields = [*CommentSerializer.Meta.fields, "reviewer_key"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.UUID)
    def get_reviewer_key(self, comment: Comment) -> str | None:
        if comment.reviewer is None or comment.author_role != Comment.Role.PATRON:
            return None
        return str(comment.reviewer.key)


# --- Findings and errata -----------------------------------------------------------------------


class FindingSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="comment.author_name", read_only=True)
    category = serializers.ChoiceField(
        choices=Category.choices,
        allow_blank=True,
        read_only=True,
        help_text="The creator's decision; empty while undecided.",
    )
    effective_category = serializers.ChoiceField(choices=Category.choices, read_only=True)
    effective_scene = serializers.IntegerField(
        source="effective_scene_id", read_only=True, allow_null=True
    )

    class Meta:
        model = Finding
        fields = [
            "id",
            "comment",
            "author_name",
            "cut",
            "position",
            "text",
            "span_start",
            "span_end",
            "timestamp_s",
            "timestamp_source",
            "parsed_timestamps",
            "suggested_category",
            "category_confidence",
            "category",
            "effective_category",
            "suggested_scene",
            "scene",
            "effective_scene",
            "duplicate_group",
            "erratum",
            "state",
            "dismissed_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class FindingUpdateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    scene = ScopedPrimaryKeyField(
        scope=_scenes,
        queryset=Scene.objects.all(),
        required=False,
        allow_null=True,
        help_text="null clears the creator's scene (the suggestion shows again).",
    )
    timestamp_s = seconds_field(required=False)


def finding_ids_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=MAX_FINDINGS_PER_ACTION,
    )


class FindingIdsSerializer(serializers.Serializer):
    finding_ids = finding_ids_field()


class FindingsDismissSerializer(serializers.Serializer):
    finding_ids = finding_ids_field()
    category = serializers.ChoiceField(
        choices=[Category.CONTENT, Category.NONE],
        default=Category.NONE,
        help_text="content: feedback worth keeping; none: praise or chatter.",
    )
    reason = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class ErratumSerializer(serializers.ModelSerializer):
    video = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    findings = serializers.SerializerMethodField(help_text="The findings reporting it.")
    report_count = serializers.SerializerMethodField()

    class Meta:
        model = Erratum
        fields = [
            "id",
            "video",
            "found_in_cut",
            "cut",
            "fixed_in_cut",
            "title",
            "description",
            "category",
            "severity",
            "status",
            "timestamp_s",
            "scene",
            "remedy",
            "fix_note",
            "resolution_reason",
            "merged_into",
            "version",
            "findings",
            "report_count",
            "created_at",
            "updated_at",
            "fixed_at",
            "verified_at",
        ]
        read_only_fields = fields

    def _finding_ids(self, erratum: Erratum) -> list[int]:
        rows = getattr(erratum, "finding_rows", None)
        if rows is None:  # not loaded through selectors.errata_with_findings
            return list(erratum.findings.order_by("id").values_list("id", flat=True))
        return [f.pk for f in rows]

    def get_findings(self, erratum: Erratum) -> list[int]:
        return self._finding_ids(erratum)

    def get_report_count(self, erratum: Erratum) -> int:
        return len(self._finding_ids(erratum))


class ErratumCreateSerializer(serializers.Serializer):
    """Accept findings (a suggested group or a hand-picked set) as one new erratum. Every other
    field is prefilled from the findings when left out."""

    finding_ids = finding_ids_field()
    title = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(required=False, default="", allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    severity = serializers.ChoiceField(choices=Erratum.Severity.choices, default="medium")
    remedy = serializers.ChoiceField(choices=Remedy.choices, required=False)
    scene = ScopedPrimaryKeyField(
        scope=_scenes, queryset=Scene.objects.all(), required=False, allow_null=True
    )
    timestamp_s = seconds_field(required=False, allow_null=True)


class ErratumUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    severity = serializers.ChoiceField(choices=Erratum.Severity.choices, required=False)
    remedy = serializers.ChoiceField(choices=Remedy.choices, required=False)
    timestamp_s = seconds_field(required=False, allow_null=True)
    scene = ScopedPrimaryKeyField(
        scope=_scenes, queryset=Scene.objects.all(), required=False, allow_null=True
    )
    fix_note = serializers.CharField(required=False, allow_blank=True)


class MergeSerializer(serializers.Serializer):
    into = ScopedPrimaryKeyField(
        scope=_errata, queryset=Erratum.objects.all(), help_text="The erratum that stays."
    )


class FixSerializer(serializers.Serializer):
    fixed_in_cut = ScopedPrimaryKeyField(scope=_cuts, queryset=Cut.objects.all())
    fix_note = serializers.CharField(required=False, allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class EmptySerializer(serializers.Serializer):
    pass


class ErratumEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ErratumEvent
        fields = ["id", "kind", "actor", "changes", "created_at"]
        read_only_fields = fields


# --- Tokens and webhooks -----------------------------------------------------------------------


class ApiTokenSerializer(serializers.ModelSerializer):
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
            "is_active",
        ]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_is_active(self, token: ApiToken) -> bool:
        return token.is_active()


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown this once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]


def _validate_webhook_url(url: str) -> str:
    """Webhooks go out over the internet. Unless private networks are allowed, a URL naming a
    loopback, private or link-local address (a cloud's metadata service) is refused here, and
    the address a host name resolves to is checked again when sending."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise serializers.ValidationError("Use an http:// or https:// URL.")
    if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return url
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise serializers.ValidationError("A webhook cannot point at this server.")
    try:
        address = ip_address(host)
    except ValueError:
        return url
    if not address.is_global:
        raise serializers.ValidationError("A webhook cannot point into a private network.")
    return url


class WebhookEndpointSerializer(serializers.ModelSerializer):
    team = ScopedSlugField(scope=_teams, queryset=Team.objects.all())
    url = serializers.URLField(max_length=500, validators=[_validate_webhook_url])
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1, max_length=10
    )
    secret_hint = serializers.SerializerMethodField(help_text="The secret's first characters.")

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "team",
            "url",
            "description",
            "events",
            "is_active",
            "secret_hint",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def validate_events(self, events: list[str]) -> list[str]:
        return sorted(set(events))

    def get_secret_hint(self, endpoint: WebhookEndpoint) -> str:
        return endpoint.secret[:10] + "…"


class WebhookEndpointUpdateSerializer(WebhookEndpointSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)


class WebhookEndpointSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="Shown when the endpoint is made and when the secret is rotated; keep it.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_id",
            "status",
            "attempts",
            "response_code",
            "error",
            "replay_of",
            "created_at",
            "last_attempt_at",
            "delivered_at",
        ]
        read_only_fields = fields


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    class Meta(WebhookDeliverySerializer.Meta):
        fields = [*WebhookDeliverySerializer.Meta.fields, "body"]
        read_only_fields = fields


# --- Imports and exports -----------------------------------------------------------------------


def _absolute(request, name: str, pk: int) -> str:
    # Not REST framework's reverse: it would carry the request's ?format= (an export's) along.
    return request.build_absolute_uri(reverse(name, args=[pk]))


def started_by_field() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who started it (username); null once their account is deleted.",
    )


class CommentImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The comment file: a Patreon page paste (.txt), a CSV, or YouTube "
        "commentThreads JSON; UTF-8."
    )
    format = serializers.ChoiceField(choices=COMMENT_FORMATS)
    creator_name = serializers.CharField(
        max_length=150,
        required=False,
        default="",
        allow_blank=True,
        help_text="Whose comments in the file are the creator's replies; blank for the name of "
        "the team's owner.",
    )

    def validate_file(self, upload):
        if upload.size > services.IMPORT_MAX_BYTES:
            raise serializers.ValidationError(
                f"The file is larger than {services.IMPORT_MAX_BYTES // 2**20} MB."
            )
        return upload


class CommentImportResultSerializer(serializers.Serializer):
    """What an import done during the request did."""

    total = serializers.IntegerField(help_text="Comments in the file.")
    added = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Imported before (same source and id).")
    creator = serializers.IntegerField(help_text="Of those added, the creator's replies.")
    replies = serializers.IntegerField(help_text="Of those added, answers to another comment.")
    findings = serializers.IntegerField(help_text="Findings triage made from the added comments.")


class ImportJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    created_by = started_by_field()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "url",
            "cut",
            "format",
            "filename",
            "creator_name",
            "status",
            "phase",
            "percent",
            "total",
            "added",
            "skipped",
            "findings",
            "error",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "format": {"help_text": "patreon, csv or youtube"},
            "total": {"help_text": "Comments in the file (known once it is checked)."},
            "error": {
                "help_text": "Why it failed (the line or record at fault); nothing was written."
            },
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, job: ImportJob) -> str:
        return _absolute(self.context["request"], "api:import-job-detail", job.pk)


class ExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=EXPORT_FORMATS)


class ExportJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(
        help_text="Where to fetch the file (with the same credentials) once the status is done."
    )
    created_by = started_by_field()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "url",
            "cut",
            "format",
            "status",
            "filename",
            "content_type",
            "download_url",
            "error",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, job: ExportJob) -> str:
        return _absolute(self.context["request"], "api:export-job-detail", job.pk)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportJob.Status.DONE:
            return None
        return _absolute(self.context["request"], "api:export-job-download", job.pk)
