"""Import and export jobs: their progress, results and downloads."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from errata.api import selectors
from errata.api.exceptions import Conflict
from errata.api.filters import ExportJobFilter, ImportJobFilter
from errata.api.serializers.jobs import ExportJobSerializer, ImportJobSerializer
from errata.api.views.base import (
    CONTENT_DISPOSITION,
    DOWNLOAD,
    ERROR_REF,
    ApiViewSet,
    export_file_responses,
)
from errata.io.jobs import job_cancel, job_retry
from errata.media.serving import stored_file_response
from errata.models import ExportJob, ImportJob


class _JobActions:
    """Cancel a queued or running job; retry a failed or cancelled one (409 otherwise)."""

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Stop a queued or running job. A running import stops at its next step; the comments
        it had stored stay (and are triaged), those it was storing are not stored."""
        job = job_cancel(job=self.get_object(), user=request.user)
        return Response(self.get_serializer(job).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        """Queue a failed or cancelled job again; an import adds only what is still missing."""
        job = job_retry(job=self.get_object())
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportJobViewSet(_JobActions, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Large comment imports, run by a Celery task: status, phase, percentage, counts, and the
    error of a failed one. Start one with POST /api/cuts/{id}/import/."""

    queryset = ImportJob.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = ImportJobSerializer
    filterset_class = ImportJobFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet:
        return selectors.import_jobs_for_user(self.request.user)


class ExportJobViewSet(_JobActions, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Large exports, rendered by a Celery task; once done, `download_url` gives the file.
    Start one with GET /api/cuts/{id}/export/?format=... on a cut with many errata."""

    queryset = ExportJob.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = ExportJobSerializer
    filterset_class = ExportJobFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet:
        return selectors.export_jobs_for_user(self.request.user)

    @extend_schema(
        parameters=[CONTENT_DISPOSITION],
        responses={
            **export_file_responses("The export's file"),
            (409, "application/json"): OpenApiResponse(
                ERROR_REF, "Not done: queued, running, or failed (see the job's error)."
            ),
        },
    )
    @action(detail=True, methods=["get"], **DOWNLOAD)
    def download(self, request: Request, pk: str) -> HttpResponse:
        job = self.get_object()
        if job.status != ExportJob.Status.DONE:
            raise Conflict(f"This export is {job.status}, not done; there is no file to fetch.")
        if not job.file or not job.file.storage.exists(job.file.name):
            raise NotFound("This export's file is no longer kept; ask for the export again.")
        # Served like media: by the store (a signed address) or nginx when they are there.
        return stored_file_response(
            request,
            job.file,
            content_type=job.content_type or "application/octet-stream",
            filename=job.filename,
            download=True,
        )
