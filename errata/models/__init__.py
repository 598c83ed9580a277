"""The Errata domain, one module per area; everything is importable from here.

Integrity rules live in the database where it can hold them (CHECK and UNIQUE constraints;
rules that compare a row with its cut's duration are triggers, see migrations/0002). Forms and
services check the same rules first so people get a clear message, but a bad row never lands.
"""

from __future__ import annotations

from errata.models.catalog import (
    Cut,
    Scene,
    SceneSpan,
    Video,
)
from errata.models.errata import (
    CLOSED_STATUSES,
    FIXED_STATUSES,
    OPEN_STATUSES,
    STATUS_ORDER,
    CutVisit,
    Erratum,
    ErratumEvent,
    ErratumNote,
)
from errata.models.findings import (
    CATEGORY_VALUES,
    REMEDY_FOR_CATEGORY,
    Category,
    DuplicateGroup,
    Finding,
    FindingToken,
    MeToo,
    Remedy,
    TeamTriageModel,
    TriageExample,
)
from errata.models.jobs import (
    ExportJob,
    ImportJob,
    Job,
)
from errata.models.media import (
    CutMedia,
    FrameGrab,
)
from errata.models.outbound import (
    Notification,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookKind,
    webhook_secret_new,
)
from errata.models.people import (
    ApiToken,
    Invitation,
    Membership,
    Team,
    User,
)
from errata.models.platforms import (
    PatreonMembershipCheck,
    TranscriptLine,
    YouTubeConnection,
)
from errata.models.reviews import (
    Comment,
    Reviewer,
    ReviewLink,
    _review_token,
)
from errata.models.screen import (
    FixCheck,
    ScreenSighting,
)
from errata.models.undo import UndoRecord

__all__ = [
    "CATEGORY_VALUES",
    "CLOSED_STATUSES",
    "FIXED_STATUSES",
    "OPEN_STATUSES",
    "REMEDY_FOR_CATEGORY",
    "STATUS_ORDER",
    "ApiToken",
    "Category",
    "Comment",
    "Cut",
    "CutMedia",
    "CutVisit",
    "DuplicateGroup",
    "Erratum",
    "ErratumEvent",
    "ErratumNote",
    "ExportJob",
    "Finding",
    "FindingToken",
    "FixCheck",
    "FrameGrab",
    "ImportJob",
    "Invitation",
    "Job",
    "MeToo",
    "Membership",
    "Notification",
    "PatreonMembershipCheck",
    "Remedy",
    "ReviewLink",
    "Reviewer",
    "Scene",
    "SceneSpan",
    "ScreenSighting",
    "Team",
    "TeamTriageModel",
    "TranscriptLine",
    "TriageExample",
    "UndoRecord",
    "User",
    "Video",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookKind",
    "YouTubeConnection",
    "_review_token",
    "webhook_secret_new",
]
