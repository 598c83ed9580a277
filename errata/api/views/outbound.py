"""Personal API tokens, webhook endpoints and their deliveries (with replay)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from errata.api import selectors
from errata.api.filters import WebhookDeliveryFilter, WebhookEndpointFilter
from errata.api.permissions import IsTeamOwnerToChange, is_team_owner
from errata.api.serializers.outbound import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    WebhookDeliveryDetailSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointSecretSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointUpdateSerializer,
)
from errata.api.throttling import TokenCreateRateThrottle
from errata.api.tokens import api_token_create, api_token_revoke
from errata.api.views.base import ApiViewSet
from errata.models import ApiToken, WebhookDelivery, WebhookEndpoint
from errata.webhooks.services import delivery_replay, endpoint_rotate_secret


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Your personal API tokens. The key is shown once, in the answer to POST; only a hash is
    kept. Revoked tokens stay listed with the date."""

    queryset = ApiToken.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = ApiTokenSerializer
    ordering_fields = ["created_at", "last_used_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet:
        return selectors.api_tokens_for_user(self.request.user)

    def get_throttles(self) -> list:
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(TokenCreateRateThrottle())
        return throttles

    @extend_schema(
        request=ApiTokenSerializer,
        responses={201: ApiTokenCreatedSerializer},
    )
    def create(self, request: Request) -> Response:
        data = self.input(ApiTokenSerializer, request)
        made = api_token_create(
            user=request.user, name=data["name"], expires_at=data.get("expires_at")
        )
        body = ApiTokenCreatedSerializer(made.token).data
        return Response({**body, "key": made.key}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        token = api_token_revoke(token=self.get_object())
        return Response(self.get_serializer(token).data)


class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ApiViewSet,
):
    """Where a team's events are sent. The secret is shown when the endpoint is made and when it
    is rotated. Members read; owners change."""

    queryset = WebhookEndpoint.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = WebhookEndpointSerializer
    update_serializer_class = WebhookEndpointUpdateSerializer
    permission_classes = [IsTeamOwnerToChange]
    filterset_class = WebhookEndpointFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["team_id", "id"]

    def get_queryset(self) -> QuerySet:
        return selectors.webhook_endpoints_for_user(self.request.user)

    @staticmethod
    def team_id_of(endpoint) -> int:
        return endpoint.team_id

    @extend_schema(responses={201: WebhookEndpointSecretSerializer})
    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not is_team_owner(request, serializer.validated_data["team"].pk):
            raise PermissionDenied(IsTeamOwnerToChange.message)
        endpoint = serializer.save(created_by=request.user)
        body = WebhookEndpointSecretSerializer(endpoint, context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.partial_update_row(request)

    @extend_schema(request=None, responses={200: WebhookEndpointSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        """A new secret; deliveries are signed with it from now on."""
        endpoint = endpoint_rotate_secret(endpoint=self.get_object())
        body = WebhookEndpointSecretSerializer(endpoint, context=self.get_serializer_context())
        return Response(body.data)


class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The delivery log: every event sent, its status, attempts and the receiver's answer."""

    queryset = WebhookDelivery.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = WebhookDeliverySerializer
    permission_classes = [IsTeamOwnerToChange]
    filterset_class = WebhookDeliveryFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet:
        deliveries = selectors.webhook_deliveries_for_user(self.request.user)
        # The body can be large; the list leaves it out, the detail shows it.
        return deliveries.defer("body") if self.action == "list" else deliveries

    def get_serializer_class(self):
        if self.action == "list":
            return WebhookDeliverySerializer
        return WebhookDeliveryDetailSerializer

    @staticmethod
    def team_id_of(delivery) -> int:
        return delivery.endpoint.team_id

    @extend_schema(request=None, responses={202: WebhookDeliveryDetailSerializer})
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str) -> Response:
        """Send this delivery again, as a new delivery of the same event (same body and event
        id, the endpoint's current URL and secret)."""
        replay = delivery_replay(delivery=self.get_object())
        replay.refresh_from_db()
        body = WebhookDeliveryDetailSerializer(replay)
        return Response(body.data, status=status.HTTP_202_ACCEPTED)
