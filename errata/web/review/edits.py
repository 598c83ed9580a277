"""A patron takes something back on the review page: a "me too", or (within
Comment.EDIT_WINDOW) their own comment, corrected or deleted. htmx fragments; the service
checks who may and until when."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from errata.models import Comment, Finding, ReviewLink
from errata.reviews.selectors import finding_metoo_count, review_comment_count, review_comment_get
from errata.reviews.services import (
    COMMENT_MAX_LENGTH,
    ReviewLinkClosed,
    metoo_remove,
    review_comment_delete,
    review_comment_edit,
)
from errata.web.review.views import _list_context, _refused, _viewer, review_link_view


@require_POST
@review_link_view
def review_metoo_undo(request: HttpRequest, link: ReviewLink, finding_id: int) -> HttpResponse:
    """Take back one's own "me too": the button comes back, the count drops."""
    viewer = _viewer(request)
    finding = get_object_or_404(Finding, pk=finding_id, cut_id=link.cut_id)
    prefix = "similar-" if request.POST.get("prefix") == "similar-" else ""
    try:
        metoo_remove(finding=finding, review_link=link, reviewer=viewer.reviewer)
    except ReviewLinkClosed as closed:
        return _refused(request, closed.reason)
    except PermissionDenied as denied:
        return HttpResponse(str(denied), status=403)
    finding.n_metoo = finding_metoo_count(finding=finding)
    finding.mine = False
    context = _list_context(
        link,
        viewer,
        finding=finding,
        prefix=prefix,
        owner_id=finding.comment.reviewer_id,
        undone=True,
    )
    return render(request, "errata/review/_metoo.html", context)


def _own_comment(link: ReviewLink, comment_id: int) -> Comment:
    return get_object_or_404(Comment, pk=comment_id, cut_id=link.cut_id)


def _thread_response(request: HttpRequest, link: ReviewLink, viewer, comment: Comment):
    """The comment's whole thread as the list shows it, swapped in for the old one."""
    thread_id = comment.parent_id or comment.pk
    thread = review_comment_get(review_link=link, reviewer_id=viewer.reviewer_id, pk=thread_id)
    context = _list_context(link, viewer, comment=thread)
    response = render(request, "errata/review/_comment.html", context)
    response["HX-Retarget"] = f"#comment-{thread_id}"
    response["HX-Reswap"] = "outerHTML"
    return response


def _refusal(message: str, status: int = 403) -> HttpResponse:
    # Shown where the buttons were (the page's htmx config swaps 403 and 400 answers in).
    return HttpResponse(
        format_html('<p class="edit-error" role="alert">{}</p>', message), status=status
    )


@require_http_methods(["GET", "POST"])
@review_link_view
def review_comment_edit_view(request: HttpRequest, link: ReviewLink, comment_id: int):
    """GET: the comment's text as a small form in its place (or, with `cancel`, the thread as it
    was). POST: save the corrected text; triage reads it again."""
    viewer = _viewer(request)
    comment = _own_comment(link, comment_id)
    if request.method == "GET":
        if request.GET.get("cancel") or not request.htmx:
            if not request.htmx:
                return redirect(f"{link.get_absolute_url()}#comment-{comment.pk}")
            return _thread_response(request, link, viewer, comment)
        if viewer.reviewer is None or comment.reviewer_id != viewer.reviewer_id:
            return _refusal(_("You can only change your own comments."))
        if not comment.edit_window_open():
            return _refusal(_("This comment can no longer be changed."))
        context = _list_context(
            link, viewer, comment=comment, text=comment.text, max_length=COMMENT_MAX_LENGTH
        )
        return render(request, "errata/review/_comment_edit.html", context)
    text = request.POST.get("text", "")
    try:
        review_comment_edit(comment=comment, review_link=link, reviewer=viewer.reviewer, text=text)
    except ReviewLinkClosed as closed:
        return _refused(request, closed.reason)
    except PermissionDenied as refused:
        # Not theirs, too late, in an erratum, or a watch-only link: the message says which.
        return _refusal(str(refused))
    except ValidationError as error:
        context = _list_context(
            link,
            viewer,
            comment=comment,
            text=text[:COMMENT_MAX_LENGTH],
            errors=error.messages,
            max_length=COMMENT_MAX_LENGTH,
        )
        return render(request, "errata/review/_comment_edit.html", context, status=400)
    if not request.htmx:
        return redirect(f"{link.get_absolute_url()}#comment-{comment.pk}")
    return _thread_response(request, link, viewer, comment)


@require_POST
@review_link_view
def review_comment_delete_view(
    request: HttpRequest, link: ReviewLink, comment_id: int
) -> HttpResponse:
    """Delete one's own comment: it leaves the list (a reply leaves its thread) and the count."""
    viewer = _viewer(request)
    comment = _own_comment(link, comment_id)
    try:
        review_comment_delete(comment=comment, review_link=link, reviewer=viewer.reviewer)
    except ReviewLinkClosed as closed:
        return _refused(request, closed.reason)
    except PermissionDenied as refused:
        # Not theirs, too late, in an erratum, or a watch-only link: the message says which.
        return _refusal(str(refused))
    if not request.htmx:
        return redirect(link.get_absolute_url())
    if comment.parent_id:
        return _thread_response(request, link, viewer, comment)
    count = review_comment_count(review_link=link, reviewer_id=viewer.reviewer_id)
    response = render(
        request,
        "errata/review/_comment_deleted.html",
        _list_context(link, viewer, count=count, status_message=_("Your comment was deleted.")),
    )
    response["HX-Retarget"] = f"#comment-{comment.pk}"
    response["HX-Reswap"] = "outerHTML"
    return response
