"""Teams, videos, cuts (with their timeline, comment imports and checklist exports), scenes and
spans.
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from errata.api import selectors
from errata.api.exceptions import Conflict
from errata.api.filters import CutFilter, SceneFilter, SceneSpanFilter, VideoFilter
from errata.api.permissions import IsTeamMemberOrReviewLink, is_review_link
from errata.api.serializers.catalog import (
    CarryResultSerializer,
    CarrySerializer,
    CutMediaSerializer,
    CutMediaUploadSerializer,
    CutSerializer,
    CutUpdateSerializer,
    SceneSerializer,
    SceneSpanSerializer,
    SceneUpdateSerializer,
    TeamSerializer,
    TimelineResultSerializer,
    TimelineSerializer,
    VideoSerializer,
    VideoUpdateSerializer,
)
from errata.api.serializers.jobs import (
    CommentImportResultSerializer,
    CommentImportSerializer,
    ExportJobSerializer,
    ExportQuerySerializer,
    ImportJobSerializer,
)
from errata.api.views.base import (
    CONTENT_DISPOSITION,
    DOWNLOAD,
    ERROR_REF,
    EXPORT_FORMAT,
    JOB_LOCATION,
    SLUG_PATTERN,
    ApiViewSet,
    attachment,
    export_file_responses,
    job_accepted,
)
from errata.catalog.services import cut_duration_set, timeline_import
from errata.catalog.timelines import TimelineEntry
from errata.fixes.carrying import errata_carry_to_cut
from errata.io.exports import export_render
from errata.io.jobs import (
    export_job_create,
    export_runs_inline,
    import_job_create,
    import_runs_inline,
)
from errata.io.readers import CommentFileError
from errata.io.services import comments_import
from errata.media.selectors import cut_media, original_file, playable_file
from errata.media.services import cut_media_attach
from errata.media.serving import stored_file_response
from errata.models import Cut, Membership, Scene, SceneSpan, Video


class TeamViewSet(mixins.ListModelMixin, ApiViewSet):
    """The teams you belong to, with your role."""

    queryset = Membership.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = TeamSerializer
    ordering_fields = ["id"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet:
        return selectors.memberships_for_user(self.request.user)


class VideoViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    queryset = Video.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = VideoSerializer
    update_serializer_class = VideoUpdateSerializer
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
    serializer_class = CutSerializer
    update_serializer_class = CutUpdateSerializer
    permission_classes = [IsTeamMemberOrReviewLink]
    review_link_actions = ("retrieve", "media_file")
    filterset_class = CutFilter
    ordering_fields = ["number", "created_at", "id"]
    ordering = ["video_id", "number", "id"]

    def get_queryset(self) -> QuerySet:
        if is_review_link(self.request):
            return selectors.cut_for_review_link(self.request.auth)
        return selectors.cuts_for_user(self.request.user)

    def partial_update(self, request: Request, pk: str) -> Response:
        """Change a cut's label, media URL, fps or duration; a duration that would end before a
        span, comment, finding or erratum on the cut is refused (400 naming it)."""
        cut = self.get_object()
        serializer = self.get_serializer(cut, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "duration_s" in data:
            cut_duration_set(cut=cut, duration_s=data.pop("duration_s"), fps=data.pop("fps", None))
        serializer.save()
        return Response(self.serializer_class(cut, context=self.get_serializer_context()).data)

    @extend_schema(responses={200: CutMediaSerializer})
    @action(detail=True, methods=["get"], url_path="media", filter_backends=[])
    def media(self, request: Request, pk: str) -> Response:
        """How far the processing of the cut's uploaded video has got (404 without one)."""
        cut = self.get_object()
        media = cut_media(cut=cut)
        if media is None:
            raise NotFound("This cut has no uploaded video.")
        return Response(CutMediaSerializer(media, context=self.get_serializer_context()).data)

    @extend_schema(
        request={"multipart/form-data": CutMediaUploadSerializer},
        responses={202: CutMediaSerializer},
    )
    @media.mapping.put
    def media_upload(self, request: Request, pk: str) -> Response:
        """Upload (or replace) the cut's video. Only a video is taken (an .html, .svg or text
        file is 400); a task then reads it with ffprobe, sets the cut's duration and fps from
        it, and makes a browser-safe copy, a poster and scrubbing thumbnails: follow `status`
        and `percent` at GET /api/cuts/{id}/media/."""
        cut = self.get_object()
        upload = self.input(CutMediaUploadSerializer, request)["file"]
        media = cut_media_attach(cut=cut, upload=upload)
        body = CutMediaSerializer(media, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="cuts_media_file_retrieve",
        responses={
            (200, "video/mp4"): OpenApiResponse(description="The file (206 for a range)."),
            (302, "application/json"): OpenApiResponse(
                description="On an object store: a signed address that expires."
            ),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"media/(?P<kind>video|poster|original)",
        url_name="media-file",
        **DOWNLOAD,
    )
    def media_file(self, request: Request, pk: str, kind: str) -> HttpResponse:
        """The cut's browser-safe video, its poster, or (team members only) the original."""
        cut = self.get_object()
        media = cut_media(cut=cut)
        if kind == "video" and (playable := playable_file(cut=cut)):
            return stored_file_response(request, playable.file, content_type=playable.content_type)
        if kind == "poster" and media is not None and media.poster:
            return stored_file_response(request, media.poster, content_type="image/jpeg")
        if kind == "original" and not is_review_link(request) and (orig := original_file(cut=cut)):
            ext = orig.file.name.rsplit(".", 1)[-1]
            name = f"{cut.video.slug}-cut{cut.number}.{ext}"
            return stored_file_response(
                request, orig.file, content_type=orig.content_type, filename=name, download=True
            )
        raise NotFound("This cut has no such file.")

    @extend_schema(request=CarrySerializer, responses={200: CarryResultSerializer})
    @action(detail=True, methods=["post"])
    def carry(self, request: Request, pk: str) -> Response:
        """Carry this cut's open errata and untriaged findings to a newer cut, by scene."""
        cut = self.get_object()
        data = self.input(CarrySerializer, request)
        result = errata_carry_to_cut(from_cut=cut, to_cut=data["to_cut"], actor=request.user)
        return Response(CarryResultSerializer(result).data)

    @extend_schema(
        request=TimelineSerializer,
        responses={200: TimelineResultSerializer},
    )
    @action(detail=True, methods=["put"])
    def timeline(self, request: Request, pk: str) -> Response:
        """Replace this cut's scene spans (scenes are made by name when new); findings move to
        the scene that now holds their time."""
        cut = self.get_object()
        data = self.input(TimelineSerializer, request)
        entries = [
            TimelineEntry(scene_name=e["scene"], start_s=e["start_s"], end_s=e["end_s"])
            for e in data["spans"]
        ]
        result = timeline_import(cut=cut, entries=entries, source_path=data["source_path"])
        return Response(TimelineResultSerializer(result).data)

    @extend_schema(
        request={"multipart/form-data": CommentImportSerializer},
        parameters=[JOB_LOCATION],
        responses={
            201: OpenApiResponse(
                CommentImportResultSerializer,
                "A small file, imported and triaged during the request.",
            ),
            202: OpenApiResponse(
                ImportJobSerializer,
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
        data = self.input(CommentImportSerializer, request)
        upload, fmt = data["file"], data["format"]
        if not import_runs_inline(size=upload.size):
            job = import_job_create(
                cut=cut,
                user=request.user,
                fmt=fmt,
                upload=upload,
                creator_name=data["creator_name"],
                inline=False,
            )
            return job_accepted(
                ImportJobSerializer(job, context=self.get_serializer_context()).data
            )
        # Small enough to hold: the import streams the file twice (check, then write).
        content = upload.read()
        try:
            result = comments_import(
                cut=cut,
                fmt=fmt,
                open_file=lambda: io.BytesIO(content),
                creator_name=data["creator_name"].strip() or None,
            )
        except CommentFileError as error:
            raise ValidationError({"file": [f"Nothing was imported: {error}"]}) from None
        body = CommentImportResultSerializer(result).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[EXPORT_FORMAT, CONTENT_DISPOSITION, JOB_LOCATION],
        responses={
            **export_file_responses("A small export, as a file"),
            (202, "application/json"): OpenApiResponse(
                ExportJobSerializer,
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
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        fmt = query.validated_data["format"]
        if not export_runs_inline(cut=cut):
            job = selectors.export_job_in_progress(cut=cut, fmt=fmt)
            if job is None:
                job = export_job_create(cut=cut, user=request.user, fmt=fmt)
            return job_accepted(
                ExportJobSerializer(job, context=self.get_serializer_context()).data
            )
        try:
            result = export_render(cut=cut, fmt=fmt)
        except DjangoValidationError as error:
            raise Conflict(" ".join(error.messages)) from None
        return attachment(
            HttpResponse(result.content, content_type=result.content_type), result.filename
        )


class SceneViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    queryset = Scene.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = SceneSerializer
    update_serializer_class = SceneUpdateSerializer
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
    serializer_class = SceneSpanSerializer
    filterset_class = SceneSpanFilter
    ordering_fields = ["start_s", "id"]
    ordering = ["cut_id", "start_s", "id"]

    def get_queryset(self) -> QuerySet:
        return selectors.spans_for_user(self.request.user)
