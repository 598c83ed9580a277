"""Actions a member can take back for a while (the Undo on an action's confirmation banner)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from errata.models.catalog import Video


class UndoKind(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    ADD = "add", _("Add to an erratum")
    DISMISS = "dismiss", _("Dismiss")
    SPLIT = "split", _("Split out")
    CATEGORY = "category", _("Set category")
    STATUS = "status", _("Status change")
    MERGE = "merge", _("Merge")
    REVOKE = "revoke", _("Revoke a review link")
    BULK = "bulk", _("Bulk triage")


class UndoRecord(models.Model):
    """What one action changed, kept so that its actor can restore the state before it.

    `steps` are the action's parts (a bulk action has several, undone as one): each names the
    rows it touched, their fields before, and what the rows looked like right after (an
    erratum's version), so an undo after anyone changed them since is refused, not forced.
    The erratum's own history (ErratumEvent) still tells the story; this is only what undo
    needs to put things back."""

    Kind = UndoKind

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    steps = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=UndoKind.values), name="undo_record_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor_id} on {self.video_id}"
