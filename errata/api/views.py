"""The API's views: thin. They check the input with a serializer, call a service or a selector,
and shape the answer. Domain errors become HTTP errors in errata/api/exceptions.py.

Errata carry a version: every erratum response has `ETag: "<version>"`, and a write sent with
`If-Match: "<version>"` is refused with 412 when someone changed the erratum in between.
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from errata import services, webhooks
from errata.api import selectors, serializers
from errata.api.authentication import REVIEWER_HEADER, reviewer_key_from
from errata.api.exceptions import Conflict, PreconditionFailed
from errata.api.filters import (
    CommentFilter,
    CutFilter,
    ErratumFilter,
    ExportJobFilter,
    FindingFilter,
    ImportJobFilter,
    ReviewLinkFilter,
    SceneFilter,
    SceneSpanFilter,
    VideoFilter,
    WebhookDeliveryFilter,
    WebhookEndpointFilter,
)
from errata.api.permissions import (
    IsTeamMemberOrReviewLink,
    IsTeamOwnerToChange,
    is_review_link,
    is_team_owner,
)
from errata.api.tokens import api_token_create, api_token_revoke
from errata.exports import EXPORT_FORMATS, export_render, export_size
from errata.importers import CommentFileError, TimelineEntry
from errata.models import (
    ApiToken,
    Comment,
    Cut,
    Erratum,
    ExportJob,
    Finding,
    ImportJob,
    Membership,
    Reviewer,
    ReviewLink,
    Scene,
    SceneSpan,
    Video,
    WebhookDelivery,
    WebhookEndpoint,
)

ID_PATTERN = r"[0-9]{1,18}"
SLUG_PATTERN = r"[-a-zA-Z0-9_]+"

IF_MATCH = OpenApiParameter(
    name="If-Match",
    location=OpenApiParameter.HEADER,
    type=str,
    required=False,
    description='The erratum\'s ETag when you read it (`"3"`); a stale one is refused with 412.',
)
REVIEWER = OpenApiParameter(
    name=REVIEWER_HEADER,
    location=OpenApiParameter.HEADER,
    type=OpenApiTypes.UUID,
    required=False,
    description="With a review link: the reviewer_key from your first comment.",
)


# --- Files in and out: what the import and export endpoints share -------------------------------


class DownloadNegotiation(DefaultContentNegotiation):
    """The export endpoints pick the file with `?format=` (which REST framework would otherwise
    take for a renderer's name and answer 404) and send it whatever Accept says. Everything
    else they answer (a job, an error) is JSON."""

    def select_renderer(self, request: Request, renderers: list, format_suffix=None) -> tuple:
        return renderers[0], renderers[0].media_type


DOWNLOAD = {
    "filter_backends": [],
    "renderer_classes": [JSONRenderer],
    "content_negotiation_class": DownloadNegotiation,
}

# Media types of the export formats (errata.exports), for the schema.
EXPORT_MEDIA_TYPES = {
    "text/markdown": "md: the fix checklist",
    "text/csv": "csv: one row per erratum, every field",
    "application/json": "json: the video, the cut and one object per erratum",
    "text/x-shellscript": "sh: the re-render script",
    "text/plain": "edl (CMX3600 markers), corrections, credits",
}
EXPORT_JSON_SCHEMA = {
    "type": "object",
    "description": '{"video": {...}, "cut": {...}, "errata": [{...every field...}]}',
    "additionalProperties": True,
}


def _export_file_responses(description: str) -> dict:
    kinds = "; ".join(f"{what}: {media_type}" for media_type, what in EXPORT_MEDIA_TYPES.items())
    return {
        (200, media_type): OpenApiResponse(
            EXPORT_JSON_SCHEMA if media_type == "application/json" else OpenApiTypes.BINARY,
            f"{description}. {kinds}.",
        )
        for media_type in EXPORT_MEDIA_TYPES
    }


ERROR_REF = {"$ref": "#/components/schemas/Error"}
CONTENT_DISPOSITION = OpenApiParameter(
    name="Content-Disposition",
    location=OpenApiParameter.HEADER,
    type=str,
    required=True,
    response=[200],
    description='attachment; filename="<video>-cut<number>-<export>"',
)
JOB_LOCATION = OpenApiParameter(
    name="Location",
    location=OpenApiParameter.HEADER,
    type=OpenApiTypes.URI,
    required=True,
    response=[202],
    description="The job: poll it until its status is done or failed.",
)
EXPORT_FORMAT = OpenApiParameter(
    name="format",
    location=OpenApiParameter.QUERY,
    type=str,
    required=True,
    enum=list(EXPORT_FORMATS),
    description="md, csv, json, sh, edl, corrections or credits (see the README's Exports).",
)


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _job_accepted(body: dict) -> Response:
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class ApiViewSet(viewsets.GenericViewSet):
    """Ids in URLs are digits only, so nothing else ever reaches a query."""

    lookup_value_regex = ID_PATTERN
    # PUT is not offered for resources (PATCH changes what it names); actions may still use it.
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]
    update_serializer_class: type | None = None

    def get_serializer_class(self):
        if self.action == "partial_update" and self.update_serializer_class is not None:
            return self.update_serializer_class
        return super().get_serializer_class()

    def partial_update_row(self, request: Request) -> Response:
        """PATCH for a resource that is one row and has no side effects."""
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(self.serializer_class(instance, context=self.get_serializer_context()).data)

    def input(self, serializer_class: type, request: Request) -> dict:
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


# --- Teams, videos, cuts, scenes, spans --------------------------------------------------------


class TeamViewSet(mixins.ListModelMixin, ApiViewSet):
    """The teams you belong to, with your role."""

    queryset = Membership.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = serializers.TeamSerializer
    ordering_fields = ["id"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet:
        return selectors.memberships_for_user(self.request.user)


class VideoViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    queryset = Video.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = serializers.VideoSerializer
    update_serializer_class = serializers.VideoUpdateSerializer
    filterset_class = VideoFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    ordering_fields = ["title", "slug", "created_at", "id"]
    ordering = ["slug", "id"]

    def get_queryset(self) -> QuerySet:
        return selectors.videos_for_user(self.request.user)

    def partial_update(self, request: Request, slug: str) -> Response:
        return self.partial_update_row(request)


class CutViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    """A cut of a video. A review link may read its own cut (to know its media and length)."""

    queryset = Cut.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = serializers.CutSerializer
    update_serializer_class = serializers.CutUpdateSerializer
    permission_classes = [IsTeamMemberOrReviewLink]
    review_link_actions = ("retrieve",)
    filterset_class = CutFilter
    ordering_fields = ["number", "created_at", "id"]
    ordering = ["video_id", "number", "id"]

    def get_queryset(self) -> QuerySet:
        if is_review_link(self.request):
            return selectors.cut_for_review_link(self.request.auth)
        return selectors.cuts_for_user(self.request.user)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.partial_update_row(request)

    @extend_schema(
        request=serializers.CarrySerializer, responses={200: serializers.CarryResultSerializer}
    )
    @action(detail=True, methods=["post"])
    def carry(self, request: Request, pk: str) -> Response:
        """Carry this cut's open errata and untriaged findings to a newer cut, by scene."""
        cut = self.get_object()
        data = self.input(serializers.CarrySerializer, request)
        result = services.errata_carry_to_cut(
            from_cut=cut, to_cut=data["to_cut"], actor=request.user
        )
        return Response(serializers.CarryResultSerializer(result).data)

    @extend_schema(
        request=serializers.TimelineSerializer,
        responses={200: serializers.TimelineResultSerializer},
    )
    @action(detail=True, methods=["put"])
    def timeline(self, request: Request, pk: str) -> Response:
        """Replace this cut's scene spans (scenes are made by name when new); findings move to
        the scene that now holds their time."""
        cut = self.get_object()
        data = self.input(serializers.TimelineSerializer, request)
        entries = [
            TimelineEntry(scene_name=e["scene"], start_s=e["start_s"], end_s=e["end_s"])
            for e in data["spans"]
        ]
        result = services.timeline_import(cut=cut, entries=entries, source_path=data["source_path"])
        return Response(serializers.TimelineResultSerializer(result).data)

    @extend_schema(
        request={"multipart/form-data": serializers.CommentImportSerializer},
        parameters=[JOB_LOCATION],
        responses={
            201: OpenApiResponse(
                serializers.CommentImportResultSerializer,
                "A small file, imported and triaged during the request.",
            ),
            202: OpenApiResponse(
                serializers.ImportJobSerializer,
                "A large file, stored and queued: follow the job (Location) for its progress.",
            ),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser],
        filter_backends=[],
    )
    def import_comments(self, request: Request, pk: str) -> Response:
        """Import a comment file into this cut, all or nothing; re-importing adds nothing. Files
        up to 256 KB are imported now (201 with the counts; a malformed file is 400 naming the
        line or record at fault, and nothing is written). Larger ones are imported by a Celery
        task (202 with the job, whose percentage shows its progress and whose error names the
        line or record of a malformed file)."""
        cut = self.get_object()
        data = self.input(serializers.CommentImportSerializer, request)
        upload, fmt = data["file"], data["format"]
        if upload.size > services.IMPORT_INLINE_MAX_BYTES:
            job = services.import_job_create(
                cut=cut,
                user=request.user,
                fmt=fmt,
                upload=upload,
                creator_name=data["creator_name"],
                inline=False,
            )
            return _job_accepted(
                serializers.ImportJobSerializer(job, context=self.get_serializer_context()).data
            )
        # Small enough to hold: the import streams the file twice (check, then write).
        content = upload.read()
        try:
            result = services.comments_import(
                cut=cut,
                fmt=fmt,
                open_file=lambda: io.BytesIO(content),
                creator_name=data["creator_name"].strip() or None,
            )
        except CommentFileError as error:
            raise ValidationError({"file": [f"Nothing was imported: {error}"]}) from None
        body = serializers.CommentImportResultSerializer(result).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[EXPORT_FORMAT, CONTENT_DISPOSITION, JOB_LOCATION],
        responses={
            **_export_file_responses("A small export, as a file"),
            (202, "application/json"): OpenApiResponse(
                serializers.ExportJobSerializer,
                "A large export, rendered by a Celery task: follow the job (Location) to its "
                "download_url.",
            ),
            (409, "application/json"): OpenApiResponse(
                ERROR_REF, "The video's render command cannot make a script (format sh)."
            ),
        },
    )
    @action(detail=True, methods=["get"], **DOWNLOAD)
    def export(self, request: Request, pk: str) -> HttpResponse:
        """This cut's checklist and its companions, by `format`. Cuts with up to 5,000 errata
        get the file at once; larger ones get an export job (202), and asking again while it
        runs answers the same job."""
        cut = self.get_object()
        query = serializers.ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        fmt = query.validated_data["format"]
        if export_size(cut=cut) > services.EXPORT_INLINE_MAX_ERRATA:
            job = selectors.export_job_in_progress(cut=cut, fmt=fmt)
            if job is None:
                job = services.export_job_create(cut=cut, user=request.user, fmt=fmt)
            return _job_accepted(
                serializers.ExportJobSerializer(job, context=self.get_serializer_context()).data
            )
        try:
            result = export_render(cut=cut, fmt=fmt)
        except DjangoValidationError as error:
            raise Conflict(" ".join(error.messages)) from None
        return _attachment(
            HttpResponse(result.content, content_type=result.content_type), result.filename
        )


class SceneViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    queryset = Scene.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = serializers.SceneSerializer
    update_serializer_class = serializers.SceneUpdateSerializer
    filterset_class = SceneFilter
    ordering_fields = ["name", "created_at", "id"]
    ordering = ["video_id", "name", "id"]

    def get_queryset(self) -> QuerySet:
        return selectors.scenes_for_user(self.request.user)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.partial_update_row(request)


class SceneSpanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Where scenes sit on a cut's timeline. Change them with PUT /api/cuts/{id}/timeline/."""

    queryset = SceneSpan.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = serializers.SceneSpanSerializer
    filterset_class = SceneSpanFilter
    ordering_fields = ["start_s", "id"]
    ordering = ["cut_id", "start_s", "id"]

    def get_queryset(self) -> QuerySet:
        return selectors.spans_for_user(self.request.user)


# --- Review links and comments -----------------------------------------------------------------


class ReviewLinkViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    queryset = ReviewLink.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = serializers.ReviewLinkSerializer
    update_serializer_class = serializers.ReviewLinkUpdateSerializer
    filterset_class = ReviewLinkFilter
    ordering_fields = ["created_at", "expires_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet:
        return selectors.review_links_for_user(self.request.user)

    def perform_create(self, serializer) -> None:
        # One place makes links (the studio, the admin and the API): the service checks the
        # label and that an expiry lies in the future.
        data = serializer.validated_data
        serializer.instance = services.review_link_create(
            cut=data["cut"],
            label=data.get("label", ""),
            expires_at=data.get("expires_at"),
            can_comment=data.get("can_comment", True),
            show_others_comments=data.get("show_others_comments", True),
            created_by=self.request.user,
        )

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.partial_update_row(request)

    @extend_schema(request=None, responses={200: serializers.ReviewLinkSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        """The link stops working at once, for reading and for commenting."""
        link = self.get_object()
        services.review_link_revoke(review_link=link)
        return Response(self.get_serializer(link).data)


@extend_schema(parameters=[REVIEWER])
class CommentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Comments, stored exactly as written. Team members see all of their videos' comments and
    post replies as the creator; a review link sees and posts on its own cut (only the patron's
    own comments and the replies to them, when the creator hides others' comments)."""

    queryset = Comment.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = serializers.CommentSerializer
    permission_classes = [IsTeamMemberOrReviewLink]
    review_link_actions = ("list", "retrieve", "create")
    filterset_class = CommentFilter
    ordering_fields = ["timestamp_s", "posted_at", "created_at", "id"]
    ordering = ["cut_id", "timestamp_s", "id"]

    def get_queryset(self) -> QuerySet:
        if is_review_link(self.request):
            return selectors.comments_for_review_link(
                self.request.auth, reviewer_key=reviewer_key_from(self.request)
            )
        return selectors.comments_for_user(self.request.user)

    @extend_schema(
        request=serializers.CommentCreateSerializer,
        responses={201: serializers.CommentCreatedSerializer},
    )
    def create(self, request: Request) -> Response:
        data = self.input(serializers.CommentCreateSerializer, request)
        if is_review_link(request):
            reviewer = None
            key = reviewer_key_from(request)
            if key is not None:
                reviewer = Reviewer.objects.filter(key=key).first()
                if reviewer is None:
                    raise ValidationError({"reviewer": "No reviewer has this key."})
            elif not (data["author_name"] or "").strip():
                raise ValidationError({"author_name": "Give a name to show with the comment."})
            comment = services.review_comment_create(
                review_link=request.auth,
                text=data["text"],
                reviewer=reviewer,
                guest_name=data["author_name"],
                guest_email=data["email"],
                timestamp_s=data.get("timestamp_s"),
                parent=data.get("parent"),
                source=Comment.Source.API,
            )
        else:
            if data.get("cut") is None:
                raise ValidationError({"cut": "Say which cut the comment is on."})
            user = request.user
            comment = services.comment_create(
                cut=data["cut"],
                text=data["text"],
                author_name=data["author_name"] or str(user),
                author_role=Comment.Role.CREATOR,
                reviewer=Reviewer.objects.filter(user=user).first(),
                timestamp_s=data.get("timestamp_s"),
                parent=data.get("parent"),
                source=Comment.Source.API,
            )
        body = serializers.CommentCreatedSerializer(comment, context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)


# --- Findings ----------------------------------------------------------------------------------


def _own_finding_ids(request: Request, finding_ids: list[int]) -> list[int]:
    """The ids, all of them findings the caller may see, or a 400 that names none of the others
    (so it does not tell whether another team's finding exists)."""
    ids = sorted(set(finding_ids))
    seen = selectors.findings_for_user(request.user).filter(pk__in=ids).count()
    if seen != len(ids):
        raise ValidationError({"finding_ids": "Some of these findings do not exist."})
    return ids


class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The points triage found in comments, with its suggestions and the creator's decisions."""

    queryset = Finding.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = serializers.FindingSerializer
    filterset_class = FindingFilter
    ordering_fields = ["timestamp_s", "created_at", "category_confidence", "id"]
    ordering = ["cut_id", "timestamp_s", "id"]

    def get_queryset(self) -> QuerySet:
        return selectors.findings_for_user(self.request.user)

    def _answer(self, finding) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=finding.pk)).data)

    @extend_schema(request=serializers.FindingUpdateSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Correct a finding's category, scene or time."""
        finding = self.get_object()
        data = self.input(serializers.FindingUpdateSerializer, request)
        scene = data.get("scene")
        services.finding_update(
            finding=finding,
            category=data.get("category"),
            scene_id=scene.pk if scene else None,
            timestamp_s=data.get("timestamp_s"),
            clear_scene="scene" in data and scene is None,
        )
        return self._answer(finding)

    @extend_schema(
        request=serializers.FindingsDismissSerializer, responses={200: serializers.CountSerializer}
    )
    @action(detail=False, methods=["post"])
    def dismiss(self, request: Request) -> Response:
        """Dismiss untriaged findings as content (feedback) or none (praise, chatter)."""
        data = self.input(serializers.FindingsDismissSerializer, request)
        count = services.findings_dismiss(
            finding_ids=_own_finding_ids(request, data["finding_ids"]),
            category=data["category"],
            reason=data["reason"],
        )
        return Response({"count": count})

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        """Undo a dismissal."""
        finding = self.get_object()
        services.finding_restore(finding=finding)
        return self._answer(finding)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def split(self, request: Request, pk: str) -> Response:
        """This finding is not the same problem as the rest of its duplicate group."""
        finding = self.get_object()
        services.finding_split_from_group(finding=finding)
        return self._answer(finding)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="remove-from-erratum")
    def remove_from_erratum(self, request: Request, pk: str) -> Response:
        """Take the finding back out of its erratum; it is untriaged again."""
        finding = self.get_object()
        services.finding_remove_from_erratum(finding=finding, actor=request.user)
        return self._answer(finding)


# --- Errata ------------------------------------------------------------------------------------


def expected_version(request: Request, erratum: Erratum) -> int | None:
    """The version the If-Match header names; None without one (or with `*`). A tag that names
    no version at all cannot match, so it is refused here."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    versions = []
    for tag in raw.split(","):
        tag = tag.strip()
        # If-Match uses the strong comparison (RFC 9110): a weak W/"3" never matches.
        if len(tag) > 2 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
            versions.append(int(tag[1:-1]))
    if not versions:
        raise PreconditionFailed(f"If-Match {raw[:40]!r} names no version of this erratum.")
    # Several tags: whichever is current is the one the caller expects.
    return erratum.version if erratum.version in versions else versions[0]


def _with_etag(response: Response, erratum: Erratum) -> Response:
    response["ETag"] = f'"{erratum.version}"'
    return response


ERRATUM_WRITE = {"parameters": [IF_MATCH], "responses": {200: serializers.ErratumSerializer}}


class ErratumViewSet(mixins.ListModelMixin, ApiViewSet):
    """Confirmed problems. POST accepts findings (a group) as a new erratum; the actions move it
    through its life: accept, fix (in a cut), verify, wontfix / not-an-error (with a reason),
    reopen; merge folds a duplicate into another erratum."""

    queryset = Erratum.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = serializers.ErratumSerializer
    filterset_class = ErratumFilter
    ordering_fields = ["timestamp_s", "created_at", "updated_at", "severity", "status", "id"]
    ordering = ["video_id", "timestamp_s", "id"]

    def get_queryset(self) -> QuerySet:
        return selectors.errata_for_user(self.request.user)

    def _answer(self, erratum: Erratum, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=erratum.pk)
        return _with_etag(Response(self.get_serializer(fresh).data, status=status_code), fresh)

    def retrieve(self, request: Request, pk: str) -> Response:
        erratum = self.get_object()
        return _with_etag(Response(self.get_serializer(erratum).data), erratum)

    @extend_schema(
        request=serializers.ErratumCreateSerializer, responses={201: serializers.ErratumSerializer}
    )
    def create(self, request: Request) -> Response:
        data = self.input(serializers.ErratumCreateSerializer, request)
        scene = data.get("scene")
        erratum = services.erratum_create_from_findings(
            finding_ids=_own_finding_ids(request, data["finding_ids"]),
            actor=request.user,
            title=data.get("title"),
            description=data["description"],
            category=data.get("category"),
            severity=data["severity"],
            remedy=data.get("remedy"),
            scene_id=scene.pk if scene else None,
            timestamp_s=data.get("timestamp_s"),
        )
        return self._answer(erratum, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ErratumUpdateSerializer, **ERRATUM_WRITE)
    def partial_update(self, request: Request, pk: str) -> Response:
        erratum = self.get_object()
        version = expected_version(request, erratum)
        fields = self.input(serializers.ErratumUpdateSerializer, request)
        erratum = services.erratum_update(
            erratum=erratum, actor=request.user, expected_version=version, **fields
        )
        return self._answer(erratum)

    @extend_schema(request=serializers.FindingIdsSerializer, **ERRATUM_WRITE)
    @action(detail=True, methods=["post"])
    def findings(self, request: Request, pk: str) -> Response:
        """Add untriaged findings (more reports of this problem)."""
        erratum = self.get_object()
        version = expected_version(request, erratum)
        data = self.input(serializers.FindingIdsSerializer, request)
        services.erratum_add_findings(
            erratum=erratum,
            finding_ids=_own_finding_ids(request, data["finding_ids"]),
            actor=request.user,
            expected_version=version,
        )
        return self._answer(erratum)

    @extend_schema(
        request=serializers.MergeSerializer,
        parameters=[IF_MATCH],
        responses={200: OpenApiResponse(serializers.ErratumSerializer, "The erratum kept.")},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        """Merge this erratum into another: its findings move there, and this one keeps a
        redirect (merged_into). If-Match applies to this erratum."""
        erratum = self.get_object()
        version = expected_version(request, erratum)
        data = self.input(serializers.MergeSerializer, request)
        target = services.erratum_merge(
            source=erratum, target=data["into"], actor=request.user, expected_version=version
        )
        return self._answer(target)

    def _transition(
        self, request: Request, status_value: str, input_class: type | None = None
    ) -> Response:
        erratum = self.get_object()
        version = expected_version(request, erratum)
        data = self.input(input_class, request) if input_class else {}
        erratum = services.erratum_transition(
            erratum=erratum,
            status=status_value,
            actor=request.user,
            expected_version=version,
            fixed_in_cut=data.get("fixed_in_cut"),
            reason=data.get("reason", ""),
            fix_note=data.get("fix_note"),
        )
        return self._answer(erratum)

    @extend_schema(request=None, **ERRATUM_WRITE)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Confirm the problem: it will be fixed."""
        return self._transition(request, Erratum.Status.ACCEPTED)

    @extend_schema(request=serializers.FixSerializer, **ERRATUM_WRITE)
    @action(detail=True, methods=["post"])
    def fix(self, request: Request, pk: str) -> Response:
        """Mark it fixed in a cut (usually the next one), with an optional note."""
        return self._transition(request, Erratum.Status.FIXED, serializers.FixSerializer)

    @extend_schema(request=None, **ERRATUM_WRITE)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str) -> Response:
        """Someone watched the fixed cut and confirms the fix."""
        return self._transition(request, Erratum.Status.VERIFIED)

    @extend_schema(request=serializers.ReasonSerializer, **ERRATUM_WRITE)
    @action(detail=True, methods=["post"])
    def wontfix(self, request: Request, pk: str) -> Response:
        """A real problem that will not be fixed; say why."""
        return self._transition(request, Erratum.Status.WONTFIX, serializers.ReasonSerializer)

    @extend_schema(request=serializers.ReasonSerializer, **ERRATUM_WRITE)
    @action(detail=True, methods=["post"], url_path="not-an-error")
    def not_an_error(self, request: Request, pk: str) -> Response:
        """Not a problem after all; say why."""
        return self._transition(request, Erratum.Status.NOT_AN_ERROR, serializers.ReasonSerializer)

    @extend_schema(request=None, **ERRATUM_WRITE)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        """Back to open (from accepted, wontfix or not an error)."""
        return self._transition(request, Erratum.Status.OPEN)

    @extend_schema(responses={200: serializers.ErratumEventSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request: Request, pk: str) -> Response:
        """The erratum's history: who changed what, when."""
        events = selectors.erratum_events(self.get_object()).order_by("created_at", "id")
        page = self.paginate_queryset(events)
        body = serializers.ErratumEventSerializer(page, many=True)
        return self.get_paginated_response(body.data)


# --- Tokens and webhooks -----------------------------------------------------------------------


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Your personal API tokens. The key is shown once, in the answer to POST; only a hash is
    kept. Revoked tokens stay listed with the date."""

    queryset = ApiToken.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = serializers.ApiTokenSerializer
    ordering_fields = ["created_at", "last_used_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet:
        return selectors.api_tokens_for_user(self.request.user)

    @extend_schema(
        request=serializers.ApiTokenSerializer,
        responses={201: serializers.ApiTokenCreatedSerializer},
    )
    def create(self, request: Request) -> Response:
        data = self.input(serializers.ApiTokenSerializer, request)
        made = api_token_create(
            user=request.user, name=data["name"], expires_at=data.get("expires_at")
        )
        body = serializers.ApiTokenCreatedSerializer(made.token).data
        return Response({**body, "key": made.key}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: serializers.ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        token = api_token_revoke(token=self.get_object())
        return Response(self.get_serializer(token).data)


class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ApiViewSet,
):
    """Where a team's events are sent. The secret is shown when the endpoint is made and when it
    is rotated. Members read; owners change."""

    queryset = WebhookEndpoint.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = serializers.WebhookEndpointSerializer
    update_serializer_class = serializers.WebhookEndpointUpdateSerializer
    permission_classes = [IsTeamOwnerToChange]
    filterset_class = WebhookEndpointFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["team_id", "id"]

    def get_queryset(self) -> QuerySet:
        return selectors.webhook_endpoints_for_user(self.request.user)

    @staticmethod
    def team_id_of(endpoint) -> int:
        return endpoint.team_id

    @extend_schema(responses={201: serializers.WebhookEndpointSecretSerializer})
    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not is_team_owner(request, serializer.validated_data["team"].pk):
            raise PermissionDenied(IsTeamOwnerToChange.message)
        endpoint = serializer.save(created_by=request.user)
        body = serializers.WebhookEndpointSecretSerializer(
            endpoint, context=self.get_serializer_context()
        )
        return Response(body.data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.partial_update_row(request)

    @extend_schema(request=None, responses={200: serializers.WebhookEndpointSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        """A new secret; deliveries are signed with it from now on."""
        endpoint = webhooks.endpoint_rotate_secret(endpoint=self.get_object())
        body = serializers.WebhookEndpointSecretSerializer(
            endpoint, context=self.get_serializer_context()
        )
        return Response(body.data)


class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The delivery log: every event sent, its status, attempts and the receiver's answer."""

    queryset = WebhookDelivery.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = serializers.WebhookDeliverySerializer
    permission_classes = [IsTeamOwnerToChange]
    filterset_class = WebhookDeliveryFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet:
        deliveries = selectors.webhook_deliveries_for_user(self.request.user)
        # The body can be large; the list leaves it out, the detail shows it.
        return deliveries.defer("body") if self.action == "list" else deliveries

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.WebhookDeliverySerializer
        return serializers.WebhookDeliveryDetailSerializer

    @staticmethod
    def team_id_of(delivery) -> int:
        return delivery.endpoint.team_id

    @extend_schema(request=None, responses={202: serializers.WebhookDeliveryDetailSerializer})
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str) -> Response:
        """Send this delivery again, as a new delivery of the same event (same body and event
        id, the endpoint's current URL and secret)."""
        replay = webhooks.delivery_replay(delivery=self.get_object())
        replay.refresh_from_db()
        body = serializers.WebhookDeliveryDetailSerializer(replay)
        return Response(body.data, status=status.HTTP_202_ACCEPTED)


