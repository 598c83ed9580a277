"""Findings and errata: triage actions, edits with If-Match, the fix loop, history."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from errata.api import selectors
from errata.api.exceptions import PreconditionFailed
from errata.api.filters import ErratumFilter, FindingFilter
from errata.api.serializers.errata import (
    CountSerializer,
    ErratumCreateSerializer,
    ErratumEventSerializer,
    ErratumSerializer,
    ErratumUpdateSerializer,
    FindingIdsSerializer,
    FindingsDismissSerializer,
    FindingSerializer,
    FindingUpdateSerializer,
    FixSerializer,
    MergeSerializer,
    ReasonSerializer,
)
from errata.api.views.base import IF_MATCH, ApiViewSet
from errata.api.views.undo import UNDO_LOCATION, with_undo
from errata.findings.services import finding_restore, finding_update
from errata.fixes.services import erratum_update, finding_remove_from_erratum
from errata.fixes.teamwork import erratum_assign, team_members_of_video
from errata.fixes.undo import (
    erratum_add_findings_undoable,
    erratum_create_undoable,
    erratum_merge_undoable,
    erratum_transition_undoable,
    finding_split_undoable,
    findings_dismiss_undoable,
)
from errata.models import Erratum, Finding


def _team_member(erratum: Erratum, user_id: int | None):
    """The assignee named by id: a member of the erratum's team, else a 400 naming the field."""
    if user_id is None:
        return None
    member = team_members_of_video(video_id=erratum.video_id).filter(pk=user_id).first()
    if member is None:
        raise ValidationError({"assignee": "Only a member of this video's team can be assigned."})
    return member


def _correction_fields(data: dict) -> dict:
    """The nested `correction` as the erratum's two fields: left out, nothing; null, cleared."""
    if "correction" not in data:
        return {}
    correction = data.pop("correction") or {"wrong": "", "right": ""}
    return {"correction_wrong": correction["wrong"], "correction_right": correction["right"]}


def _own_finding_ids(request: Request, finding_ids: list[int]) -> list[int]:
    """The ids, all of them findings the caller may see, or a 400 that names none of the others
    (so it does not tell whether another team's finding exists)."""
    ids = sorted(set(finding_ids))
    seen = selectors.findings_for_user(request.user).filter(pk__in=ids).count()
    if seen != len(ids):
        raise ValidationError({"finding_ids": "Some of these findings do not exist."})
    return ids


class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The points triage found in comments, with its suggestions and the creator's decisions."""

    queryset = Finding.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    ordering_fields = ["timestamp_s", "created_at", "category_confidence", "id"]
    ordering = ["cut_id", "timestamp_s", "id"]

    def get_queryset(self) -> QuerySet:
        return selectors.findings_for_user(self.request.user)

    def _answer(self, finding) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=finding.pk)).data)

    @extend_schema(request=FindingUpdateSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Correct a finding's category, scene or time."""
        finding = self.get_object()
        data = self.input(FindingUpdateSerializer, request)
        scene = data.get("scene")
        finding_update(
            finding=finding,
            category=data.get("category"),
            scene_id=scene.pk if scene else None,
            timestamp_s=data.get("timestamp_s"),
            clear_scene="scene" in data and scene is None,
        )
        return self._answer(finding)

    @extend_schema(
        request=FindingsDismissSerializer,
        responses={200: CountSerializer},
        parameters=[UNDO_LOCATION],
    )
    @action(detail=False, methods=["post"])
    def dismiss(self, request: Request) -> Response:
        """Dismiss untriaged findings as content (feedback) or none (praise, chatter)."""
        data = self.input(FindingsDismissSerializer, request)
        count, record = findings_dismiss_undoable(
            finding_ids=_own_finding_ids(request, data["finding_ids"]),
            actor=request.user,
            category=data["category"],
            reason=data["reason"],
        )
        return with_undo(request, Response({"count": count}), record)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        """Undo a dismissal."""
        finding = self.get_object()
        finding_restore(finding=finding)
        return self._answer(finding)

    @extend_schema(request=None, parameters=[UNDO_LOCATION])
    @action(detail=True, methods=["post"])
    def split(self, request: Request, pk: str) -> Response:
        """This finding is not the same problem as the rest of its duplicate group."""
        finding = self.get_object()
        record = finding_split_undoable(finding=finding, actor=request.user)
        return with_undo(request, self._answer(finding), record)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="remove-from-erratum")
    def remove_from_erratum(self, request: Request, pk: str) -> Response:
        """Take the finding back out of its erratum; it is untriaged again."""
        finding = self.get_object()
        finding_remove_from_erratum(finding=finding, actor=request.user)
        return self._answer(finding)


