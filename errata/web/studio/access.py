"""Who may open a studio page (access.studio_view), and the helpers every studio view uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from errata.catalog.selectors import cut_of_video, video_for_member
from errata.core.access import studio_member
from errata.models import Cut, Team, UndoRecord, Video
from errata.teams.selectors import team_for_member


def studio_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Team members only. Anonymous visitors are sent to sign in; a signed-in user in no team
    (a patron with an account) is refused with a 403 page."""

    @wraps(view)
    def member_only(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not studio_member(user=request.user):
            return render(request, "errata/studio/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(member_only)


def member_video(request: HttpRequest, slug: str) -> Video:
    video = video_for_member(user=request.user, slug=slug)
    if video is None:
        # The same answer whether the video exists on another team or not at all.
        raise Http404("No such video in your teams.")
    return video


def member_team(request: HttpRequest, slug: str) -> Team:
    team = team_for_member(user=request.user, slug=slug)
    if team is None:
        raise Http404("No such team among yours.")
    return team


def member_cut(request: HttpRequest, slug: str, number: int) -> Cut:
    cut = cut_of_video(video=member_video(request, slug), number=number)
    if cut is None:
        raise Http404("No such cut.")
    return cut


def form_errors(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = ""
        if name in form.fields:
            label = form.fields[name].label or name.replace("_", " ").capitalize()
        parts += [f"{label}: {error}" if label else str(error) for error in errors]
    return " ".join(parts)


def cut_url(name: str, cut: Cut, **query: str) -> str:
    """A page of the cut, keeping the parameters that differ from the page's defaults."""
    url = reverse(f"errata:studio:{name}", args=[cut.video.slug, cut.number])
    defaults = {"page": "1", "order": "time", "show": "new"}
    query = {k: v for k, v in query.items() if v and v != defaults.get(k)}
    return f"{url}?{urlencode(query)}" if query else url


# The session key of the Undo the next full page offers ({% undo_banner %} in studio_tags).
UNDO_SESSION_KEY = "errata_undo"


def undo_offer(request: HttpRequest, record: UndoRecord | None) -> None:
    """Offer the record's Undo on the next page this request redirects to."""
    if record is not None:
        request.session[UNDO_SESSION_KEY] = record.pk
