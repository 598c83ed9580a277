"""The Errata domain: videos and their cuts, the comments patrons leave, the findings triage
extracts from them, and the errata a creator confirms.

Integrity rules live in the database where it can hold them (CHECK and UNIQUE constraints here;
rules that compare a row with its cut's duration are triggers, see migrations/0002). Forms and
services check the same rules first so people get a clear message, but a bad row never lands.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone


class User(AbstractUser):
    """An account: a creator, a team member, or a patron who chose to sign in."""

    display_name = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Team(models.Model):
    """Who owns videos. Everything a creator sees in the studio is scoped to their teams."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in a team."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    class Digest(models.TextChoices):
        IMMEDIATE = "immediate", "As comments arrive"
        DAILY = "daily", "Once a day"
        OFF = "off", "Never"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)
    # How this member hears about new comments on the team's cuts (see errata/notifications.py).
    digest = models.CharField(max_length=16, choices=Digest.choices, default=Digest.DAILY)
    # When the last digest was made: the end of the window it covered, where the next starts.
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user"),
            models.CheckConstraint(
                condition=Q(role__in=["owner", "member"]), name="membership_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(digest__in=["immediate", "daily", "off"]),
                name="membership_digest_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


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


def _review_token() -> str:
    # 32 bytes of randomness: unguessable, and short enough for a URL.
    return secrets.token_urlsafe(32)


class ReviewLink(models.Model):
    """A private, revocable link to one cut for early-access viewers."""

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="review_links")
    token = models.CharField(max_length=64, unique=True, default=_review_token, editable=False)
    label = models.CharField(max_length=150, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    can_comment = models.BooleanField(default=True)
    # As on Patreon, viewers see each other's comments unless the creator turns it off.
    show_others_comments = models.BooleanField(default=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.label or f"link to {self.cut}"

    def get_absolute_url(self) -> str:
        return reverse("errata:review", args=[self.token])

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now

    def closed_reason(self, now=None) -> str:
        """Why the link no longer opens ("revoked" or "expired"), or "" while it does."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return "expired"
        return ""


class Reviewer(models.Model):
    """A person who comments: a signed-in user, a named guest on a review link, or the author
    of an imported comment. Notifications, credits and "my reports" are per reviewer."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewer",
    )
    display_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    # Identity at the source of an import ("patreon:Jane Doe", "youtube:UC123"), so re-imports
    # and several imports from one place credit the same person.
    external_id = models.CharField(max_length=200, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="reviewer_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or "anonymous"


class Comment(models.Model):
    """What a person wrote, stored exactly as written. Never altered; always rendered escaped."""

    class Source(models.TextChoices):
        WEB = "web", "Review page"
        API = "api", "API"
        IMPORT_PATREON = "import:patreon", "Patreon import"
        IMPORT_CSV = "import:csv", "CSV import"
        IMPORT_YOUTUBE = "import:youtube", "YouTube import"

    class Role(models.TextChoices):
        PATRON = "patron", "Patron"
        CREATOR = "creator", "Creator"

    class TriageState(models.TextChoices):
        PENDING = "pending", "Waiting for triage"
        DONE = "done", "Triaged"
        SKIPPED = "skipped", "Not triaged (creator's reply)"

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="comments")
    reviewer = models.ForeignKey(
        Reviewer, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    # The name as shown when it was written; imports without a name line leave it blank.
    author_name = models.CharField(max_length=150, blank=True)
    author_role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATRON)
    text = models.TextField()
    # Where the player was when the comment was made on the review page.
    timestamp_s = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=24, choices=Source.choices, default=Source.WEB)
    external_id = models.CharField(max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    review_link = models.ForeignKey(
        ReviewLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    triage_state = models.CharField(
        max_length=16, choices=TriageState.choices, default=TriageState.PENDING
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    # When the person wrote it (an import keeps the source's date); created_at is when we stored it.
    posted_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["cut_id", "timestamp_s", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(timestamp_s__isnull=True) | Q(timestamp_s__gte=0),
                name="comment_timestamp_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    source__in=["web", "api", "import:patreon", "import:csv", "import:youtube"]
                ),
                name="comment_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(author_role__in=["patron", "creator"]), name="comment_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(triage_state__in=["pending", "done", "skipped"]),
                name="comment_triage_state_valid",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="comment_text_not_empty"),
            # Re-importing a file adds nothing: one row per (cut, source, external id).
            models.UniqueConstraint(
                fields=["cut", "source", "external_id"],
                condition=~Q(external_id=""),
                name="comment_unique_external_id",
            ),
        ]
        indexes = [
            # The review page and the API list a cut's comments by time.
            models.Index(fields=["cut", "timestamp_s"], name="comment_cut_time_idx"),
            # The triage sweep looks for comments still pending, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(triage_state="pending"),
                name="comment_pending_idx",
            ),
            # The team digest reads the comments triaged since a member's last digest.
            models.Index(fields=["triaged_at"], name="comment_triaged_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author_name or 'anonymous'}: {self.text[:60]}"


class DuplicateGroup(models.Model):
    """Findings of one cut that triage thinks report the same problem (a suggestion)."""

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="duplicate_groups")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"group {self.pk} on {self.cut_id}"


class Category(models.TextChoices):
    TYPO = "typo", "Typo"
    NOTATION = "notation", "Notation"
    NARRATION = "narration", "Narration"
    COLOR = "color", "Color"
    VISUAL = "visual", "Visual"
    CODE = "code", "Code"
    CONTENT = "content", "Content"
    NONE = "none", "None"


CATEGORY_VALUES = list(Category.values)


class Remedy(models.TextChoices):
    RERENDER = "rerender", "Re-render scene"
    RERECORD = "rerecord", "Re-record narration"
    CAPTION = "caption", "Caption fix"
    PINNED = "pinned", "Pinned correction"
    NONE = "none", "None"


# What fixing each category usually takes; the creator can change it per erratum.
REMEDY_FOR_CATEGORY = {
    Category.TYPO: Remedy.RERENDER,
    Category.NOTATION: Remedy.RERENDER,
    Category.NARRATION: Remedy.RERECORD,
    Category.COLOR: Remedy.RERENDER,
    Category.VISUAL: Remedy.RERENDER,
    Category.CODE: Remedy.RERENDER,
    Category.CONTENT: Remedy.NONE,
    Category.NONE: Remedy.NONE,
}


class Finding(models.Model):
    """One point extracted from a comment. Triage fills the suggested_* fields; the creator's
    decisions go in category / scene / erratum and are never overwritten by triage."""

    class State(models.TextChoices):
        NEW = "new", "Untriaged"
        ACCEPTED = "accepted", "In an erratum"
        DISMISSED = "dismissed", "Dismissed"

    class TimestampSource(models.TextChoices):
        TEXT = "text", "From the text"
        PLAYER = "player", "From the player"
        MANUAL = "manual", "Set by the creator"
        NONE = "", "None"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="findings")
    # The cut this finding's time refers to: the comment's cut, until the fix loop carries it to
    # a newer one. Every inbox and grouping query filters by it.
    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="findings")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    span_start = models.PositiveIntegerField(default=0)
    span_end = models.PositiveIntegerField(default=0)
    timestamp_s = models.FloatField(null=True, blank=True)
    timestamp_source = models.CharField(
        max_length=8, choices=TimestampSource.choices, blank=True, default=""
    )
    # The parse that produced the timestamp: [{"seconds", "start", "end", "text"}, ...].
    parsed_timestamps = models.JSONField(default=list, blank=True)
    suggested_category = models.CharField(max_length=16, choices=Category.choices, default="none")
    category_confidence = models.FloatField(default=0)
    category = models.CharField(max_length=16, choices=Category.choices, blank=True)
    suggested_scene = models.ForeignKey(
        Scene, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scene = models.ForeignKey(
        Scene, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    duplicate_group = models.ForeignKey(
        DuplicateGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    # RESTRICT: an erratum with findings cannot be deleted on its own (its findings would be left
    # "accepted" into nothing); deleting the whole video still cascades.
    erratum = models.ForeignKey(
        "Erratum", null=True, blank=True, on_delete=models.RESTRICT, related_name="findings"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.NEW)
    dismissed_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cut_id", "timestamp_s", "id"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "position"], name="finding_unique_position"),
            models.CheckConstraint(
                condition=Q(timestamp_s__isnull=True) | Q(timestamp_s__gte=0),
                name="finding_timestamp_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(suggested_category__in=CATEGORY_VALUES),
                name="finding_suggested_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(category="") | Q(category__in=CATEGORY_VALUES),
                name="finding_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["new", "accepted", "dismissed"]), name="finding_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(category_confidence__gte=0) & Q(category_confidence__lte=1),
                name="finding_confidence_range",
            ),
            models.CheckConstraint(
                condition=Q(span_start__lte=F("span_end")), name="finding_span_ordered"
            ),
            # A finding is in an erratum exactly when it is accepted.
            models.CheckConstraint(
                condition=(Q(state="accepted") & Q(erratum__isnull=False))
                | (~Q(state="accepted") & Q(erratum__isnull=True)),
                name="finding_accepted_has_erratum",
            ),
        ]
        indexes = [
            # The triage inbox: a cut's findings by state, in time order.
            models.Index(fields=["cut", "state", "timestamp_s"], name="finding_inbox_idx"),
            # Duplicate matching fetches candidates near a time in one cut.
            models.Index(fields=["cut", "timestamp_s"], name="finding_cut_time_idx"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def effective_category(self) -> str:
        return self.category or self.suggested_category

    @property
    def effective_scene_id(self) -> int | None:
        return self.scene_id or self.suggested_scene_id


class FindingToken(models.Model):
    """The strong tokens of a finding (quoted strings, misspellings, number pairs), indexed so
    duplicate matching fetches candidates sharing one without reading the whole cut."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="tokens")
    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["finding", "token"], name="finding_token_unique"),
        ]
        indexes = [
            # Duplicate matching: findings of a cut sharing a token.
            models.Index(fields=["cut", "token"], name="finding_token_cut_idx"),
        ]

    def __str__(self) -> str:
        return self.token


class MeToo(models.Model):
    """A reviewer adding their voice to a finding instead of writing it again."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="me_toos")
    reviewer = models.ForeignKey(Reviewer, on_delete=models.CASCADE, related_name="me_toos")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["finding", "reviewer"], name="metoo_once_per_reviewer"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} on finding {self.finding_id}"


class Erratum(models.Model):
    """One confirmed problem in a video, and what is done about it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        FIXED = "fixed", "Fixed"
        VERIFIED = "verified", "Verified"
        WONTFIX = "wontfix", "Won't fix"
        NOT_AN_ERROR = "not_an_error", "Not an error"

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="errata")
    found_in_cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="errata_found")
    # The cut that timestamp_s and scene refer to; moves forward when errata are carried to a
    # new cut.
    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="errata")
    fixed_in_cut = models.ForeignKey(
        Cut, null=True, blank=True, on_delete=models.SET_NULL, related_name="errata_fixed"
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    timestamp_s = models.FloatField(null=True, blank=True)
    scene = models.ForeignKey(
        Scene, null=True, blank=True, on_delete=models.SET_NULL, related_name="errata"
    )
    remedy = models.CharField(max_length=16, choices=Remedy.choices, default=Remedy.RERENDER)
    fix_note = models.TextField(blank=True)
    # Why it is wontfix / not_an_error; required for those statuses.
    resolution_reason = models.TextField(blank=True)
    # Merging errata moves the findings and leaves this redirect behind.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    # Bumped on every change; an API update with a stale If-Match is refused.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "errata"
        ordering = ["video_id", "timestamp_s", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=CATEGORY_VALUES), name="erratum_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["open", "accepted", "fixed", "verified", "wontfix", "not_an_error"]
                ),
                name="erratum_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=["low", "medium", "high"]), name="erratum_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(remedy__in=["rerender", "rerecord", "caption", "pinned", "none"]),
                name="erratum_remedy_valid",
            ),
            models.CheckConstraint(
                condition=Q(timestamp_s__isnull=True) | Q(timestamp_s__gte=0),
                name="erratum_timestamp_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["fixed", "verified"]) | Q(fixed_in_cut__isnull=False),
                name="erratum_fixed_names_cut",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["wontfix", "not_an_error"]) | ~Q(resolution_reason=""),
                name="erratum_closed_has_reason",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="erratum_title_not_empty"),
        ]
        indexes = [
            # The errata board: a cut's errata by status, in time order.
            models.Index(fields=["cut", "status", "timestamp_s"], name="erratum_board_idx"),
            # The studio's video list counts open and fixed errata per video.
            models.Index(fields=["video", "status"], name="erratum_video_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class ErratumEvent(models.Model):
    """The history of an erratum: who changed what, when."""

    erratum = models.ForeignKey(Erratum, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=32)
    # What changed, as {"field": [before, after]} or event details.
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["erratum_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.erratum_id}"


# --- The API's credentials and the webhooks a team registers -----------------------------------


class ApiToken(models.Model):
    """A personal token for scripts. Only a hash is stored: the key is shown once, when it is
    made, and a leaked database does not leak working keys. The prefix tells keys apart in lists.
    """

    # The key is "errata_" + 43 random characters; its first 14 are kept as the visible prefix.
    KEY_PREFIX = "errata_"
    PREFIX_LENGTH = 14

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH)
    # SHA-256 of the whole key, hex. The key has 256 bits of randomness, so an unsalted fast hash
    # is enough (a salt would only stop precomputation, which that much randomness already does)
    # and it lets a request find its token with one indexed lookup.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user_id", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def hash_key(cls, key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now


class WebhookEvent(models.TextChoices):
    COMMENT_CREATED = "comment.created", "Comment created"
    ERRATUM_CREATED = "erratum.created", "Erratum created"
    ERRATUM_STATUS_CHANGED = "erratum.status_changed", "Erratum status changed"
    ERRATUM_FIXED = "erratum.fixed", "Erratum fixed"


def webhook_secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A URL a team wants told about events. Deliveries are signed with the secret."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100, default=webhook_secret_new, editable=False)
    # The WebhookEvent values this endpoint wants; checked by the API and admin forms.
    events = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team_id", "id"]

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        unknown = sorted(set(self.events or []) - set(WebhookEvent.values))
        if not isinstance(self.events, list) or unknown:
            raise ValidationError(
                {"events": f"Events are a list of: {', '.join(WebhookEvent.values)}."}
            )


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one endpoint. The body is stored exactly as sent, so a
    replay re-sends the same bytes and a receiver can check the same signature."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        RETRYING = "retrying", "Failed, will retry"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    # The event's id: the same in every delivery and replay of this event, so receivers can
    # ignore one they have already handled.
    event_id = models.UUIDField(default=uuid.uuid4)
    body = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "retrying", "succeeded", "failed"]),
                name="webhook_delivery_status_valid",
            ),
        ]
        indexes = [
            # The delivery log of one endpoint, newest first.
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id} ({self.status})"


class ImportJob(models.Model):
    """A comment file being imported into a cut by a Celery task, with its progress for the
    import page's bar and the API."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Phase(models.TextChoices):
        WAITING = "waiting", "Waiting for a worker"
        CHECKING = "checking", "Checking the file"
        WRITING = "writing", "Storing comments"
        TRIAGING = "triaging", "Triaging"
        FINISHED = "finished", "Finished"

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    format = models.CharField(max_length=16)
    file = models.FileField(upload_to="imports/")
    filename = models.CharField(max_length=255, blank=True)
    creator_name = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.WAITING)
    percent = models.PositiveSmallIntegerField(default=0)
    # Comments in the file (known once it is checked), added now, already there before.
    total = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    findings = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="importjob_status_valid",
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="importjob_percent_range"),
        ]

    def __str__(self) -> str:
        return f"import of {self.filename or self.format} into {self.cut_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ExportJob(models.Model):
    """A large export rendered by a Celery task; the file is downloaded from the export page."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="export_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    format = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to="exports/", blank=True)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="exportjob_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.format} export of {self.cut_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class Notification(models.Model):
    """One email to one person about one event: the outbox, and the record that it went.

    Unique per (event_key, recipient), so an event noticed twice (a retried task, a signal sent
    again) never makes a second message; the send task claims the row before it sends (see
    errata/notifications.py). The message is rendered when the row is made, so a retry sends
    exactly what was first meant, whatever has changed since.
    """

    class Kind(models.TextChoices):
        ERRATUM_STATUS = "erratum_status", "An erratum a patron reported changed"
        DIGEST = "digest", "Digest of new comments"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not sent (unsubscribed or no longer relevant)"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # What happened, e.g. "erratum:12:fixed:cut:3" or "digest:membership:4:since:<time>".
    event_key = models.CharField(max_length=200)
    # The address, lower-cased: one message per person even when they commented as two guests.
    recipient = models.EmailField(max_length=254)
    reviewer = models.ForeignKey(
        Reviewer, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    erratum = models.ForeignKey(
        Erratum, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    unsubscribe_url = models.URLField(max_length=1000, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient"], name="notification_once_per_event_recipient"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["erratum_status", "digest"]), name="notification_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "sent", "skipped", "failed"]),
                name="notification_state_valid",
            ),
            models.CheckConstraint(condition=~Q(recipient=""), name="notification_has_recipient"),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
        ]
        indexes = [
            # The sweep re-queues messages still pending, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(state="pending"),
                name="notification_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.state})"
