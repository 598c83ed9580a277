"""Reads of a team's chat channels (the studio's channels page)."""

from __future__ import annotations

from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber

from errata.models import Team, WebhookDelivery, WebhookEndpoint
from errata.webhooks.channels import CHAT_KINDS

RECENT_DELIVERIES = 5


def team_channels(*, team: Team) -> list[WebhookEndpoint]:
    # The channels page lists each channel with its latest deliveries: two queries however
    # many channels and deliveries (a window function keeps the latest few of each).
    latest = (
        WebhookDelivery.objects.annotate(
            recent=Window(
                RowNumber(),
                partition_by=[F("endpoint_id")],
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(recent__lte=RECENT_DELIVERIES)
        .order_by("-created_at", "-pk")
    )
    return list(
        WebhookEndpoint.objects.filter(team=team, kind__in=CHAT_KINDS)
        .order_by("pk")
        .prefetch_related(Prefetch("deliveries", queryset=latest, to_attr="recent_deliveries"))
    )


def team_channel(*, team: Team, pk: int) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(team=team, kind__in=CHAT_KINDS, pk=pk).first()
