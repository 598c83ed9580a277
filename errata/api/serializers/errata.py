"""Serializers of findings and errata, and of the actions on them (accept, merge, fix...)."""

from __future__ import annotations

from datetime import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from errata.api.serializers.base import (
    MAX_FINDINGS_PER_ACTION,
    ScopedPrimaryKeyField,
    scoped_cuts,
    scoped_errata,
    scoped_scenes,
    seconds_field,
)
from errata.fixes.undo import UNDO_WINDOW, undo_available
from errata.models import (
    Category,
    Cut,
    Erratum,
    ErratumEvent,
    Finding,
    Remedy,
    Scene,
    UndoRecord,
)


class FindingSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="comment.author_name", read_only=True)
    category = serializers.ChoiceField(
        choices=Category.choices,
        allow_blank=True,
        read_only=True,
        help_text="The creator's decision; empty while undecided.",
    )
    effective_category = serializers.ChoiceField(choices=Category.choices, read_only=True)
    effective_scene = serializers.IntegerField(
        source="effective_scene_id", read_only=True, allow_null=True
    )

    class Meta:
        model = Finding
        fields = [
            "id",
            "comment",
            "author_name",
            "cut",
            "position",
            "text",
            "span_start",
            "span_end",
            "timestamp_s",
            "timestamp_end_s",
            "timestamp_source",
            "parsed_timestamps",
            "suggested_category",
            "category_confidence",
            "category",
            "effective_category",
            "suggested_scene",
            "scene",
            "effective_scene",
            "duplicate_group",
            "erratum",
            "state",
            "dismissed_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class FindingUpdateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    scene = ScopedPrimaryKeyField(
        scope=scoped_scenes,
        queryset=Scene.objects.all(),
        required=False,
        allow_null=True,
        help_text="null clears the creator's scene (the suggestion shows again).",
    )
    timestamp_s = seconds_field(required=False)


def finding_ids_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=MAX_FINDINGS_PER_ACTION,
    )


class FindingIdsSerializer(serializers.Serializer):
    finding_ids = finding_ids_field()


class FindingsDismissSerializer(serializers.Serializer):
    finding_ids = finding_ids_field()
    category = serializers.ChoiceField(
        choices=[Category.CONTENT, Category.NONE],
        default=Category.NONE,
        help_text="content: feedback worth keeping; none: praise or chatter.",
    )
    reason = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class CorrectionSerializer(serializers.Serializer):
    """What is wrong and what is right ("mabye" -> "maybe"); `wrong` may be left blank."""

    wrong = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    right = serializers.CharField(max_length=200)


class ErratumSerializer(serializers.ModelSerializer):
    video = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    correction = serializers.SerializerMethodField(
        help_text='{"wrong", "right"}: suggested from the reports, editable; null when none.'
    )
    findings = serializers.SerializerMethodField(help_text="The findings reporting it.")
    report_count = serializers.SerializerMethodField()

    class Meta:
        model = Erratum
        fields = [
            "id",
            "video",
            "found_in_cut",
            "cut",
            "fixed_in_cut",
            "title",
            "description",
            "category",
            "severity",
            "status",
            "timestamp_s",
            "timestamp_end_s",
            "scene",
            "remedy",
            "fix_note",
            "corrected_line",
            "correction",
            "assignee",
            "resolution_reason",
            "merged_into",
            "version",
            "findings",
            "report_count",
            "created_at",
            "updated_at",
            "fixed_at",
            "verified_at",
        ]
        read_only_fields = fields

    def _finding_ids(self, erratum: Erratum) -> list[int]:
        rows = getattr(erratum, "finding_rows", None)
        if rows is None:  # not loaded through selectors.errata_with_findings
            return list(erratum.findings.order_by("id").values_list("id", flat=True))
        return [f.pk for f in rows]

    @extend_schema_field(CorrectionSerializer(allow_null=True))
    def get_correction(self, erratum: Erratum) -> dict | None:
        if not erratum.correction_right:
            return None
        return {"wrong": erratum.correction_wrong, "right": erratum.correction_right}

    def get_findings(self, erratum: Erratum) -> list[int]:
        return self._finding_ids(erratum)

    def get_report_count(self, erratum: Erratum) -> int:
        return len(self._finding_ids(erratum))


class ErratumCreateSerializer(serializers.Serializer):
    """Accept findings (a suggested group or a hand-picked set) as one new erratum. Every other
    field is prefilled from the findings when left out."""

    finding_ids = finding_ids_field()
    title = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(required=False, default="", allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    severity = serializers.ChoiceField(choices=Erratum.Severity.choices, default="medium")
    remedy = serializers.ChoiceField(choices=Remedy.choices, required=False)
    scene = ScopedPrimaryKeyField(
        scope=scoped_scenes, queryset=Scene.objects.all(), required=False, allow_null=True
    )
    timestamp_s = seconds_field(required=False, allow_null=True)
    correction = CorrectionSerializer(
        required=False, allow_null=True, help_text="Left out: the one the reports state."
    )


class ErratumUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    severity = serializers.ChoiceField(choices=Erratum.Severity.choices, required=False)
    remedy = serializers.ChoiceField(choices=Remedy.choices, required=False)
    timestamp_s = seconds_field(required=False, allow_null=True)
    scene = ScopedPrimaryKeyField(
        scope=scoped_scenes, queryset=Scene.objects.all(), required=False, allow_null=True
    )
    fix_note = serializers.CharField(required=False, allow_blank=True)
    corrected_line = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    correction = CorrectionSerializer(required=False, allow_null=True, help_text="null clears it.")
    assignee = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The user id of a member of the video's team; null: nobody.",
    )


class MergeSerializer(serializers.Serializer):
    into = ScopedPrimaryKeyField(
        scope=scoped_errata, queryset=Erratum.objects.all(), help_text="The erratum that stays."
    )


class FixSerializer(serializers.Serializer):
    fixed_in_cut = ScopedPrimaryKeyField(scope=scoped_cuts, queryset=Cut.objects.all())
    fix_note = serializers.CharField(required=False, allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class EmptySerializer(serializers.Serializer):
    pass


class ErratumEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ErratumEvent
        fields = ["id", "kind", "actor", "changes", "created_at"]
        read_only_fields = fields


class UndoRecordSerializer(serializers.ModelSerializer):
    """An action of yours that can be taken back (POST its undo) until expires_at."""

    expires_at = serializers.SerializerMethodField()
    undoable = serializers.SerializerMethodField()

    class Meta:
        model = UndoRecord
        fields = ["id", "kind", "created_at", "expires_at", "undone_at", "undoable"]
        read_only_fields = fields

    def get_expires_at(self, record: UndoRecord) -> datetime:
        return record.created_at + UNDO_WINDOW

    def get_undoable(self, record: UndoRecord) -> bool:
        return undo_available(record)
