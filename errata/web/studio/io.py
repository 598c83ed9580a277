"""The studio's import and export pages for one cut (htmx polls the job fragments for progress)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from errata.core.errors import ErrataConflict, error_text
from errata.io.exports import EXPORT_FORMATS, export_render, export_size
from errata.io.jobs import (
    export_job_create,
    export_runs_inline,
    import_job_create,
    job_cancel,
    job_retry,
)
from errata.io.readers import COMMENT_FORMATS
from errata.io.selectors import (
    export_job_of_cut,
    export_jobs_for_cut,
    import_job_of_cut,
    import_jobs_for_cut,
)
from errata.io.services import import_size_refusal
from errata.media.serving import stored_file_response
from errata.models import ExportJob
from errata.web.studio.access import member_cut, studio_view

FORMAT_LABELS = {
    "patreon": "Patreon page (paste the post's comments, saved as a .txt file)",
    "csv": "CSV (author, text, timestamp, external_id, parent_id, created_at)",
    "youtube": "YouTube Data API commentThreads JSON",
}


EXPORT_LABELS = {
    "md": "Fix checklist (Markdown)",
    "csv": "Errata (CSV, every field)",
    "json": "Errata (JSON, every field)",
    "sh": "Re-render script",
    "edl": "Markers for editing software (CMX3600 EDL)",
    "fcp7": "Markers for Premiere and Resolve (Final Cut Pro 7 XML)",
    "fcpxml": "Markers for Final Cut Pro (FCPXML)",
    "otio": "Markers as an OpenTimelineIO file (.otio)",
    "srt": "Corrected subtitles (SubRip .srt, caption fixes in place)",
    "vtt": "Corrected subtitles (WebVTT .vtt, caption fixes in place)",
    "corrections": "Corrections for the description or a pinned comment",
    "credits": "Credits: who reported errata",
}


class CommentImportForm(forms.Form):
    format = forms.ChoiceField(choices=[(f, FORMAT_LABELS[f]) for f in COMMENT_FORMATS])
    file = forms.FileField(label=gettext_lazy("File"))
    creator_name = forms.CharField(
        max_length=150,
        required=False,
        help_text=gettext_lazy(
            "Whose comments are your replies; leave blank for the team owner's name."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        refusal = import_size_refusal(upload.size)
        if refusal:
            raise ValidationError(refusal)
        return upload


@studio_view
@require_http_methods(["GET", "POST"])
def comment_import(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    form = CommentImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(
                cut=cut,
                user=request.user,
                fmt=form.cleaned_data["format"],
                upload=form.cleaned_data["file"],
                creator_name=form.cleaned_data["creator_name"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("errata:io_import_job", slug=slug, number=number, job_id=job.pk)
    jobs = import_jobs_for_cut(cut=cut)
    return render(
        request,
        "errata/io/import.html",
        {"video": cut.video, "cut": cut, "form": form, "jobs": jobs},
        status=400 if form.errors else 200,
    )


@studio_view
def import_job(request: HttpRequest, slug: str, number: int, job_id: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    job = import_job_of_cut(cut=cut, pk=job_id)
    if job is None:
        raise Http404("No such import on this cut.")
    template = "errata/io/_import_job.html" if request.htmx else "errata/io/import_job.html"
    return render(request, template, {"video": cut.video, "cut": cut, "job": job})


@studio_view
def export_page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    size = export_size(cut=cut)
    return render(
        request,
        "errata/io/export.html",
        {
            "video": cut.video,
            "cut": cut,
            "errata_count": size,
            "inline": export_runs_inline(cut=cut),
            "formats": [(f, EXPORT_LABELS[f]) for f in EXPORT_FORMATS],
            "jobs": export_jobs_for_cut(cut=cut),
        },
    )


@studio_view
def export_download(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    """A small export, rendered now."""
    cut = member_cut(request, slug, number)
    if fmt not in EXPORT_FORMATS:
        raise Http404("No such export format.")
    if not export_runs_inline(cut=cut):
        return redirect("errata:io_export", slug=slug, number=number)
    try:
        result = export_render(cut=cut, fmt=fmt)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=409, content_type="text/plain")
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response


@studio_view
@require_http_methods(["POST"])
def export_job_start(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    fmt = request.POST.get("format", "")
    if fmt not in EXPORT_FORMATS:
        return HttpResponse("Choose an export format.", status=400, content_type="text/plain")
    job = export_job_create(cut=cut, user=request.user, fmt=fmt)
    return redirect("errata:io_export_job", slug=slug, number=number, job_id=job.pk)


@studio_view
def export_job(request: HttpRequest, slug: str, number: int, job_id: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    job = export_job_of_cut(cut=cut, pk=job_id)
    if job is None:
        raise Http404("No such export on this cut.")
    template = "errata/io/_export_job.html" if request.htmx else "errata/io/export_job.html"
    return render(request, template, {"video": cut.video, "cut": cut, "job": job})


@studio_view
def export_job_download(request: HttpRequest, slug: str, number: int, job_id: int):
    cut = member_cut(request, slug, number)
    job = get_object_or_404(ExportJob, pk=job_id, cut=cut, status=ExportJob.Status.DONE)
    return stored_file_response(
        request,
        job.file,
        content_type=job.content_type or "application/octet-stream",
        filename=job.filename,
        download=True,
    )


JOB_ACTIONS = ("cancel", "retry")


@studio_view
@require_http_methods(["POST"])
def job_action(
    request: HttpRequest, slug: str, number: int, kind: str, job_id: int, verb: str
) -> HttpResponse:
    """Cancel a queued or running import or export, or retry a failed or cancelled one."""
    cut = member_cut(request, slug, number)
    find = import_job_of_cut if kind == "import" else export_job_of_cut
    job = find(cut=cut, pk=job_id)
    if job is None or verb not in JOB_ACTIONS:
        raise Http404("No such job on this cut.")
    try:
        if verb == "cancel":
            job_cancel(job=job, user=request.user)
        else:
            job_retry(job=job)
    except (ErrataConflict, ValidationError) as error:
        messages.error(request, error_text(error))
    page = "errata:io_import_job" if kind == "import" else "errata:io_export_job"
    return redirect(page, slug=slug, number=number, job_id=job_id)
