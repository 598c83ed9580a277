"""Undo over the API: each undoable action answers with an Undo-Location header naming its
record; POST that record's undo to take the action back (errata/fixes/undo.py)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from errata.api.serializers.errata import UndoRecordSerializer
from errata.api.views.base import ApiViewSet
from errata.fixes.undo import undo_apply
from errata.models import UndoRecord

UNDO_LOCATION = OpenApiParameter(
    name="Undo-Location",
    location=OpenApiParameter.HEADER,
    type=OpenApiTypes.URI,
    required=False,
    response=[200, 201],
    description="The action's undo record: POST its undo/ within 15 minutes to take it back.",
)


def with_undo(request: Request, response: Response, record: UndoRecord | None) -> Response:
    if record is not None:
        response["Undo-Location"] = request.build_absolute_uri(
            reverse("api:undo-detail", args=[record.pk])
        )
    return response


class UndoViewSet(mixins.RetrieveModelMixin, ApiViewSet):
    """Your recent undoable actions (accept, add, dismiss, split, status, merge, revoke)."""

    queryset = UndoRecord.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = UndoRecordSerializer

    def get_queryset(self) -> QuerySet:
        # Only the caller's own: nobody undoes a teammate's action.
        if not self.request.user.is_authenticated:
            return UndoRecord.objects.none()
        return UndoRecord.objects.filter(actor=self.request.user)

    @extend_schema(request=None, responses={200: UndoRecordSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk: str) -> Response:
        """Restore the state before the action; 409 when it is too late, already undone, or the
        rows were changed since."""
        record = undo_apply(record=self.get_object(), actor=request.user)
        return Response(self.get_serializer(record).data)
