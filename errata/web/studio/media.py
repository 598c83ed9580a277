"""The studio's media pages: upload or replace a cut's video and follow its processing, change
its duration or which source plays, fetch its files, and frames for the inbox and errata.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from errata.catalog.services import cut_duration_set
from errata.core.errors import error_text
from errata.media.selectors import (
    cut_media,
    cuts_with_ready_media,
    frame_grab_of,
    frame_key,
    frame_moment_ms,
    frames_for,
    original_file,
    playable_file,
)
from errata.media.services import cut_media_attach, cut_media_prefer_url, frame_grabs_request
from errata.media.serving import stored_file_response
from errata.media.uploads import MediaRefused
from errata.models import Cut, FrameGrab
from errata.web.studio.access import form_errors, member_cut, studio_view
from errata.web.studio.cuts import cut_context
from errata.web.studio.forms import CutDurationForm, CutMediaForm, MediaPreferenceForm


@studio_view
@require_POST
def cut_media_upload(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Upload (or replace) the cut's video; it is checked and processed by a task."""
    cut = member_cut(request, slug, number)
    form = CutMediaForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            cut_media_attach(cut=cut, upload=form.cleaned_data["media_file"])
        except MediaRefused as refusal:
            form.add_error("media_file", str(refusal))
        else:
            messages.success(request, _("Video uploaded: it is being processed (progress below)."))
            return redirect("errata:studio:cut", slug, number)
    return render(request, "errata/studio/cut.html", cut_context(cut, media_form=form), status=400)


@studio_view
@require_GET
def cut_media_status(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The processing's progress (htmx polls it while the video is queued or processing)."""
    cut = member_cut(request, slug, number)
    return render(
        request,
        "errata/studio/_media_status.html",
        {"video": cut.video, "cut": cut, "media": cut_media(cut=cut)},
    )


@studio_view
@require_POST
def cut_duration(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    form = CutDurationForm(request.POST)
    if form.is_valid():
        try:
            cut_duration_set(
                cut=cut, duration_s=form.cleaned_data["duration"], fps=form.cleaned_data["fps"]
            )
        except ValidationError as error:
            form.add_error("duration", error_text(error))
        else:
            messages.success(request, _("Saved the cut's duration."))
            return redirect("errata:studio:cut", slug, number)
    return render(
        request, "errata/studio/cut.html", cut_context(cut, duration_form=form), status=400
    )


@studio_view
@require_POST
def cut_media_preference(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Play the uploaded video, or the cut's URL (the demo's YouTube address), on the review
    page."""
    cut = member_cut(request, slug, number)
    media = cut_media(cut=cut)
    form = MediaPreferenceForm(request.POST)
    if media is None or not form.is_valid():
        messages.error(request, form_errors(form) or "This cut has no uploaded video.")
    elif form.cleaned_data["prefer_url"] and not cut.media_url:
        messages.error(request, _("This cut has no media URL to play instead."))
    else:
        cut_media_prefer_url(media=media, prefer_url=form.cleaned_data["prefer_url"])
        what = "its URL" if media.prefer_url else "the uploaded video"
        messages.success(request, _("The review page now plays %(what)s.") % {"what": what})
    return redirect("errata:studio:cut", slug, number)


@studio_view
@require_http_methods(["GET", "HEAD"])
def cut_media_file(request: HttpRequest, slug: str, number: int, kind: str) -> HttpResponse:
    """The cut's files for its team: the original as uploaded, the browser copy, the poster."""
    cut = member_cut(request, slug, number)
    media = cut_media(cut=cut)
    if kind == "original" and (original := original_file(cut=cut)):
        ext = original.file.name.rsplit(".", 1)[-1]
        return stored_file_response(
            request,
            original.file,
            content_type=original.content_type,
            filename=f"{cut.video.slug}-cut{cut.number}.{ext}",
            download=True,
        )
    if kind == "video" and (playable := playable_file(cut=cut)):
        return stored_file_response(request, playable.file, content_type=playable.content_type)
    if kind == "poster" and media is not None and media.poster:
        return stored_file_response(request, media.poster, content_type="image/jpeg")
    raise Http404("This cut has no such file.")


@studio_view
@require_http_methods(["GET", "HEAD"])
def frame_image(request: HttpRequest, slug: str, number: int, at_ms: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    grab = frame_grab_of(cut=cut, at_ms=at_ms)
    if grab is None or grab.status != FrameGrab.Status.READY:
        raise Http404("No frame grabbed at that moment.")
    return stored_file_response(request, grab.image, content_type="image/jpeg")


@studio_view
@require_GET
def frame_slot(request: HttpRequest, slug: str, number: int, at_ms: int) -> HttpResponse:
    """A frame's place on a page (htmx polls it while the frame is being grabbed)."""
    cut = member_cut(request, slug, number)
    return render(
        request,
        "errata/studio/_frame.html",
        {
            "frame_cut": cut,
            "video": cut.video,
            "frame": frame_grab_of(cut=cut, at_ms=at_ms),
            "at_ms": at_ms,
            "media_ready": bool(cuts_with_ready_media(cut_ids=[cut.pk])),
        },
    )


@dataclass
class FrameSlot:
    """A frame's place on a page: the cut, the moment, and the grab once asked for."""

    cut: Cut
    at_ms: int | None
    grab: FrameGrab | None
    media_ready: bool


def frame_slots(moments: list[tuple[Cut, float | None]]) -> list[FrameSlot]:
    """Frames for moments shown on a page (the inbox's findings, an erratum's before and after),
    in two queries: those already grabbed, and, for the others, pending grabs queued for a task
    (ffmpeg never runs here; the page's placeholders ask again until the frame is there)."""
    cuts = {cut.pk: cut for cut, _ in moments}
    ready = cuts_with_ready_media(cut_ids=list(cuts))
    wanted = [(cut.pk, at) for cut, at in moments if at is not None and cut.pk in ready]
    grabs = frames_for(moments=wanted)
    missing = [moment for moment in wanted if frame_key(*moment) not in grabs]
    if missing:
        frame_grabs_request(moments=missing)
        grabs = frames_for(moments=wanted)
    return [
        FrameSlot(
            cut=cut,
            at_ms=frame_moment_ms(at) if at is not None else None,
            grab=grabs.get(frame_key(cut.pk, at)) if at is not None else None,
            media_ready=cut.pk in ready,
        )
        for cut, at in moments
    ]
