"""A cut's connections to the platforms: its YouTube video (comments pulled in, captions as the
transcript) and its transcript from a subtitle file. Forms on the cut page post here."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from errata.catalog.services import transcript_import
from errata.catalog.transcripts import TranscriptFileError, transcript_read
from errata.core.errors import error_text
from errata.web.studio.access import form_errors, member_cut, studio_view
from errata.web.studio.forms import read_text_upload
from errata.youtube import services as youtube
from errata.youtube.selectors import youtube_connection_of_cut


class YouTubeConnectForm(forms.Form):
    youtube_video = forms.CharField(
        max_length=500,
        label=gettext_lazy("YouTube video"),
        help_text=gettext_lazy("Its address or its 11-character id."),
    )


@studio_view
@require_POST
def youtube_connect(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    form = YouTubeConnectForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("errata:studio:cut", slug, number)
    try:
        connection = youtube.youtube_connect(
            cut=cut, video=form.cleaned_data["youtube_video"], user=request.user
        )
    except ValidationError as error:
        messages.error(request, _("YouTube video: %(error)s") % {"error": error_text(error)})
    else:
        messages.success(
            request,
            _("Connected to YouTube video %(video_id)s; its comments are being pulled in.")
            % {"video_id": connection.youtube_video_id},
        )
    return redirect("errata:studio:cut", slug, number)


@studio_view
@require_POST
def youtube_pull_now(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    connection = youtube_connection_of_cut(cut=cut)
    if connection is None:
        messages.error(request, _("This cut is not connected to a YouTube video."))
    else:
        youtube.youtube_pull_soon(connection=connection)
        messages.info(request, _("A pull is on its way; the status below says how it went."))
    return redirect("errata:studio:cut", slug, number)


@studio_view
@require_POST
def youtube_disconnect(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    if youtube.youtube_disconnect(cut=cut):
        messages.success(request, _("No more comments are pulled from YouTube for this cut."))
    return redirect("errata:studio:cut", slug, number)


class TranscriptForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Subtitle file"),
        help_text=gettext_lazy("SubRip (.srt) or WebVTT (.vtt)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        upload.text = read_text_upload(upload, what="subtitle file")
        return upload


@studio_view
@require_POST
def transcript_upload(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Replace the cut's transcript with a subtitle file's cues (all or nothing)."""
    cut = member_cut(request, slug, number)
    form = TranscriptForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("errata:studio:cut", slug, number)
    upload = form.cleaned_data["file"]
    source = "vtt" if upload.text.lstrip("\ufeff").startswith("WEBVTT") else "srt"
    try:
        cues = transcript_read(upload.text, filename=upload.name)
        result = transcript_import(cut=cut, cues=cues, source=source)
    except TranscriptFileError as error:
        messages.error(
            request, _("Subtitle file: %(name)s: %(error)s") % {"name": upload.name, "error": error}
        )
    except ValidationError as error:
        messages.error(request, _("Subtitle file: %(error)s") % {"error": error_text(error)})
    else:
        messages.success(
            request,
            ngettext(
                "Transcript imported: %(lines)s line from %(name)s.",
                "Transcript imported: %(lines)s lines from %(name)s.",
                result.lines,
            )
            % {"lines": result.lines, "name": upload.name},
        )
    return redirect("errata:studio:cut", slug, number)


@studio_view
@require_POST
def youtube_captions(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    try:
        result = youtube.youtube_captions_import(cut=cut, user=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            ngettext(
                "Transcript imported from YouTube: %(lines)s line.",
                "Transcript imported from YouTube: %(lines)s lines.",
                result.lines,
            )
            % {"lines": result.lines},
        )
    return redirect("errata:studio:cut", slug, number)
