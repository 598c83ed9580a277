"""Serializers of personal API tokens, webhook endpoints and their deliveries."""

from __future__ import annotations

from rest_framework import serializers

from errata.api.serializers.base import ScopedSlugField, scoped_teams
from errata.models import ApiToken, Team, WebhookDelivery, WebhookEndpoint, WebhookEvent
from errata.webhooks.addresses import webhook_url_refusal


class ApiTokenSerializer(serializers.ModelSerializer):
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
            "is_active",
        ]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_is_active(self, token: ApiToken) -> bool:
        return token.is_active()


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown this once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]


def _validate_webhook_url(url: str) -> str:
    refusal = webhook_url_refusal(url)
    if refusal:
        raise serializers.ValidationError(refusal)
    return url


# Chat channels' own events (a digest, the studio's test message) are not for Errata's JSON.
GENERIC_EVENTS = [
    (value, label)
    for value, label in WebhookEvent.choices
    if value not in (WebhookEvent.ERRATA_DIGEST, WebhookEvent.CHANNEL_TEST)
]


class WebhookEndpointSerializer(serializers.ModelSerializer):
    team = ScopedSlugField(scope=scoped_teams, queryset=Team.objects.all())
    url = serializers.URLField(max_length=500, validators=[_validate_webhook_url])
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=GENERIC_EVENTS), min_length=1, max_length=10
    )
    secret_hint = serializers.SerializerMethodField(help_text="The secret's first characters.")

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "team",
            "url",
            "description",
            "events",
            "is_active",
            "secret_hint",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def validate_events(self, events: list[str]) -> list[str]:
        return sorted(set(events))

    def get_secret_hint(self, endpoint: WebhookEndpoint) -> str:
        return endpoint.secret[:10] + "…"


class WebhookEndpointUpdateSerializer(WebhookEndpointSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)


class WebhookEndpointSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="Shown when the endpoint is made and when the secret is rotated; keep it.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_id",
            "status",
            "attempts",
            "response_code",
            "error",
            "replay_of",
            "created_at",
            "last_attempt_at",
            "delivered_at",
        ]
        read_only_fields = fields


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    class Meta(WebhookDeliverySerializer.Meta):
        fields = [*WebhookDeliverySerializer.Meta.fields, "body"]
        read_only_fields = fields
