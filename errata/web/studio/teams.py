"""Starting a team, its page (members, invitations, the Patreon campaign), answering an
invitation, adding a video, and the member's account settings (time zone, connected accounts).
Everything a new creator needs without the admin."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from errata.catalog.services import video_create
from errata.core.access import studio_member
from errata.core.errors import ErrataConflict, error_text
from errata.models import Invitation, Membership, Team
from errata.teams import services as teams
from errata.teams.selectors import (
    invitation_by_token,
    invitations_for_user,
    membership_of,
    team_invitation,
    team_invitations_open,
    team_members,
    teams_of_user,
)
from errata.web.studio.access import form_errors, member_team, studio_view


class TeamForm(forms.Form):
    name = forms.CharField(max_length=150, label=gettext_lazy("Team name"))
    slug = forms.SlugField(
        max_length=80,
        required=False,
        label=gettext_lazy("Short name"),
        help_text=gettext_lazy("Letters, digits and hyphens; made from the name when left blank."),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(max_length=254, label=gettext_lazy("Email address"))
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)
    days = forms.IntegerField(
        min_value=1,
        max_value=teams.INVITATION_MAX_DAYS,
        initial=teams.INVITATION_DAYS,
        label=gettext_lazy("Expires after (days)"),
    )


class PatreonCampaignForm(forms.Form):
    patreon_campaign_id = forms.CharField(
        max_length=32,
        required=False,
        label=gettext_lazy("Patreon campaign id"),
        help_text=gettext_lazy(
            "The number in your campaign's API address; review links can require it."
        ),
    )


class VideoForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    title = forms.CharField(max_length=300)
    slug = forms.SlugField(
        max_length=100,
        required=False,
        label=gettext_lazy("Short name"),
        help_text=gettext_lazy(
            "In every address of the video; made from the title when left blank."
        ),
    )
    fps = forms.DecimalField(
        max_digits=6,
        decimal_places=3,
        min_value=0.001,
        initial=30,
        label=gettext_lazy("Frames per second"),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams_of_user(user=user)


@cache
def _zone_choices() -> list[tuple[str, str]]:
    names = sorted(n for n in zoneinfo.available_timezones() if "/" in n or n == "UTC")
    return [
        ("", _("The site's (%(zone)s)") % {"zone": settings.TIME_ZONE}),
        *((n, n.replace("_", " ")) for n in names),
    ]


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(required=False, label=gettext_lazy("Time zone"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _zone_choices()


@login_required
@require_http_methods(["GET"])
def welcome(request: HttpRequest) -> HttpResponse:
    """Where a new account lands: start a team, or answer an invitation waiting for it."""
    if studio_member(user=request.user):
        return redirect("errata:studio:videos")
    return render(
        request,
        "errata/studio/welcome.html",
        {"form": TeamForm(), "invitations": invitations_for_user(user=request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_new(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = teams.team_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(
                request, _("Team “%(name)s” started. Add your first video.") % {"name": team.name}
            )
            return redirect("errata:studio:video_new")
    return render(
        request, "errata/studio/team_new.html", {"form": form}, status=400 if form.errors else 200
    )


def _team_page(request: HttpRequest, team: Team, *, status: int = 200, **forms_) -> HttpResponse:
    membership = membership_of(team=team, user=request.user)
    context = {
        "team": team,
        "is_owner": membership is not None and membership.role == Membership.Role.OWNER,
        "members": team_members(team=team),
        "invitations": team_invitations_open(team=team),
        "invite_form": forms_.get("invite_form") or InvitationForm(),
        "patreon_form": forms_.get("patreon_form")
        or PatreonCampaignForm(initial={"patreon_campaign_id": team.patreon_campaign_id}),
    }
    return render(request, "errata/studio/team.html", context, status=status)


@studio_view
@require_http_methods(["GET"])
def team(request: HttpRequest, slug: str) -> HttpResponse:
    return _team_page(request, member_team(request, slug))


@studio_view
@require_POST
def invitation_new(request: HttpRequest, slug: str) -> HttpResponse:
    team = member_team(request, slug)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = teams.invitation_create(
                team=team, invited_by=request.user, **form.cleaned_data
            )
        except PermissionDenied as denied:
            return HttpResponse(str(denied), status=403)
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(
                request, _("Invitation mailed to %(email)s.") % {"email": invitation.email}
            )
            return redirect("errata:studio:team", team.slug)
    return _team_page(request, team, status=400, invite_form=form)


@studio_view
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = member_team(request, slug)
    invitation = team_invitation(team=team, pk=pk)
    if invitation is None:
        raise Http404("No such invitation.")
    try:
        withdrawn = teams.invitation_revoke(invitation=invitation, user=request.user)
    except PermissionDenied as denied:
        return HttpResponse(str(denied), status=403)
    if withdrawn:
        messages.success(
            request, _("Withdrew the invitation to %(email)s.") % {"email": invitation.email}
        )
    else:
        messages.info(request, _("That invitation was already answered or withdrawn."))
    return redirect("errata:studio:team", team.slug)


@studio_view
@require_POST
def team_patreon(request: HttpRequest, slug: str) -> HttpResponse:
    team = member_team(request, slug)
    form = PatreonCampaignForm(request.POST)
    if form.is_valid():
        try:
            teams.team_patreon_campaign_set(
                team=team, user=request.user, campaign_id=form.cleaned_data["patreon_campaign_id"]
            )
        except PermissionDenied as denied:
            return HttpResponse(str(denied), status=403)
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Saved the Patreon campaign."))
            return redirect("errata:studio:team", team.slug)
    return _team_page(request, team, status=400, patreon_form=form)


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation's mail: who invites, to what, and Accept / Decline. Anyone
    may read it; answering needs an account with the invited address."""
    found = invitation_by_token(token=token)
    if found is None:
        return render(request, "errata/studio/invitation.html", {"invitation": None}, status=404)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{settings.LOGIN_URL}?next={request.path}")
        answer = request.POST.get("answer")
        if answer not in ("accept", "decline"):
            messages.error(request, _("Choose Accept or Decline."))
            return redirect("errata:invitation", token)
        act = teams.invitation_accept if answer == "accept" else teams.invitation_decline
        try:
            act(invitation=found, user=request.user)
        except (ErrataConflict, PermissionDenied) as error:
            messages.error(request, str(error))
            return redirect("errata:invitation", token)
        if answer == "accept":
            messages.success(request, _("Welcome to %(name)s.") % {"name": found.team.name})
            return redirect("errata:studio:videos")
        messages.info(
            request, _("Declined the invitation to %(name)s.") % {"name": found.team.name}
        )
        return redirect("errata:studio:welcome")
    return render(
        request,
        "errata/studio/invitation.html",
        {"invitation": found, "is_open": found.is_open()},
        status=200 if found.state == Invitation.State.PENDING else 410,
    )


@studio_view
@require_http_methods(["GET", "POST"])
def video_new(request: HttpRequest) -> HttpResponse:
    form = VideoForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            video = video_create(**form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(
                request,
                _("Video “%(title)s” added. Now upload its first cut.") % {"title": video.title},
            )
            return redirect("errata:studio:cut_new", video.slug)
    return render(
        request, "errata/studio/video_new.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    """The member's time zone, and links to allauth's pages for addresses, password and the
    connected Google and Patreon accounts."""
    form = TimeZoneForm(request.POST or None, initial={"time_zone": request.user.time_zone})
    if request.method == "POST":
        if form.is_valid():
            teams.user_time_zone_set(user=request.user, time_zone=form.cleaned_data["time_zone"])
            messages.success(request, _("Saved your time zone."))
            return redirect("errata:studio:account_settings")
        messages.error(request, form_errors(form))
    return render(
        request,
        "errata/studio/account_settings.html",
        {
            "form": form,
            "connections": request.user.socialaccount_set.all(),
            "teams": teams_of_user(user=request.user),
        },
        status=400 if form.errors else 200,
    )
