"""Filters for the list endpoints (django-filter) and the ordering every list ends with."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from rest_framework.filters import OrderingFilter

from errata.models import (
    Category,
    Comment,
    Cut,
    Erratum,
    ExportJob,
    Finding,
    ImportJob,
    Remedy,
    ReviewLink,
    Scene,
    SceneSpan,
    Video,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

# PostgreSQL's bigint: a larger id cannot exist, so it is a bad request rather than a miss.
MAX_ID = 2**63 - 1
# Longer than any video; keeps absurd numbers out of the queries.
MAX_SECONDS = 10_000_000.0


class StableOrderingFilter(OrderingFilter):
    """Whatever order the caller asks for, the id breaks ties, so pages never overlap."""

    def get_ordering(self, request, queryset, view) -> list[str]:
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(term.lstrip("-") in {"id", "pk"} for term in ordering):
            ordering.append("id")
        return ordering


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class SecondsFilter(django_filters.NumberFilter):
    """A time on the cut in seconds; forms.FloatField refuses inf and nan."""

    field_class = forms.FloatField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_SECONDS)
        super().__init__(*args, **kwargs)


class TimeRangeFilterSet(django_filters.FilterSet):
    time_from = SecondsFilter(
        field_name="timestamp_s", lookup_expr="gte", label="At or after this time (seconds)"
    )
    time_to = SecondsFilter(
        field_name="timestamp_s", lookup_expr="lte", label="At or before this time (seconds)"
    )


class VideoFilter(django_filters.FilterSet):
    team = django_filters.CharFilter(field_name="team__slug", label="Team slug")

    class Meta:
        model = Video
        fields = ["team"]


class CutFilter(django_filters.FilterSet):
    video = django_filters.CharFilter(field_name="video__slug", label="Video slug")

    class Meta:
        model = Cut
        fields = ["video"]


class SceneFilter(django_filters.FilterSet):
    video = django_filters.CharFilter(field_name="video__slug", label="Video slug")
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Scene
        fields = ["video", "name"]


class SceneSpanFilter(django_filters.FilterSet):
    video = django_filters.CharFilter(field_name="cut__video__slug", label="Video slug")
    cut = IdFilter(field_name="cut_id")
    scene = IdFilter(field_name="scene_id")

    class Meta:
        model = SceneSpan
        fields = ["video", "cut", "scene"]


class ReviewLinkFilter(django_filters.FilterSet):
    video = django_filters.CharFilter(field_name="cut__video__slug", label="Video slug")
    cut = IdFilter(field_name="cut_id")
    revoked = django_filters.BooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = ReviewLink
        fields = ["video", "cut", "revoked", "can_comment"]


class CommentFilter(TimeRangeFilterSet):
    video = django_filters.CharFilter(field_name="cut__video__slug", label="Video slug")
    cut = IdFilter(field_name="cut_id")
    parent = IdFilter(field_name="parent_id")
    author_role = django_filters.ChoiceFilter(choices=Comment.Role.choices)
    source = django_filters.ChoiceFilter(choices=Comment.Source.choices)
    triage_state = django_filters.ChoiceFilter(choices=Comment.TriageState.choices)

    class Meta:
        model = Comment
        fields = ["video", "cut", "parent", "author_role", "source", "triage_state"]


class FindingFilter(TimeRangeFilterSet):
    video = django_filters.CharFilter(field_name="cut__video__slug", label="Video slug")
    cut = IdFilter(field_name="cut_id")
    comment = IdFilter(field_name="comment_id")
    erratum = IdFilter(field_name="erratum_id")
    duplicate_group = IdFilter(field_name="duplicate_group_id")
    state = django_filters.MultipleChoiceFilter(choices=Finding.State.choices)
    category = django_filters.MultipleChoiceFilter(
        choices=Category.choices,
        method="filter_category",
        label="Category: the creator's decision, else triage's suggestion",
    )
    scene = IdFilter(method="filter_scene", label="Scene: the creator's, else the suggested one")

    class Meta:
        model = Finding
        fields = ["video", "cut", "comment", "erratum", "duplicate_group", "state"]

    def filter_category(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(Q(category__in=value) | Q(category="", suggested_category__in=value))

    def filter_scene(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(Q(scene_id=value) | Q(scene__isnull=True, suggested_scene_id=value))


class ErratumFilter(TimeRangeFilterSet):
    video = django_filters.CharFilter(field_name="video__slug", label="Video slug")
    cut = IdFilter(field_name="cut_id", label="The cut its time refers to")
    found_in_cut = IdFilter(field_name="found_in_cut_id")
    fixed_in_cut = IdFilter(field_name="fixed_in_cut_id")
    scene = IdFilter(field_name="scene_id")
    status = django_filters.MultipleChoiceFilter(choices=Erratum.Status.choices)
    category = django_filters.MultipleChoiceFilter(choices=Category.choices)
    remedy = django_filters.MultipleChoiceFilter(choices=Remedy.choices)
    severity = django_filters.MultipleChoiceFilter(choices=Erratum.Severity.choices)
    merged = django_filters.BooleanFilter(
        field_name="merged_into",
        lookup_expr="isnull",
        exclude=True,
        label="true: only errata merged into another; false: only the live ones",
    )

    class Meta:
        model = Erratum
        fields = ["video", "cut", "found_in_cut", "fixed_in_cut", "scene", "status"]


class WebhookEndpointFilter(django_filters.FilterSet):
    team = django_filters.CharFilter(field_name="team__slug", label="Team slug")

    class Meta:
        model = WebhookEndpoint
        fields = ["team", "is_active"]


class WebhookDeliveryFilter(django_filters.FilterSet):
    endpoint = IdFilter(field_name="endpoint_id")
    status = django_filters.MultipleChoiceFilter(choices=WebhookDelivery.Status.choices)
    event = django_filters.ChoiceFilter(choices=WebhookEvent.choices)

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event"]


class ImportJobFilter(django_filters.FilterSet):
    video = django_filters.CharFilter(field_name="cut__video__slug", label="Video slug")
    cut = IdFilter(field_name="cut_id")
    status = django_filters.MultipleChoiceFilter(choices=ImportJob.Status.choices)

    class Meta:
        model = ImportJob
        fields = ["video", "cut", "status"]


class ExportJobFilter(django_filters.FilterSet):
    video = django_filters.CharFilter(field_name="cut__video__slug", label="Video slug")
    cut = IdFilter(field_name="cut_id")
    status = django_filters.MultipleChoiceFilter(choices=ExportJob.Status.choices)

    class Meta:
        model = ExportJob
        fields = ["video", "cut", "status"]
