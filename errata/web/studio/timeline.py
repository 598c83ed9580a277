"""Scenes and a cut's timeline: import a timeline or a manim source, edit spans by hand."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from errata.catalog.manim import ManimSourceError, manim_scenes_read
from errata.catalog.selectors import (
    cut_span,
    cut_spans,
    video_scene_names,
    video_scenes,
    video_source_scene_names,
)
from errata.catalog.services import (
    SpanEditResult,
    scene_span_create,
    scene_span_delete,
    scene_span_update,
    scenes_import_from_source,
    timeline_import,
)
from errata.catalog.timelines import TimelineEntry, TimelineFileError, timeline_entries_read
from errata.core.errors import ErrataConflict, error_text
from errata.media.selectors import cut_media
from errata.media.shots import spans_propose
from errata.models import Cut
from errata.triage.timestamps import format_time
from errata.web.studio.access import form_errors, member_cut, member_video, studio_view
from errata.web.studio.forms import (
    ManimSourceForm,
    ProposedSpanFormSet,
    SpanForm,
    TimelineUploadForm,
    scene_by_name,
)


@studio_view
@require_http_methods(["GET", "POST"])
def scenes(request: HttpRequest, slug: str) -> HttpResponse:
    """A video's scenes; import their names and class lines from a manim source file."""
    video = member_video(request, slug)
    form = ManimSourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["source"]
        try:
            parsed = manim_scenes_read(upload.text, filename=upload.name)
        except ManimSourceError as error:
            form.add_error("source", str(error))
        else:
            if not parsed:
                form.add_error(
                    "source", _("%(name)s defines no scene classes.") % {"name": upload.name}
                )
            else:
                result = scenes_import_from_source(
                    video=video,
                    scenes=parsed,
                    source_path=form.cleaned_data["source_path"] or upload.name,
                )
                messages.success(
                    request,
                    ngettext(
                        "Read %(count)s scene class from %(name)s: %(created)s new, "
                        "%(updated)s updated.",
                        "Read %(count)s scene classes from %(name)s: %(created)s new, "
                        "%(updated)s updated.",
                        len(parsed),
                    )
                    % {
                        "count": len(parsed),
                        "name": upload.name,
                        "created": result.created,
                        "updated": result.updated,
                    },
                )
                return redirect("errata:studio:scenes", video.slug)
    return render(
        request,
        "errata/studio/scenes.html",
        {"video": video, "scenes": video_scenes(video=video), "form": form},
        status=400 if form.errors else 200,
    )


def _proposals(cut: Cut) -> ProposedSpanFormSet | None:
    """Spans proposed from the shot changes found in the cut's video, named in the order of
    the video's manim source when one was read (else "Shot 1", "Shot 2"...)."""
    media = cut_media(cut=cut)
    if media is None or media.shots is None:
        return None
    spans = spans_propose(
        media.shots,
        duration_s=cut.duration_s,
        scene_names=video_source_scene_names(video=cut.video),
    )
    return ProposedSpanFormSet(
        initial=[{"scene": s.name, "start": s.start_s, "end": s.end_s} for s in spans],
        prefix="proposed",
    )


def _timeline_context(cut: Cut, **extra) -> dict:
    context = {
        "video": cut.video,
        "cut": cut,
        "spans": cut_spans(cut=cut),
        "scene_names": video_scene_names(video=cut.video),
        "upload_form": TimelineUploadForm(),
        "span_form": SpanForm(),
        "has_source_scenes": bool(video_source_scene_names(video=cut.video)),
    }
    context.update(extra)
    if "proposals" not in context:
        context["proposals"] = _proposals(cut)
    return context


