"""Reads of import and export jobs for the studio's pages."""

from __future__ import annotations

from django.db.models import QuerySet

from errata.models import Cut, ExportJob, ImportJob


def import_jobs_for_cut(*, cut: Cut, limit: int = 20) -> QuerySet[ImportJob]:
    # The import page lists recent imports with who started them.
    return ImportJob.objects.filter(cut=cut).select_related("created_by")[:limit]


def export_jobs_for_cut(*, cut: Cut, limit: int = 20) -> QuerySet[ExportJob]:
    # The export page lists recent large exports with who asked for them.
    return ExportJob.objects.filter(cut=cut).select_related("created_by")[:limit]


def import_job_of_cut(*, cut: Cut, pk: int) -> ImportJob | None:
    # The job page names who started it.
    return ImportJob.objects.select_related("created_by").filter(pk=pk, cut=cut).first()


def export_job_of_cut(*, cut: Cut, pk: int) -> ExportJob | None:
    return ExportJob.objects.select_related("created_by").filter(pk=pk, cut=cut).first()
