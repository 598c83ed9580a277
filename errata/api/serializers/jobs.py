"""Serializers of comment imports and checklist exports, and of their jobs."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from errata.io.exports import EXPORT_FORMATS
from errata.io.readers import COMMENT_FORMATS
from errata.io.services import import_size_refusal
from errata.models import ExportJob, ImportJob


def absolute_url(request, name: str, pk: int) -> str:
    # Not REST framework's reverse: it would carry the request's ?format= (an export's) along.
    return request.build_absolute_uri(reverse(name, args=[pk]))


def started_by_field() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who started it (username); null once their account is deleted.",
    )


class CommentImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The comment file: a Patreon page paste (.txt), a CSV, or YouTube "
        "commentThreads JSON; UTF-8."
    )
    format = serializers.ChoiceField(choices=COMMENT_FORMATS)
    creator_name = serializers.CharField(
        max_length=150,
        required=False,
        default="",
        allow_blank=True,
        help_text="Whose comments in the file are the creator's replies; blank for the name of "
        "the team's owner.",
    )

    def validate_file(self, upload):
        refusal = import_size_refusal(upload.size)
        if refusal:
            raise serializers.ValidationError(refusal)
        return upload


class CommentImportResultSerializer(serializers.Serializer):
    """What an import done during the request did."""

    total = serializers.IntegerField(help_text="Comments in the file.")
    added = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Imported before (same source and id).")
    creator = serializers.IntegerField(help_text="Of those added, the creator's replies.")
    replies = serializers.IntegerField(help_text="Of those added, answers to another comment.")
    findings = serializers.IntegerField(help_text="Findings triage made from the added comments.")


JOB_RECOVERY_HELP = {
    "attempts": {
        "help_text": "Runs so far: more than 1 when a worker died under it and it was resumed."
    },
    "heartbeat_at": {"help_text": "The running worker's last sign of life."},
}


class ImportJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    created_by = started_by_field()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "url",
            "cut",
            "format",
            "filename",
            "creator_name",
            "status",
            "phase",
            "percent",
            "total",
            "added",
            "skipped",
            "findings",
            "error",
            "attempts",
            "heartbeat_at",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "format": {"help_text": "patreon, csv or youtube"},
            "total": {"help_text": "Comments in the file (known once it is checked)."},
            "error": {
                "help_text": "Why it failed (the line or record at fault; nothing of the file "
                "was written) or who cancelled it."
            },
            **JOB_RECOVERY_HELP,
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, job: ImportJob) -> str:
        return absolute_url(self.context["request"], "api:import-job-detail", job.pk)


class ExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=EXPORT_FORMATS)


class ExportJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(
        help_text="Where to fetch the file (with the same credentials) once the status is done."
    )
    created_by = started_by_field()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "url",
            "cut",
            "format",
            "status",
            "filename",
            "content_type",
            "download_url",
            "error",
            "attempts",
            "heartbeat_at",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields
        extra_kwargs = JOB_RECOVERY_HELP

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, job: ExportJob) -> str:
        return absolute_url(self.context["request"], "api:export-job-detail", job.pk)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportJob.Status.DONE:
            return None
        return absolute_url(self.context["request"], "api:export-job-download", job.pk)
