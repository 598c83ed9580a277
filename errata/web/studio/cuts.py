"""The studio's videos and cuts: the list, a video, a cut, a new cut, carrying errata, review
links, and the member's notification settings.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
from errata.catalog.timelines import TimelineFileError, timeline_entries_read
from errata.core.errors import ErrataConflict, error_text
from errata.fixes.carrying import CarryResult, NewCutResult, errata_carry_to_cut
from errata.fixes.undo import review_link_revoke_undoable
from errata.media.selectors import cut_media
from errata.media.services import cut_create_with_media
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
    }
    context.update(extra)
    return context


@studio_view
@require_http_methods(["GET", "POST"])
def cut_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Add the next cut (v2...), with its timeline, carrying the open errata of an earlier one."""
    video = member_video(request, slug)
    latest = video_latest_cut(video_id=video.pk)
    initial = {"carry_from": latest, "fps": video.fps}
    if latest is not None:
        initial["duration"] = latest.duration_s
    form = CutForm(request.POST or None, request.FILES or None, video=video, initial=initial)
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
                    carry_from=data["carry_from"],
                    actor=request.user,
                )
            except MediaRefused as refusal:
                form.add_error("media_file", str(refusal))
            except ValidationError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _cut_created_message(result))
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
            "%(count)s had no scene on the new timeline and kept its time.",
            "%(count)s had no scene on the new timeline and kept their time.",
            carried.without_scene,
        ) % {"count": carried.without_scene}
    return message


@studio_view
@require_POST
def cut_carry(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    form = CarryForm(request.POST, cut=cut)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("errata:studio:cut", slug, number)
    try:
        carried = errata_carry_to_cut(
            from_cut=form.cleaned_data["from_cut"], to_cut=cut, actor=request.user
        )
    except (ValidationError, ErrataConflict) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _carried_message(carried))
    return redirect("errata:studio:cut", slug, number)


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
@require_POST
def review_link_revoke(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    """Revoke one of this cut's review links; it stops working at once."""
    cut = member_cut(request, slug, number)
    link = review_link_of_cut(cut=cut, pk=pk)
    if link is None:
        raise Http404("No such review link on this cut.")
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
