"""The studio's videos and cuts: the list, a video, a cut, a new cut, carrying errata, review
links, and the member's notification settings.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from errata.catalog.selectors import (
    cut_has_siblings,
    cut_span_count,
    cut_with_counts,
    video_cuts,
    video_latest_cut,
    video_list,
)
from errata.catalog.services import cut_delete_refusal, cut_update
from errata.catalog.timelines import TimelineFileError, timeline_entries_read
from errata.core.errors import ErrataConflict, error_text
from errata.fixes.carrying import (
    CarryResult,
    NewCutResult,
    carry_preview,
    errata_carry_to_cut,
)
from errata.fixes.undo import review_link_revoke_undoable
from errata.media.selectors import cut_media
from errata.media.services import cut_create_with_media, cut_delete_with_files
from errata.media.uploads import MediaRefused
from errata.models import Cut
from errata.notifications.selectors import memberships_of
from errata.notifications.services import membership_digest_set
from errata.reviews.selectors import cut_review_links, review_link_of_cut
from errata.reviews.services import review_link_create
from errata.web.studio.access import (
    form_errors,
    member_cut,
    member_video,
    studio_view,
    undo_offer,
)
from errata.web.studio.forms import (
    CarryForm,
    CutDurationForm,
    CutEditForm,
    CutForm,
    CutMediaForm,
    DigestForm,
    ReviewLinkForm,
)
from errata.youtube.selectors import youtube_connection_of_cut


@studio_view
@require_GET
def videos(request: HttpRequest) -> HttpResponse:
    return render(request, "errata/studio/videos.html", {"videos": video_list(user=request.user)})


@studio_view
@require_GET
def video(request: HttpRequest, slug: str) -> HttpResponse:
    video = member_video(request, slug)
    return render(
        request,
        "errata/studio/video.html",
        {
            "video": video,
            "cuts": video_cuts(video=video),
            "scene_count": video.scenes.count(),
        },
    )


@studio_view
@require_GET
def cut(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    return render(request, "errata/studio/cut.html", cut_context(cut))


def _left_behind(cut: Cut):
    """When a newer cut exists and open errata are still here, what carrying them would do
    (their scenes missing from its timeline, most often): the cut page warns about them."""
    newest = video_latest_cut(video_id=cut.video_id)
    if newest is None or newest.number <= cut.number:
        return None
    newest.video = cut.video
    preview = carry_preview(from_cut=cut, to_cut=newest)
    if not (preview.staying_errata or preview.errata):
        return None
    return preview


def cut_context(cut: Cut, **extra) -> dict:
    """What the cut page shows (the media views render it again with a form's errors)."""
    context = {
        "video": cut.video,
        "cut": cut_with_counts(cut=cut),
        "review_links": cut_review_links(cut=cut),
        "carry_form": CarryForm(cut=cut),
        "review_link_form": ReviewLinkForm(),
        "site_url": settings.SITE_URL,
        "has_other_cuts": cut_has_siblings(cut=cut),
        "span_count": cut_span_count(cut=cut),
        "youtube": youtube_connection_of_cut(cut=cut),
        "transcript_lines": cut.transcript_line_count,
        "media": cut_media(cut=cut),
        "media_form": CutMediaForm(),
        "duration_form": CutDurationForm(initial={"duration": cut.duration_s, "fps": cut.fps}),
        "edit_form": CutEditForm(initial={"label": cut.label, "media_url": cut.media_url}),
        "left_behind": _left_behind(cut),
    }
    context.update(extra)
    return context


@studio_view
@require_http_methods(["GET", "POST"])
def cut_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Add the next cut (v2...), with its timeline, carrying the open errata of an earlier one."""
    video = member_video(request, slug)
    # Nothing is prefilled that would move work or invent a value: no cut to carry from, no
    # label, no duration copied from the last cut (a longer v2 is the usual case).
    form = CutForm(
        request.POST or None, request.FILES or None, video=video, initial={"fps": video.fps}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entries = None
        upload = data.get("timeline")
        if upload:
            try:
                entries = timeline_entries_read(
                    upload.text, filename=upload.name, fps=float(data["fps"] or video.fps)
                )
            except TimelineFileError as error:
                form.add_error("timeline", str(error))
        if form.is_valid():
            try:
                result = cut_create_with_media(
                    video=video,
                    duration_s=data["duration"],
                    upload=data.get("media_file"),
                    label=data["label"],
                    fps=data["fps"],
                    media_url=data["media_url"],
                    timeline_entries=entries,
                    actor=request.user,
                )
            except MediaRefused as refusal:
                form.add_error("media_file", str(refusal))
            except ValidationError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _cut_created_message(result))
                if data["carry_from"] is not None:
                    # Carrying moves work between cuts: it is shown first and confirmed.
                    return redirect(
                        _carry_url(result.cut, from_cut=data["carry_from"]),
                    )
                return redirect("errata:studio:cut", video.slug, result.cut.number)
    status = 400 if form.errors else 200
    return render(
        request, "errata/studio/cut_new.html", {"video": video, "form": form}, status=status
    )


def _cut_created_message(result: NewCutResult) -> str:
    if result.timeline:
        message = ngettext(
            "Cut %(number)s added with %(count)s scene span.",
            "Cut %(number)s added with %(count)s scene spans.",
            result.timeline.spans,
        ) % {"number": result.cut.number, "count": result.timeline.spans}
    else:
        message = _("Cut %(number)s added.") % {"number": result.cut.number}
    if result.cut.media_file:
        message += " " + _("Its video is being processed (progress below).")
    if result.carried:
        message += " " + _carried_message(result.carried)
    return message


def _carry_url(cut: Cut, *, from_cut: Cut) -> str:
    url = reverse("errata:studio:cut_carry", args=[cut.video.slug, cut.number])
    return f"{url}?{urlencode({'from_cut': from_cut.pk})}"


def _carried_message(carried: CarryResult) -> str:
    errata = ngettext("%(count)s open erratum", "%(count)s open errata", carried.errata) % {
        "count": carried.errata
    }
    findings = ngettext("%(count)s finding", "%(count)s findings", carried.findings) % {
        "count": carried.findings
    }
    message = _("Carried %(errata)s and %(findings)s to the new timeline by scene.") % {
        "errata": errata,
        "findings": findings,
    }
    if carried.without_scene:
        message += " " + ngettext(
            "%(count)s stayed open on the old cut: its scene is not on the new timeline.",
            "%(count)s stayed open on the old cut: their scenes are not on the new timeline.",
            carried.without_scene,
        ) % {"count": carried.without_scene}
    return message


@studio_view
@require_http_methods(["GET", "POST"])
def cut_carry(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Carry another cut's open errata to this one: first what would move and what would stay
    (GET, or a POST without `confirm`), then the carry itself (POST with `confirm`)."""
    cut = member_cut(request, slug, number)
    form = CarryForm(request.POST if request.method == "POST" else request.GET, cut=cut)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("errata:studio:cut", slug, number)
    from_cut = form.cleaned_data["from_cut"]
    from_cut.video = cut.video
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            carried = errata_carry_to_cut(from_cut=from_cut, to_cut=cut, actor=request.user)
        except (ValidationError, ErrataConflict) as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _carried_message(carried))
        return redirect("errata:studio:cut", slug, number)
    preview = carry_preview(from_cut=from_cut, to_cut=cut)
    return render(
        request,
        "errata/studio/cut_carry.html",
        {"video": cut.video, "cut": cut, "preview": preview},
    )


