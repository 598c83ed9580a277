"""The patron review page, /r/<token>/: watch the cut, comment at the current time, see and
confirm others' reports. Every view checks the link first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from errata.findings import similar as findings_similar
from errata.media.selectors import cut_media, playable_file
from errata.media.serving import stored_file_response
from errata.media.sources import MediaSource, cut_media_source, review_page_csp
from errata.media.transcode import sprite_vtt
from errata.models import Comment, Finding, Reviewer, ReviewLink, User
from errata.patreon.services import Admission, review_link_admission
from errata.reviews import services as reviews_services
from errata.reviews.selectors import (
    NO_TIME_S,
    Cursor,
    finding_metoo_count,
    review_comment_count,
    review_comment_get,
    review_comment_next,
    review_comment_parent,
    review_comment_window,
    review_link_get,
    review_timeline,
    reviewer_get_for_viewer,
)
from errata.reviews.services import (
    COMMENT_MAX_LENGTH,
    REVIEW_LINK_READ_ONLY_MESSAGE,
    ReviewLinkClosed,
    metoo_add,
)
from errata.reviews.text import clock, typed_time
from errata.triage.timestamps import parse_time
from errata.web.review.forms import ReviewCommentForm
from errata.web.review.ratelimits import (
    guest_cookie_give,
    review_lookup_limit_hit,
    review_post_count_new_viewer,
    review_post_limit_hit,
)

REVIEWER_COOKIE = "errata_reviewer"


REVIEWER_COOKIE_SALT = "errata.review.reviewer"


REVIEWER_COOKIE_MAX_AGE = 365 * 24 * 3600


@dataclass
class Viewer:
    """Who is looking at a review page: a signed-in user, a guest the browser remembers for
    this link, or someone who has not said their name yet."""

    reviewer: Reviewer | None
    user: User | None

    @property
    def reviewer_id(self) -> int | None:
        return self.reviewer.pk if self.reviewer else None

    @property
    def key(self) -> str:
        return str(self.reviewer.key) if self.reviewer else ""

    @property
    def needs_name(self) -> bool:
        return self.reviewer is None and self.user is None

    @property
    def is_guest(self) -> bool:
        return self.user is None and self.reviewer is not None

    @property
    def display_name(self) -> str:
        if self.reviewer is not None:
            return self.reviewer.display_name
        return str(self.user) if self.user else ""


def _viewer(request: HttpRequest) -> Viewer:
    user = request.user if request.user.is_authenticated else None
    key = request.get_signed_cookie(REVIEWER_COOKIE, default=None, salt=REVIEWER_COOKIE_SALT)
    return Viewer(reviewer=reviewer_get_for_viewer(user=user, key=key), user=user)


def _remember(response: HttpResponse, link: ReviewLink, viewer: Viewer, reviewer: Reviewer):
    """A new guest: the browser keeps their reviewer key for this link (and only this link:
    the cookie's path is the link's), and their first post counts against that key too."""
    if viewer.is_guest or viewer.user is not None:
        return
    review_post_count_new_viewer(viewer_key=str(reviewer.key))
    response.set_signed_cookie(
        REVIEWER_COOKIE,
        str(reviewer.key),
        salt=REVIEWER_COOKIE_SALT,
        max_age=REVIEWER_COOKIE_MAX_AGE,
        path=link.get_absolute_url(),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


REFUSALS = {
    "unknown": (
        404,
        gettext_lazy("This review link does not exist"),
        gettext_lazy("Check the address, or ask the creator for the link again."),
    ),
    "revoked": (
        410,
        gettext_lazy("This review link was revoked"),
        gettext_lazy(
            "The creator has closed it. Ask them for a new link if you should still have access."
        ),
    ),
    "expired": (
        410,
        gettext_lazy("This review link has expired"),
        gettext_lazy("Ask the creator for a new link if you should still have access."),
    ),
}


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    status, title, detail = REFUSALS[reason]
    template = "errata/review/_refused.html" if request.htmx else "errata/review/closed.html"
    response = render(
        request, template, {"title": title, "detail": detail, "reason": reason}, status=status
    )
    response["Cache-Control"] = "no-store"
    return response


def _patreon_gate(request: HttpRequest, link: ReviewLink, admission: Admission) -> HttpResponse:
    """A Patreon-gated link refuses this visitor: why, and the way in (sign in with Patreon and
    come back here). Nothing of the cut is shown."""
    from allauth.socialaccount.adapter import get_adapter

    signs_in = any(p.id == "patreon" for p in get_adapter().list_providers(request))
    sign_in_url = ""
    if signs_in and admission.reason in ("sign_in", "not_member", "free"):
        query = urlencode({"process": "login", "next": link.get_absolute_url()})
        sign_in_url = f"{reverse('patreon_login')}?{query}"
    context = {
        "title": _("For patrons"),
        "detail": admission.message,
        "reason": admission.reason,
        "link": link,
        "sign_in_url": sign_in_url,
        "patreon_missing": not signs_in,
    }
    template = "errata/review/_refused.html" if request.htmx else "errata/review/patreon_gate.html"
    response = render(request, template, context, status=403)
    response["Cache-Control"] = "no-store"
    return response


def review_link_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve /r/<token>/ to an open link, or answer 404 (unknown) / 410 (revoked, expired)
    with a page that says so and shows nothing of the cut."""

    @wraps(view)
    def wrapped(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
        link = review_link_get(token=token)
        if link is None:
            return _refused(request, "unknown")
        if reason := link.closed_reason():
            return _refused(request, reason)
        admission = review_link_admission(review_link=link, user=request.user)
        if not admission.admitted:
            return _patreon_gate(request, link, admission)
        return view(request, link, *args, **kwargs)

    return never_cache(wrapped)


def _media_source(link: ReviewLink) -> MediaSource:
    def url(name: str) -> str:
        return reverse(name, args=[link.token])

    return cut_media_source(
        link.cut,
        file_url=url("errata:review-media"),
        poster_url=url("errata:review-poster"),
        thumbnails_url=url("errata:review-thumbnails"),
    )


def _list_context(link: ReviewLink, viewer: Viewer, **extra) -> dict:
    return {
        "link": link,
        "cut": link.cut,
        "viewer": viewer,
        "can_comment": link.can_comment,
        "can_metoo": link.can_comment and link.show_others_comments,
        "edit_minutes": int(Comment.EDIT_WINDOW.total_seconds() // 60),
        **extra,
    }


@require_GET
@review_link_view
def review_page(request: HttpRequest, link: ReviewLink) -> HttpResponse:
    viewer = _viewer(request)
    source = _media_source(link)
    window = review_comment_window(review_link=link, reviewer_id=viewer.reviewer_id)
    context = _list_context(
        link,
        viewer,
        video=link.cut.video,
        source=source,
        window=window,
        timeline=review_timeline(review_link=link, reviewer_id=viewer.reviewer_id),
        count=review_comment_count(review_link=link, reviewer_id=viewer.reviewer_id),
        form=ReviewCommentForm(cut=link.cut, needs_name=viewer.needs_name),
        max_length=COMMENT_MAX_LENGTH,
        # "5,000" in English, "5.000" in German.
        max_length_label=number_format(COMMENT_MAX_LENGTH, force_grouping=True),
        config={
            "kind": source.kind,
            "src": source.src,
            "videoId": source.video_id,
            "openUrl": source.open_url,
            "thumbnails": source.thumbnails,
            "duration": link.cut.duration_s,
            "canComment": link.can_comment,
            "commentsUrl": reverse("errata:review-comments", args=[link.token]),
            # The few words review.js writes itself, in the page's language: carried in this
            # config rather than Django's JavaScriptCatalog, so the page makes no extra request.
            "messages": {
                "videoFailed": _(
                    "The video did not load. Comments have no time unless you type one."
                ),
                "reply": _("Reply"),
                "newComment": _("New comment"),
                "playingFrom": _("Playing from %(time)s"),
                "metooWaiting": _("Your “me too” waits for your name."),
                "metooSend": _("Add my me too"),
            },
        },
    )
    response = render(request, "errata/review/page.html", context)
    _review_headers(response, source)
    if viewer.needs_name:
        guest_cookie_give(request, response, path=link.get_absolute_url())
    return response


def _review_headers(response: HttpResponse, source: MediaSource) -> None:
    response["Content-Security-Policy"] = review_page_csp(source)
    # The token is in the address: other sites (a link in a comment, the video host) may learn
    # our origin, never the path.
    response["Referrer-Policy"] = "strict-origin-when-cross-origin"


@require_GET
@review_link_view
def review_comments(request: HttpRequest, link: ReviewLink) -> HttpResponse:
    """A window of the comment list (htmx): after or before a cursor, or around a time."""
    if not request.htmx:
        return redirect(link.get_absolute_url())
    viewer = _viewer(request)
    after = Cursor.decode(request.GET.get("after"))
    before = Cursor.decode(request.GET.get("before"))
    around = _float_or_none(request.GET.get("around"))
    window = review_comment_window(
        review_link=link,
        reviewer_id=viewer.reviewer_id,
        after=after,
        before=before,
        around_s=around if after is None and before is None else None,
    )
    template = (
        "errata/review/_comment_items.html"
        if after is not None or before is not None
        else "errata/review/_comment_list.html"
    )
    context = _list_context(
        link,
        viewer,
        window=window,
        show_earlier=before is not None or around is not None,
        show_later=after is not None or around is not None,
    )
    return render(request, template, context)


def _float_or_none(value: str | None) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _comment_box(
    request: HttpRequest,
    link: ReviewLink,
    viewer: Viewer,
    form: ReviewCommentForm,
    *,
    status: int = 200,
    open_box: bool = True,
    message: str = "",
    posted: dict | None = None,
) -> HttpResponse:
    """The comment box (an htmx target); after a post, also what changed elsewhere on the page
    (`posted`: the list or thread, the timeline, the count), swapped in out of band."""
    context = _list_context(
        link,
        viewer,
        form=form,
        open_box=open_box,
        status_message=message,
        max_length=COMMENT_MAX_LENGTH,
        max_length_label=f"{COMMENT_MAX_LENGTH:,}",
        **(posted or {}),
    )
    template = "errata/review/_comment_posted.html" if posted else "errata/review/_comment_box.html"
    return render(request, template, context, status=status)


def _form_errors_from(form: ReviewCommentForm, error: ValidationError) -> None:
    # The service's field names, as the form calls them.
    fields = {
        "text": "text",
        "timestamp_s": "time",
        "timestamp_end_s": "end_time",
        "drawing": "drawing",
        "name": "name",
        "email": "email",
    }
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        for message in messages:
            form.add_error(fields.get(field), message)


@require_POST
@review_link_view
def review_comment_create(request: HttpRequest, link: ReviewLink) -> HttpResponse:
    viewer = _viewer(request)
    if not link.can_comment:
        return HttpResponse(str(REVIEW_LINK_READ_ONLY_MESSAGE), status=403)
    form = ReviewCommentForm(request.POST, cut=link.cut, needs_name=viewer.needs_name)
    if not form.is_valid():
        return _comment_box(request, link, viewer, form, status=400)
    limited = review_post_limit_hit(request=request, viewer_key=viewer.key)
    if limited is not None:
        form.add_error(None, limited.message)
        response = _comment_box(request, link, viewer, form, status=429)
        response["Retry-After"] = str(limited.retry_after_s)
        return response
    data = form.cleaned_data
    parent = None
    if data.get("parent"):
        parent = review_comment_parent(review_link=link, pk=data["parent"])
        if parent is None:
            form.add_error(None, _("The comment you are replying to is gone."))
            return _comment_box(request, link, viewer, form, status=400)
    try:
        comment = reviews_services.review_comment_create(
            review_link=link,
            text=data["text"],
            timestamp_s=data.get("timestamp_s"),
            timestamp_end_s=data.get("timestamp_end_s"),
            drawing=data.get("drawing_data"),
            parent=parent,
            reviewer=viewer.reviewer,
            user=viewer.user,
            guest_name=data.get("name") or "",
            guest_email=data.get("email") or "",
        )
    except ReviewLinkClosed as closed:
        return _refused(request, closed.reason)
    except PermissionDenied as denied:
        return HttpResponse(str(denied), status=403)
    except ValidationError as error:
        _form_errors_from(form, error)
        return _comment_box(request, link, viewer, form, status=400)

    if not request.htmx:
        response = redirect(f"{link.get_absolute_url()}#comment-{comment.pk}")
    else:
        response = _comment_posted(request, link, viewer, comment)
    _remember(response, link, viewer, comment.reviewer)
    return response


def _comment_posted(
    request: HttpRequest, link: ReviewLink, viewer: Viewer, comment: Comment
) -> HttpResponse:
    """The fresh, closed comment box, and out of band: the list with the new comment in its
    place (or its thread with the new reply), the timeline markers and the count."""
    viewer = Viewer(reviewer=comment.reviewer, user=viewer.user)
    posted: dict = {"just_posted_id": comment.pk}
    if comment.parent_id:
        posted["thread"] = review_comment_get(
            review_link=link, reviewer_id=viewer.reviewer_id, pk=comment.parent_id
        )
        message = _("Thank you — your reply was posted.")
    else:
        # What changed, not the whole window again: the new comment, placed before the one
        # listed after it (the page's list has it when the patron was watching there).
        added = review_comment_get(review_link=link, reviewer_id=viewer.reviewer_id, pk=comment.pk)
        posted["added"] = added
        if added is not None:
            posted["insert_before"] = review_comment_next(
                review_link=link, reviewer_id=viewer.reviewer_id, comment=added
            )
        when = clock(added.list_time) if added and added.list_time < NO_TIME_S else ""
        message = (
            _("Thank you — your comment was posted at %(time)s.") % {"time": when}
            if when
            else _("Thank you — your comment was posted.")
        )
    posted["count"] = review_comment_count(review_link=link, reviewer_id=viewer.reviewer_id)
    form = ReviewCommentForm(cut=link.cut, needs_name=False)
    return _comment_box(
        request,
        link,
        viewer,
        form,
        open_box=False,
        message=message,
        posted=posted,
    )


@require_POST
@review_link_view
def review_preview(request: HttpRequest, link: ReviewLink) -> HttpResponse:
    """Before you post (htmx, as the patron types): what the draft reads like, reports already
    made near this time that look like the same problem, and the time typed in the text."""
    limited = review_lookup_limit_hit(request=request)
    if limited is not None:
        return HttpResponse(status=429)
    viewer = _viewer(request)
    text = request.POST.get("text", "")[:COMMENT_MAX_LENGTH]
    source = request.POST.get("time_source", "")
    player_time = _float_or_none(request.POST.get("player_time"))
    typed = typed_time(text, duration_s=link.cut.duration_s)
    chip = parse_time(request.POST.get("time", "")) if source == "manual" else None
    time_s = chip if source == "manual" else (typed if typed is not None else player_time)
    preview = findings_similar.review_preview(
        review_link=link, reviewer_id=viewer.reviewer_id, text=text, time_s=time_s
    )
    chip_update = None
    if source != "manual":
        if typed is not None:
            chip_update = {"value": clock(typed), "source": "text", "note": "from your text"}
        elif source == "text":
            # The typed time was deleted again: back to where the player was.
            chip_update = {
                "value": clock(player_time) if player_time is not None else "",
                "source": "player",
                "note": "",
            }
    return render(
        request,
        "errata/review/_preview.html",
        _list_context(link, viewer, preview=preview, chip_update=chip_update),
    )


@require_POST
@review_link_view
def review_metoo(request: HttpRequest, link: ReviewLink, finding_id: int) -> HttpResponse:
    viewer = _viewer(request)
    finding = get_object_or_404(Finding, pk=finding_id)
    prefix = "similar-" if request.POST.get("prefix") == "similar-" else ""
    context = _list_context(link, viewer, finding=finding, prefix=prefix)
    limited = review_post_limit_hit(request=request, viewer_key=viewer.key)
    if limited is not None:
        context["error"] = limited.message
        response = render(request, "errata/review/_metoo.html", context, status=429)
        response["Retry-After"] = str(limited.retry_after_s)
        return response
    try:
        metoo, _created = metoo_add(
            finding=finding,
            review_link=link,
            reviewer=viewer.reviewer,
            user=viewer.user,
            guest_name=request.POST.get("name", ""),
            guest_email=request.POST.get("email", ""),
        )
    except ReviewLinkClosed as closed:
        return _refused(request, closed.reason)
    except PermissionDenied as denied:
        return HttpResponse(str(denied), status=403)
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {}
        context["error"] = " ".join(error.messages)
        response = render(request, "errata/review/_metoo.html", context, status=400)
        if "name" in messages or "email" in messages:
            # The page opens the comment box at the name field.
            response["HX-Trigger"] = "review:needs-name"
        return response
    finding.n_metoo = finding_metoo_count(finding=finding)
    finding.mine = True
    if viewer.needs_name:
        # A guest just named by their me-too: the comment box (out of band) greets them by
        # that name instead of asking it again; a draft in it stays.
        context.update(
            viewer=Viewer(reviewer=metoo.reviewer, user=None),
            identity_oob=True,
            status_message=_("Thank you — your me too counts."),
        )
    response = render(request, "errata/review/_metoo.html", context)
    _remember(response, link, viewer, metoo.reviewer)
    return response


@require_POST
@review_link_view
def review_forget(request: HttpRequest, link: ReviewLink) -> HttpResponse:
    """ "Not you?": this browser forgets the guest it remembered for this link."""
    response = redirect(link.get_absolute_url())
    response.delete_cookie(REVIEWER_COOKIE, path=link.get_absolute_url())
    return response


@require_http_methods(["GET", "HEAD"])
@review_link_view
def review_media(request: HttpRequest, link: ReviewLink) -> HttpResponse:
    """The cut's video (its browser-safe proxy, or the original while a browser can play it),
    only through an open link; seeking works (ranges, or the store's or nginx's own)."""
    playable = playable_file(cut=link.cut)
    if playable is None:
        raise Http404("This cut has no video to play here.")
    return stored_file_response(request, playable.file, content_type=playable.content_type)


def _still(request: HttpRequest, link: ReviewLink, kind: str) -> HttpResponse:
    """The cut's poster or thumbnail sprite (both JPEG), once made."""
    media = cut_media(cut=link.cut)
    image = getattr(media, kind) if media is not None else None
    if not image:
        raise Http404(f"This cut has no {kind}.")
    return stored_file_response(request, image, content_type="image/jpeg")


@require_http_methods(["GET", "HEAD"])
@review_link_view
def review_poster(request: HttpRequest, link: ReviewLink) -> HttpResponse:
    return _still(request, link, "poster")


@require_http_methods(["GET", "HEAD"])
@review_link_view
def review_sprite(request: HttpRequest, link: ReviewLink) -> HttpResponse:
    return _still(request, link, "sprite")


@require_GET
@review_link_view
def review_thumbnails(request: HttpRequest, link: ReviewLink) -> HttpResponse:
    """The WebVTT index of the thumbnail sprite, for previews while scrubbing."""
    media = cut_media(cut=link.cut)
    if media is None or not media.sprite or not media.sprite_index:
        raise Http404("This cut has no thumbnails.")
    body = sprite_vtt(
        media.sprite_index,
        sprite_url=reverse("errata:review-sprite", args=[link.token]),
        duration_s=link.cut.duration_s,
    )
    response = HttpResponse(body, content_type="text/vtt; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    return response