# --- Import and export jobs --------------------------------------------------------------------


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Large comment imports, run by a Celery task: status, phase, percentage, counts, and the
    error of a failed one. Start one with POST /api/cuts/{id}/import/."""

    queryset = ImportJob.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = serializers.ImportJobSerializer
    filterset_class = ImportJobFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet:
        return selectors.import_jobs_for_user(self.request.user)


class ExportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Large exports, rendered by a Celery task; once done, `download_url` gives the file.
    Start one with GET /api/cuts/{id}/export/?format=... on a cut with many errata."""

    queryset = ExportJob.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = serializers.ExportJobSerializer
    filterset_class = ExportJobFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet:
        return selectors.export_jobs_for_user(self.request.user)

    @extend_schema(
        parameters=[CONTENT_DISPOSITION],
        responses={
            **_export_file_responses("The export's file"),
            (409, "application/json"): OpenApiResponse(
                ERROR_REF, "Not done: queued, running, or failed (see the job's error)."
            ),
        },
    )
    @action(detail=True, methods=["get"], **DOWNLOAD)
    def download(self, request: Request, pk: str) -> FileResponse:
        job = self.get_object()
        if job.status != ExportJob.Status.DONE:
            raise Conflict(f"This export is {job.status}, not done; there is no file to fetch.")
        try:
            stream = job.file.open("rb")
        except FileNotFoundError:
            raise NotFound(
                "This export's file is no longer kept; ask for the export again."
            ) from None
        return FileResponse(
            stream, as_attachment=True, filename=job.filename, content_type=job.content_type
        )
