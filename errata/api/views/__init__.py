"""The API's views, one module per area; the URLconf imports them from here."""

from __future__ import annotations

from errata.api.views.base import (
    CONTENT_DISPOSITION,
    DOWNLOAD,
    ERROR_REF,
    EXPORT_FORMAT,
    EXPORT_JSON_SCHEMA,
    EXPORT_MEDIA_TYPES,
    ID_PATTERN,
    IF_MATCH,
    JOB_LOCATION,
    REVIEWER,
    SLUG_PATTERN,
    ApiViewSet,
    DownloadNegotiation,
    attachment,
    export_file_responses,
    job_accepted,
)
from errata.api.views.catalog import (
    CutViewSet,
    SceneSpanViewSet,
    SceneViewSet,
    TeamViewSet,
    VideoViewSet,
)
from errata.api.views.errata import (
    ERRATUM_WRITE,
    ErratumViewSet,
    FindingViewSet,
    expected_version,
)
from errata.api.views.jobs import (
    ExportJobViewSet,
    ImportJobViewSet,
)
from errata.api.views.outbound import (
    ApiTokenViewSet,
    WebhookDeliveryViewSet,
    WebhookEndpointViewSet,
)
from errata.api.views.reviews import (
    CommentViewSet,
    ReviewLinkViewSet,
)
from errata.api.views.undo import UndoViewSet

__all__ = [
    "CONTENT_DISPOSITION",
    "DOWNLOAD",
    "ERRATUM_WRITE",
    "ERROR_REF",
    "EXPORT_FORMAT",
    "EXPORT_JSON_SCHEMA",
    "EXPORT_MEDIA_TYPES",
    "ID_PATTERN",
    "IF_MATCH",
    "JOB_LOCATION",
    "REVIEWER",
    "SLUG_PATTERN",
    "ApiTokenViewSet",
    "ApiViewSet",
    "CommentViewSet",
    "CutViewSet",
    "DownloadNegotiation",
    "ErratumViewSet",
    "ExportJobViewSet",
    "FindingViewSet",
    "ImportJobViewSet",
    "ReviewLinkViewSet",
    "SceneSpanViewSet",
    "SceneViewSet",
    "TeamViewSet",
    "UndoViewSet",
    "VideoViewSet",
    "WebhookDeliveryViewSet",
    "WebhookEndpointViewSet",
    "attachment",
    "expected_version",
    "export_file_responses",
    "job_accepted",
]