@studio_view
@require_POST
def timeline_from_shots(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Replace the cut's spans with the proposed ones, as the creator confirmed or adjusted
    them (the same all-or-nothing import as a timeline file)."""
    cut = member_cut(request, slug, number)
    formset = ProposedSpanFormSet(request.POST, prefix="proposed")
    if formset.is_valid():
        entries = [
            TimelineEntry(scene_name=f["scene"].strip(), start_s=f["start"], end_s=f["end"])
            for f in formset.cleaned_data
            if f
        ]
        try:
            if not entries:
                raise ValidationError(_("There are no spans to use."))
            result = timeline_import(cut=cut, entries=entries)
        except ValidationError as error:
            # Shown above the proposals, which keep what the creator typed.
            messages.error(request, error_text(error))
        else:
            messages.success(
                request,
                ngettext(
                    "The timeline now has the %(count)s span found in the video",
                    "The timeline now has the %(count)s spans found in the video",
                    result.spans,
                )
                % {"count": result.spans}
                + " "
                + _moved_note(result),
            )
            return redirect("errata:studio:timeline", slug, number)
    return render(
        request,
        "errata/studio/timeline.html",
        _timeline_context(cut, proposals=formset),
        status=400,
    )


@studio_view
@require_http_methods(["GET", "POST"])
def timeline(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A cut's spans; import them from a timeline file (replacing the old ones)."""
    cut = member_cut(request, slug, number)
    if request.method == "GET":
        return render(request, "errata/studio/timeline.html", _timeline_context(cut))
    form = TimelineUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["timeline"]
        try:
            entries = timeline_entries_read(
                upload.text, filename=upload.name, fps=float(cut.effective_fps)
            )
            result = timeline_import(cut=cut, entries=entries)
        except TimelineFileError as error:
            form.add_error("timeline", str(error))
        except ValidationError as error:
            form.add_error("timeline", error_text(error))
        else:
            messages.success(
                request,
                ngettext(
                    "Imported %(count)s span from %(name)s",
                    "Imported %(count)s spans from %(name)s",
                    result.spans,
                )
                % {"count": result.spans, "name": upload.name}
                + " "
                + _moved_note(result),
            )
            return redirect("errata:studio:timeline", slug, number)
    return render(
        request,
        "errata/studio/timeline.html",
        _timeline_context(cut, upload_form=form),
        status=400,
    )


def _moved_note(result) -> str:
    """ "(2 new scenes); 5 findings now point at another scene." after a timeline import."""
    scenes = ngettext(
        "(%(count)s new scene);", "(%(count)s new scenes);", result.scenes_created
    ) % {"count": result.scenes_created}
    moved = ngettext(
        "%(count)s finding now points at another scene.",
        "%(count)s findings now point at another scene.",
        result.findings_moved,
    ) % {"count": result.findings_moved}
    return f"{scenes} {moved}"


def _spans_done(
    request: HttpRequest, cut: Cut, *, notice: str = "", alert: str = "", status: int = 200
) -> HttpResponse:
    if request.htmx:
        context = _timeline_context(cut, notice=notice, alert=alert)
        return render(request, "errata/studio/_spans.html", context, status=status)
    if alert:
        messages.error(request, alert)
    else:
        messages.success(request, notice)
    return redirect("errata:studio:timeline", cut.video.slug, cut.number)


def _moved(result: SpanEditResult) -> str:
    if not result.findings_moved:
        return ""
    n = result.findings_moved
    return " " + ngettext(
        "%(count)s finding now points at another scene.",
        "%(count)s findings now point at another scene.",
        n,
    ) % {"count": n}


@studio_view
@require_POST
def span_create(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    form = SpanForm(request.POST)
    if not form.is_valid():
        return _spans_done(request, cut, alert=form_errors(form), status=400)
    data = form.cleaned_data
    try:
        result = scene_span_create(
            cut=cut, scene_name=data["scene"], start_s=data["start"], end_s=data["end"]
        )
    except ValidationError as error:
        return _spans_done(request, cut, alert=error_text(error), status=400)
    return _spans_done(
        request,
        cut,
        notice=_("Added %(name)s.") % {"name": result.span.scene.name} + _moved(result),
    )


@studio_view
@require_http_methods(["GET", "POST"])
def span_update(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    """Move a span's edges by hand (GET: the row as a form)."""
    cut = member_cut(request, slug, number)
    span = cut_span(cut=cut, pk=pk)
    if span is None:
        raise Http404("No such span on this cut.")
    if request.method == "GET":
        form = SpanForm(
            initial={"scene": span.scene.name, "start": span.start_s, "end": span.end_s}
        )
        return render(
            request,
            "errata/studio/_span_edit.html",
            {"video": cut.video, "cut": cut, "span": span, "form": form},
        )
    form = SpanForm(request.POST)
    if not form.is_valid():
        return _spans_done(request, cut, alert=form_errors(form), status=400)
    data = form.cleaned_data
    try:
        scene = scene_by_name(video=cut.video, name=data["scene"])
        result = scene_span_update(span=span, start_s=data["start"], end_s=data["end"], scene=scene)
    except ValidationError as error:
        return _spans_done(request, cut, alert=error_text(error), status=400)
    span = result.span
    return _spans_done(
        request,
        cut,
        notice=_("%(name)s is now %(start_s)s to %(end_s)s.")
        % {
            "name": span.scene.name,
            "start_s": format_time(span.start_s),
            "end_s": format_time(span.end_s),
        }
        + _moved(result),
    )


@studio_view
@require_POST
def span_delete(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    span = cut_span(cut=cut, pk=pk)
    if span is None:
        return _spans_done(request, cut, alert=_("That span was already removed."), status=409)
    name = span.scene.name
    try:
        result = scene_span_delete(span=span)
    except ErrataConflict as error:
        return _spans_done(request, cut, alert=str(error), status=409)
    return _spans_done(
        request,
        cut,
        notice=_("Removed %(name)s from the timeline.") % {"name": name} + _moved(result),
    )
