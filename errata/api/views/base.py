"""What the API's views share: the viewset base (input checked by a serializer, a service or
selector called, the answer shaped), and the parameters and responses the schema documents.

Errata carry a version: every erratum response has `ETag: "<version>"`, and a write sent with
`If-Match: "<version>"` is refused with 412 when someone changed the erratum in between.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status, viewsets
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from errata.api.authentication import REVIEWER_HEADER
from errata.io.exports import EXPORT_FORMATS

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
    "application/json": "json: the video, the cut and one object per erratum; otio: markers",
    "text/x-shellscript": "sh: the re-render script",
    "text/plain": "edl (CMX3600 markers), corrections, credits",
    "application/xml": "fcp7 (Final Cut Pro 7 XML markers), fcpxml (FCPXML markers)",
    "application/x-subrip": "srt: the corrected subtitles",
    "text/vtt": "vtt: the corrected subtitles",
}


EXPORT_JSON_SCHEMA = {
    "type": "object",
    "description": '{"video": {...}, "cut": {...}, "errata": [{...every field...}]}',
    "additionalProperties": True,
}


def export_file_responses(description: str) -> dict:
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
    description=(
        "md, csv, json, sh, edl, fcp7, fcpxml, otio, srt, vtt, corrections or credits (see the "
        "README's Exports)."
    ),
)


def attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def job_accepted(body: dict) -> Response:
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
