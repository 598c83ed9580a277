"""Findings (the points triage extracts from a comment), their categories and remedies, their
lookup tokens, duplicate groups, and the "me too"s patrons add to them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from errata.models.catalog import Cut, Scene
from errata.models.reviews import Comment, Reviewer


class DuplicateGroup(models.Model):
    """Findings of one cut that triage thinks report the same problem (a suggestion)."""

    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="duplicate_groups")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"group {self.pk} on {self.cut_id}"


class Category(models.TextChoices):
    TYPO = "typo", _("Typo")
    NOTATION = "notation", _("Notation")
    NARRATION = "narration", _("Narration")
    COLOR = "color", _("Color")
    VISUAL = "visual", _("Visual")
    CODE = "code", _("Code")
    CONTENT = "content", _("Content")
    NONE = "none", _("None")


CATEGORY_VALUES = list(Category.values)


class Remedy(models.TextChoices):
    RERENDER = "rerender", _("Re-render scene")
    RERECORD = "rerecord", _("Re-record narration")
    CAPTION = "caption", _("Caption fix")
    PINNED = "pinned", _("Pinned correction")
    NONE = "none", _("None")


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


class FindingState(models.TextChoices):
    NEW = "new", _("Untriaged")
    ACCEPTED = "accepted", _("In an erratum")
    DISMISSED = "dismissed", _("Dismissed")


class Finding(models.Model):
    """One point extracted from a comment. Triage fills the suggested_* fields; the creator's
    decisions go in category / scene / erratum and are never overwritten by triage."""

    State = FindingState

    class TimestampSource(models.TextChoices):
        TEXT = "text", _("From the text")
        PLAYER = "player", _("From the player")
        MANUAL = "manual", _("Set by the creator")
        # The quoted line was found in the transcript, at this line's time.
        SPOKEN = "spoken", _("From the transcript")
        NONE = "", _("None")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="findings")
    # The cut this finding's time refers to: the comment's cut, until the fix loop carries it to
    # a newer one. Every inbox and grouping query filters by it.
    cut = models.ForeignKey(Cut, on_delete=models.CASCADE, related_name="findings")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    span_start = models.PositiveIntegerField(default=0)
    span_end = models.PositiveIntegerField(default=0)
    timestamp_s = models.FloatField(null=True, blank=True)
    # The end of the range its comment marked (a player-timed finding only); moves with
    # timestamp_s when carried.
    timestamp_end_s = models.FloatField(null=True, blank=True)
    timestamp_source = models.CharField(
        max_length=8, choices=TimestampSource.choices, blank=True, default=""
    )
    # The parse that produced the timestamp: [{"seconds", "start", "end", "text"}, ...].
    parsed_timestamps = models.JSONField(default=list, blank=True)
    suggested_category = models.CharField(max_length=16, choices=Category.choices, default="none")
    category_confidence = models.FloatField(default=0)
    category = models.CharField(max_length=16, choices=Category.choices, blank=True)
    # The correction the report states, if any ("'mabye' should be 'maybe'"), as triage read it.
    suggested_correction_wrong = models.CharField(max_length=200, blank=True)
    suggested_correction_right = models.CharField(max_length=200, blank=True)
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
                condition=Q(timestamp_end_s__isnull=True)
                | Q(timestamp_s__isnull=False, timestamp_end_s__gt=F("timestamp_s")),
                name="finding_range_ordered",
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
                condition=Q(state__in=FindingState.values), name="finding_state_valid"
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
            # Duplicate matching (finding_token_postings): the most recent findings of a cut
            # indexed under a token, read newest first with a LIMIT per token. Token first, so a
            # common token of one cut is one short range, not a walk of the cut's tokens.
            models.Index(fields=["token", "cut", "finding"], name="finding_token_lookup_idx"),
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


class TriageExample(models.Model):
    """A decision a creator of a team made about triage's suggestions (a category changed, two
    reports merged, one split off), kept as a labelled example that team's triage learns from
    (errata/findings/learning.py)."""

    class Kind(models.TextChoices):
        CATEGORY = "category", _("Category chosen")
        MERGE = "merge", _("Reports merged")
        SPLIT = "split", _("Report split off")

    team = models.ForeignKey("errata.Team", on_delete=models.CASCADE, related_name="+")
    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField(blank=True)
    # The category the creator chose (kind "category"); blank otherwise.
    category = models.CharField(max_length=16, blank=True)
    # Folded into the team's TeamTriageModel yet.
    learned = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["category", "merge", "split"]),
                name="triage_example_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="category") | Q(category__in=CATEGORY_VALUES),
                name="triage_example_category_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["team", "id"],
                condition=Q(learned=False),
                name="triage_example_unlearned",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} example for team {self.team_id}"


class TeamTriageModel(models.Model):
    """What one team's triage learned from its examples: a TeamAdapter's state (per-category
    score corrections and a duplicate-threshold offset) on top of the shared model."""

    team = models.OneToOneField("errata.Team", on_delete=models.CASCADE, related_name="+")
    state = models.JSONField(default=dict, blank=True)
    examples = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"triage model of team {self.team_id} ({self.examples} examples)"
