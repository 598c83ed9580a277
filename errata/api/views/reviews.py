"""Review links, and comments (a patron's client posts through its review link)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from errata.api import selectors
from errata.api.authentication import reviewer_key_from
from errata.api.filters import CommentFilter, ReviewLinkFilter
from errata.api.permissions import IsTeamMemberOrReviewLink, is_review_link
from errata.api.serializers.reviews import (
    CommentCreatedSerializer,
    CommentCreateSerializer,
    CommentEditSerializer,
    CommentSerializer,
    ReviewLinkSerializer,
    ReviewLinkUpdateSerializer,
)
from errata.api.views.base import REVIEWER, ApiViewSet
from errata.api.views.undo import UNDO_LOCATION, with_undo
from errata.fixes.undo import review_link_revoke_undoable
from errata.models import Comment, ReviewLink
from errata.reviews.selectors import reviewer_by_key, reviewer_of_user
from errata.reviews.services import (
    comment_create,
    review_comment_create,
    review_comment_delete,
    review_comment_edit,
    review_link_create,
)


class ReviewLinkViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    queryset = ReviewLink.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = ReviewLinkSerializer
    update_serializer_class = ReviewLinkUpdateSerializer
    filterset_class = ReviewLinkFilter
    ordering_fields = ["created_at", "expires_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet:
        return selectors.review_links_for_user(self.request.user)

    def perform_create(self, serializer) -> None:
        # One place makes links (the studio, the admin and the API): the service checks the
        # label and that an expiry lies in the future.
        data = serializer.validated_data
        serializer.instance = review_link_create(
            cut=data["cut"],
            label=data.get("label", ""),
            expires_at=data.get("expires_at"),
            can_comment=data.get("can_comment", True),
            show_others_comments=data.get("show_others_comments", True),
            patreon_required=data.get("patreon_required", False),
            patreon_min_cents=data.get("patreon_min_cents", 0),
            created_by=self.request.user,
        )

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.partial_update_row(request)

    @extend_schema(request=None, responses={200: ReviewLinkSerializer}, parameters=[UNDO_LOCATION])
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        """The link stops working at once, for reading and for commenting."""
        link = self.get_object()
        _, record = review_link_revoke_undoable(review_link=link, actor=request.user)
        return with_undo(request, Response(self.get_serializer(link).data), record)


@extend_schema(parameters=[REVIEWER])
class CommentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Comments, stored exactly as written. Team members see all of their videos' comments and
    post replies as the creator; a review link sees and posts on its own cut (only the patron's
    own comments and the replies to them, when the creator hides others' comments)."""

    queryset = Comment.objects.none()  # names the model for the schema; see get_queryset
    serializer_class = CommentSerializer
    permission_classes = [IsTeamMemberOrReviewLink]
    review_link_actions = ("list", "retrieve", "create", "partial_update", "destroy")
    filterset_class = CommentFilter
    ordering_fields = ["timestamp_s", "posted_at", "created_at", "id"]
    ordering = ["cut_id", "timestamp_s", "id"]

    def get_queryset(self) -> QuerySet:
        if is_review_link(self.request):
            return selectors.comments_for_review_link(
                self.request.auth, reviewer_key=reviewer_key_from(self.request)
            )
        return selectors.comments_for_user(self.request.user)

    @extend_schema(
        request=CommentCreateSerializer,
        responses={201: CommentCreatedSerializer},
    )
    def create(self, request: Request) -> Response:
        data = self.input(CommentCreateSerializer, request)
        if is_review_link(request):
            reviewer = None
            key = reviewer_key_from(request)
            if key is not None:
                reviewer = reviewer_by_key(key=key)
                if reviewer is None:
                    raise ValidationError({"reviewer": "No reviewer has this key."})
            elif not (data["author_name"] or "").strip():
                raise ValidationError({"author_name": "Give a name to show with the comment."})
            comment = review_comment_create(
                review_link=request.auth,
                text=data["text"],
                reviewer=reviewer,
                guest_name=data["author_name"],
                guest_email=data.get("email") or "",
                timestamp_s=data.get("timestamp_s"),
                timestamp_end_s=data.get("timestamp_end_s"),
                drawing=data.get("drawing"),
                parent=data.get("parent"),
                source=Comment.Source.API,
            )
        else:
            if data.get("cut") is None:
                raise ValidationError({"cut": "Say which cut the comment is on."})
            user = request.user
            comment = comment_create(
                cut=data["cut"],
                text=data["text"],
                author_name=data["author_name"] or str(user),
                author_role=Comment.Role.CREATOR,
                reviewer=reviewer_of_user(user=user),
                timestamp_s=data.get("timestamp_s"),
                timestamp_end_s=data.get("timestamp_end_s"),
                drawing=data.get("drawing"),
                parent=data.get("parent"),
                source=Comment.Source.API,
            )
        body = CommentCreatedSerializer(comment, context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)

    def _author(self, request: Request):
        """The patron changing their own comment: the reviewer their key names. Team members
        change no comment: a comment is kept as its author wrote it."""
        if not is_review_link(request):
            raise PermissionDenied(
                "A comment is changed only by its author, through their review link, "
                "within 15 minutes of posting."
            )
        key = reviewer_key_from(request)
        return reviewer_by_key(key=key) if key is not None else None

    @extend_schema(request=CommentEditSerializer, responses={200: CommentSerializer})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Correct your own comment's text within 15 minutes of posting (review link and
        reviewer key). Triage reads it again; refused (403) once a report of it is in an
        erratum."""
        reviewer = self._author(request)
        comment = self.get_object()
        data = self.input(CommentEditSerializer, request)
        comment = review_comment_edit(
            comment=comment, review_link=request.auth, reviewer=reviewer, text=data["text"]
        )
        return Response(CommentSerializer(comment, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Delete your own comment within 15 minutes of posting (review link and reviewer key),
        with its findings; refused (403) once a report of it is in an erratum or someone
        replied."""
        reviewer = self._author(request)
        comment = self.get_object()
        review_comment_delete(comment=comment, review_link=request.auth, reviewer=reviewer)
        return Response(status=status.HTTP_204_NO_CONTENT)