@studio_view
@require_POST
def cut_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Rename a cut or change its media URL (its duration, video and timeline have their own
    forms on the same page)."""
    cut = member_cut(request, slug, number)
    form = CutEditForm(request.POST)
    if form.is_valid():
        try:
            cut_update(cut=cut, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("label", error_text(error))
        else:
            messages.success(request, _("Saved the cut."))
            return redirect("errata:studio:cut", slug, number)
    return render(request, "errata/studio/cut.html", cut_context(cut, edit_form=form), status=400)


@studio_view
@require_http_methods(["GET", "POST"])
def cut_delete_view(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Delete a cut nobody has commented on (a mistaken new cut): GET asks to confirm."""
    cut = member_cut(request, slug, number)
    refusal = cut_delete_refusal(cut=cut)
    if request.method == "POST" and not refusal:
        try:
            cut_delete_with_files(cut=cut)
        except (ValidationError, ErrataConflict) as error:
            refusal = error_text(error)
        else:
            messages.success(request, _("Deleted cut %(number)s.") % {"number": number})
            return redirect("errata:studio:video", slug)
    return render(
        request,
        "errata/studio/cut_delete.html",
        {"video": cut.video, "cut": cut, "refusal": refusal},
        status=409 if refusal and request.method == "POST" else 200,
    )


@studio_view
@require_POST
def review_link_new(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Make a private review link to this cut (any member of the team may)."""
    cut = member_cut(request, slug, number)
    form = ReviewLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("errata:studio:cut", slug, number)
    try:
        link = review_link_create(cut=cut, created_by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("Review link made: %(site_url)s%(get_absolute_url)s")
            % {"site_url": settings.SITE_URL, "get_absolute_url": link.get_absolute_url()},
        )
    return redirect("errata:studio:cut", slug, number)


@studio_view
@require_http_methods(["GET", "POST"])
def review_link_revoke(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    """Revoke one of this cut's review links; it stops working at once. A GET (the cut page's
    "Revoke…" link), or a POST without `confirm`, asks first: it works without JavaScript."""
    cut = member_cut(request, slug, number)
    link = review_link_of_cut(cut=cut, pk=pk)
    if link is None:
        raise Http404("No such review link on this cut.")
    if request.method == "GET" or request.POST.get("confirm") != "yes":
        return render(
            request,
            "errata/studio/review_link_revoke.html",
            {"video": cut.video, "cut": cut, "link": link},
        )
    revoked, record = review_link_revoke_undoable(review_link=link, actor=request.user)
    if revoked:
        undo_offer(request, record)
        messages.success(
            request,
            _("Revoked “%(link)s”: it no longer opens.") % {"link": link.label or "review link"},
        )
    else:
        messages.info(request, _("That link was already revoked."))
    return redirect("errata:studio:cut", slug, number)


@studio_view
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Each of the user's teams: a digest of new comments as they arrive, once a day, or never."""
    memberships = memberships_of(user=request.user)
    data = request.POST if request.method == "POST" else None
    rows = [
        (m, DigestForm(data, prefix=f"team-{m.team_id}", initial={"digest": m.digest}))
        for m in memberships
    ]
    if data is not None and all(form.is_valid() for _, form in rows):
        for membership, form in rows:
            membership_digest_set(membership=membership, digest=form.cleaned_data["digest"])
        messages.success(request, _("Saved your notification settings."))
        return redirect("errata:studio:notification_settings")
    return render(
        request,
        "errata/studio/notification_settings.html",
        {
            "rows": rows,
            "email": request.user.email,
            "digest_hour": f"{settings.DIGEST_HOUR}:00 ({request.user.zone()})",
        },
        status=400 if data is not None else 200,
    )
