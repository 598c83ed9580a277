"""Serializers of review links and comments (a patron's client posts through a review link)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from errata.api.serializers.base import (
    ScopedPrimaryKeyField,
    scoped_comments,
    scoped_cuts,
    seconds_field,
)
from errata.models import Comment, Cut, ReviewLink
from errata.reviews.services import COMMENT_MAX_LENGTH


class ReviewLinkSerializer(serializers.ModelSerializer):
    cut = ScopedPrimaryKeyField(scope=scoped_cuts, queryset=Cut.objects.all())
    url = serializers.SerializerMethodField()
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = ReviewLink
        fields = [
            "id",
            "cut",
            "token",
            "url",
            "label",
            "expires_at",
            "can_comment",
            "show_others_comments",
            "patreon_required",
            "patreon_min_cents",
            "revoked_at",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["id", "token", "revoked_at", "created_at"]
        extra_kwargs = {
            "patreon_required": {
                "help_text": "Only members of the team's Patreon campaign open it (signed in "
                "with Patreon on the page)."
            },
            "patreon_min_cents": {
                "help_text": "With patreon_required: the smallest tier, in cents a month.",
                "max_value": 10_000_000,
            },
        }

    def get_url(self, link: ReviewLink) -> str:
        return f"{settings.SITE_URL}/r/{link.token}/"

    def get_is_active(self, link: ReviewLink) -> bool:
        return link.is_active()


class ReviewLinkUpdateSerializer(ReviewLinkSerializer):
    cut = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta(ReviewLinkSerializer.Meta):
        # Who may open a link is decided when it is made (the service checks the campaign).
        read_only_fields = [
            *ReviewLinkSerializer.Meta.read_only_fields,
            "patreon_required",
            "patreon_min_cents",
        ]


class CommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = [
            "id",
            "cut",
            "parent",
            "author_name",
            "author_role",
            "text",
            "timestamp_s",
            "timestamp_end_s",
            "drawing",
            "source",
            "triage_state",
            "posted_at",
            "created_at",
        ]
        read_only_fields = fields


class CommentEditSerializer(serializers.Serializer):
    """A patron's correction of their own comment (through their review link, with their
    reviewer key, within 15 minutes of posting)."""

    text = serializers.CharField(max_length=COMMENT_MAX_LENGTH, trim_whitespace=False)


class CommentCreateSerializer(serializers.Serializer):
    cut = ScopedPrimaryKeyField(
        scope=scoped_cuts,
        queryset=Cut.objects.all(),
        required=False,
        help_text="Required for team members; a review link posts on its own cut.",
    )
    parent = ScopedPrimaryKeyField(
        scope=scoped_comments, queryset=Comment.objects.all(), required=False, allow_null=True
    )
    text = serializers.CharField(max_length=COMMENT_MAX_LENGTH, trim_whitespace=False)
    timestamp_s = seconds_field(required=False, allow_null=True)
    timestamp_end_s = seconds_field(
        required=False, allow_null=True, help_text="The end of a range comment (after timestamp_s)."
    )
    drawing = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text='Shapes drawn on the frame: {"t": s, "aspect": w/h, "shapes": [{"kind": '
        '"arrow"|"box"|"free", "color": "red"|"yellow"|"cyan"|"white", "points": [[x, y], ...]}]} '
        "with x and y from 0 to 1.",
    )
    # Blank is allowed so the default is valid against the schema's own rules (clients generate
    # code from it); the view asks for a name when one is needed.
    author_name = serializers.CharField(
        max_length=150,
        required=False,
        default="",
        allow_blank=True,
        help_text="With a review link: the name to show, when X-Errata-Reviewer is not sent.",
    )
    # No default: "" is not an email address, and the schema would say so.
    email = serializers.EmailField(required=False, allow_blank=True)


class CommentCreatedSerializer(CommentSerializer):
    reviewer_key = serializers.SerializerMethodField(
        help_text="With a review link: send it back as X-Errata-Reviewer to post and read as "
        "the same person."
    )

    class Meta(CommentSerializer.Meta):
        fields = [*CommentSerializer.Meta.fields, "reviewer_key"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.UUID)
    def get_reviewer_key(self, comment: Comment) -> str | None:
        if comment.reviewer is None or comment.author_role != Comment.Role.PATRON:
            return None
        return str(comment.reviewer.key)
