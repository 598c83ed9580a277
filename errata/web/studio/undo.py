"""The Undo button of an action's confirmation banner (errata/fixes/undo.py does the work)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from errata.catalog.selectors import cut_of_video
from errata.core.errors import ErrataConflict
from errata.fixes.undo import undo_apply, undo_record_of
from errata.web.studio.access import member_video, studio_view
from errata.web.studio.inbox import inbox_done


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@studio_view
@require_POST
def undo(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Take one's own recent action back. From the inbox the list comes back in place; from
    any other page, that page again."""
    video = member_video(request, slug)
    record = undo_record_of(video=video, actor=request.user, pk=pk)
    if record is None:
        raise Http404("No such action of yours to undo.")
    cut = None
    if request.POST.get("inbox_cut", "").isdigit():
        cut = cut_of_video(video=video, number=int(request.POST["inbox_cut"]))
    try:
        undo_apply(record=record, actor=request.user)
    except ErrataConflict as error:
        if cut is not None and request.htmx:
            return inbox_done(request, cut, alert=str(error), status=409)
        if request.htmx:
            return render(request, "errata/studio/_alert.html", {"alert": str(error)}, status=409)
        messages.error(request, str(error))
        return redirect(_next_url(request, reverse("errata:studio:video", args=[slug])))
    notice = _("Undone: %(action)s.") % {"action": record.get_kind_display().lower()}
    if cut is not None:
        return inbox_done(request, cut, notice=notice)
    messages.success(request, notice)
    url = _next_url(request, reverse("errata:studio:video", args=[slug]))
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
