"""What leaves the app by itself: webhook endpoints and their deliveries, and notifications
(mail).
"""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from errata.models.errata import Erratum
from errata.models.people import Membership, Team
from errata.models.reviews import Reviewer


class WebhookEvent(models.TextChoices):
    COMMENT_CREATED = "comment.created", _("Comment created")
    ERRATUM_CREATED = "erratum.created", _("Erratum created")
    ERRATUM_STATUS_CHANGED = "erratum.status_changed", _("Erratum status changed")
    ERRATUM_FIXED = "erratum.fixed", _("Erratum fixed")
    # Chat channels: the new errata since the last message (beat), and the studio's test button.
    ERRATA_DIGEST = "errata.digest", _("New errata digest")
    CHANNEL_TEST = "channel.test", _("Test message")


class WebhookKind(models.TextChoices):
    """What the URL expects: Errata's own signed JSON, or a chat's incoming-webhook message."""

    GENERIC = "generic", _("Webhook (Errata's JSON)")
    DISCORD = "discord", _("Discord channel")
    SLACK = "slack", _("Slack channel")


def webhook_secret_new() -> str:
    """A Standard Webhooks secret: "whsec_" and 32 random bytes in standard base64 (what every
    Standard Webhooks library decodes the same way)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookEndpoint(models.Model):
    """A URL a team wants told about events. Deliveries are signed with the secret. A Discord
    or Slack endpoint gets each event as a chat message in that platform's own format."""

    Kind = WebhookKind

    kind = models.CharField(max_length=16, choices=WebhookKind.choices, default=WebhookKind.GENERIC)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100, default=webhook_secret_new, editable=False)
    # After a rotation the old secret still signs (a second signature) until this moment, so
    # receivers can be updated without missing a delivery.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The WebhookEvent values this endpoint wants; checked by the API and admin forms.
    events = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    # Where the next "new errata" digest starts (chat channels).
    last_digest_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=WebhookKind.values), name="webhook_endpoint_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.url

    def secrets_in_use(self, *, now: datetime) -> list[str]:
        """The secrets deliveries are signed with now: the current one, and the previous one
        while its rotation window lasts."""
        if (
            self.previous_secret
            and self.previous_secret_expires_at
            and (self.previous_secret_expires_at > now)
        ):
            return [self.secret, self.previous_secret]
        return [self.secret]

    def clean(self) -> None:
        unknown = sorted(set(self.events or []) - set(WebhookEvent.values))
        if not isinstance(self.events, list) or unknown:
            raise ValidationError(
                {
                    "events": _("Events are a list of: %(values)s.")
                    % {"values": ", ".join(WebhookEvent.values)}
                }
            )


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    RETRYING = "retrying", _("Failed, will retry")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one endpoint. The body is stored exactly as sent, so a
    replay re-sends the same bytes and a receiver can check the same signature."""

    Status = WebhookDeliveryStatus

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
                condition=Q(status__in=WebhookDeliveryStatus.values),
                name="webhook_delivery_status_valid",
            ),
        ]
        indexes = [
            # The delivery log of one endpoint, newest first.
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id} ({self.status})"


class NotificationKind(models.TextChoices):
    ERRATUM_STATUS = "erratum_status", _("An erratum a patron reported changed")
    DIGEST = "digest", _("Digest of new comments")
    INVITATION = "invitation", _("Invitation to a team")


class NotificationState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent (unsubscribed or no longer relevant)")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One email to one person about one event: the outbox, and the record that it went.

    Unique per (event_key, recipient), so an event noticed twice (a retried task, a signal sent
    again) never makes a second message; the send task claims the row before it sends (see
    errata/notifications.py). The message is rendered when the row is made, so a retry sends
    exactly what was first meant, whatever has changed since.
    """

    Kind = NotificationKind
    State = NotificationState

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
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=NotificationState.values),
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