def expected_version(request: Request, erratum: Erratum) -> int | None:
    """The version the If-Match header names; None without one (or with `*`). A tag that names
    no version at all cannot match, so it is refused here."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    versions = []
    for tag in raw.split(","):
        tag = tag.strip()
        # If-Match uses the strong comparison (RFC 9110): a weak W/"3" never matches.
        if len(tag) > 2 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
            versions.append(int(tag[1:-1]))
    if not versions:
        raise PreconditionFailed(f"If-Match {raw[:40]!r} names no version of this erratum.")
    # Several tags: whichever is current is the one the caller expects.
    return erratum.version if erratum.version in versions else versions[0]


def _with_etag(response: Response, erratum: Erratum) -> Response:
    response["ETag"] = f'"{erratum.version}"'
    return response


ERRATUM_WRITE = {"parameters": [IF_MATCH, UNDO_LOCATION], "responses": {200: ErratumSerializer}}


class ErratumViewSet(mixins.ListModelMixin, ApiViewSet):
    """Confirmed problems. POST accepts findings (a group) as a new erratum; the actions move it
    through its life: accept, fix (in a cut), verify, wontfix / not-an-error (with a reason),
    reopen; merge folds a duplicate into another erratum."""

    queryset = Erratum.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = ErratumSerializer
    filterset_class = ErratumFilter
    ordering_fields = ["timestamp_s", "created_at", "updated_at", "severity", "status", "id"]
    ordering = ["video_id", "timestamp_s", "id"]

    def get_queryset(self) -> QuerySet:
        return selectors.errata_for_user(self.request.user)

    def _answer(self, erratum: Erratum, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=erratum.pk)
        return _with_etag(Response(self.get_serializer(fresh).data, status=status_code), fresh)

    def retrieve(self, request: Request, pk: str) -> Response:
        erratum = self.get_object()
        return _with_etag(Response(self.get_serializer(erratum).data), erratum)

    @extend_schema(
        request=ErratumCreateSerializer,
        responses={201: ErratumSerializer},
        parameters=[UNDO_LOCATION],
    )
    def create(self, request: Request) -> Response:
        data = self.input(ErratumCreateSerializer, request)
        scene = data.get("scene")
        erratum, record = erratum_create_undoable(
            finding_ids=_own_finding_ids(request, data["finding_ids"]),
            actor=request.user,
            title=data.get("title"),
            description=data["description"],
            category=data.get("category"),
            severity=data["severity"],
            remedy=data.get("remedy"),
            scene_id=scene.pk if scene else None,
            timestamp_s=data.get("timestamp_s"),
            **_correction_fields(data),
        )
        return with_undo(request, self._answer(erratum, status.HTTP_201_CREATED), record)

    @extend_schema(request=ErratumUpdateSerializer, **ERRATUM_WRITE)
    def partial_update(self, request: Request, pk: str) -> Response:
        erratum = self.get_object()
        version = expected_version(request, erratum)
        fields = self.input(ErratumUpdateSerializer, request)
        fields.update(_correction_fields(fields))
        assign = "assignee" in fields
        assignee = _team_member(erratum, fields.pop("assignee", None))
        erratum = erratum_update(
            erratum=erratum, actor=request.user, expected_version=version, **fields
        )
        if assign:
            erratum = erratum_assign(erratum=erratum, assignee=assignee, actor=request.user)
        return self._answer(erratum)

    @extend_schema(request=FindingIdsSerializer, **ERRATUM_WRITE)
    @action(detail=True, methods=["post"])
    def findings(self, request: Request, pk: str) -> Response:
        """Add untriaged findings (more reports of this problem)."""
        erratum = self.get_object()
        version = expected_version(request, erratum)
        data = self.input(FindingIdsSerializer, request)
        _, record = erratum_add_findings_undoable(
            erratum=erratum,
            finding_ids=_own_finding_ids(request, data["finding_ids"]),
            actor=request.user,
            expected_version=version,
        )
        return with_undo(request, self._answer(erratum), record)

    @extend_schema(
        request=MergeSerializer,
        parameters=[IF_MATCH, UNDO_LOCATION],
        responses={200: OpenApiResponse(ErratumSerializer, "The erratum kept.")},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        """Merge this erratum into another: its findings move there, and this one keeps a
        redirect (merged_into). If-Match applies to this erratum."""
        erratum = self.get_object()
        version = expected_version(request, erratum)
        data = self.input(MergeSerializer, request)
        target, record = erratum_merge_undoable(
            source=erratum, target=data["into"], actor=request.user, expected_version=version
        )
        return with_undo(request, self._answer(target), record)

    def _transition(
        self, request: Request, status_value: str, input_class: type | None = None
    ) -> Response:
        erratum = self.get_object()
        version = expected_version(request, erratum)
        data = self.input(input_class, request) if input_class else {}
        erratum, record = erratum_transition_undoable(
            erratum=erratum,
            status=status_value,
            actor=request.user,
            expected_version=version,
            fixed_in_cut=data.get("fixed_in_cut"),
            reason=data.get("reason", ""),
            fix_note=data.get("fix_note"),
        )
        return with_undo(request, self._answer(erratum), record)

    @extend_schema(request=None, **ERRATUM_WRITE)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Confirm the problem: it will be fixed."""
        return self._transition(request, Erratum.Status.ACCEPTED)

    @extend_schema(request=FixSerializer, **ERRATUM_WRITE)
    @action(detail=True, methods=["post"])
    def fix(self, request: Request, pk: str) -> Response:
        """Mark it fixed in a cut (usually the next one), with an optional note."""
        return self._transition(request, Erratum.Status.FIXED, FixSerializer)

    @extend_schema(request=None, **ERRATUM_WRITE)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str) -> Response:
        """Someone watched the fixed cut and confirms the fix."""
        return self._transition(request, Erratum.Status.VERIFIED)

    @extend_schema(request=ReasonSerializer, **ERRATUM_WRITE)
    @action(detail=True, methods=["post"])
    def wontfix(self, request: Request, pk: str) -> Response:
        """A real problem that will not be fixed; say why."""
        return self._transition(request, Erratum.Status.WONTFIX, ReasonSerializer)

    @extend_schema(request=ReasonSerializer, **ERRATUM_WRITE)
    @action(detail=True, methods=["post"], url_path="not-an-error")
    def not_an_error(self, request: Request, pk: str) -> Response:
        """Not a problem after all; say why."""
        return self._transition(request, Erratum.Status.NOT_AN_ERROR, ReasonSerializer)

    @extend_schema(request=None, **ERRATUM_WRITE)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        """Back to open (from accepted, wontfix or not an error)."""
        return self._transition(request, Erratum.Status.OPEN)

    @extend_schema(responses={200: ErratumEventSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request: Request, pk: str) -> Response:
        """The erratum's history: who changed what, when."""
        events = selectors.erratum_events(self.get_object()).order_by("created_at", "id")
        page = self.paginate_queryset(events)
        body = ErratumEventSerializer(page, many=True)
        return self.get_paginated_response(body.data)
