"""A team's Discord and Slack channels: add one, send it a test message, remove it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from errata.core.errors import error_text
from errata.models import Membership, WebhookEndpoint, WebhookEvent
from errata.teams.selectors import membership_of
from errata.web.studio.access import member_team, studio_view
from errata.webhooks.channels import (
    CHAT_EVENTS,
    channel_create,
    channel_remove,
    channel_test_send,
)
from errata.webhooks.selectors import team_channel, team_channels


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(k, WebhookEndpoint.Kind(k).label) for k in ("discord", "slack")],
        label=gettext_lazy("Where"),
    )
    url = forms.URLField(
        max_length=500,
        label=gettext_lazy("Incoming webhook URL"),
        assume_scheme="https",
        help_text=gettext_lazy(
            "Discord: channel settings > Integrations > Webhooks. Slack: an app's "
            "Incoming Webhooks page."
        ),
    )
    events = forms.MultipleChoiceField(
        choices=[(e, WebhookEvent(e).label) for e in CHAT_EVENTS],
        widget=forms.CheckboxSelectMultiple,
        initial=list(CHAT_EVENTS),
        label=gettext_lazy("Post"),
    )
    description = forms.CharField(
        max_length=200, required=False, label=gettext_lazy("Note (optional)")
    )


def _page(request: HttpRequest, team, form: ChannelForm, status: int = 200) -> HttpResponse:
    membership = membership_of(team=team, user=request.user)
    return render(
        request,
        "errata/studio/channels.html",
        {
            "team": team,
            "channels": team_channels(team=team),
            "form": form,
            "is_owner": membership is not None and membership.role == Membership.Role.OWNER,
        },
        status=status,
    )


def _owner_only(request: HttpRequest, team) -> HttpResponse | None:
    membership = membership_of(team=team, user=request.user)
    if membership is None or membership.role != Membership.Role.OWNER:
        return HttpResponse("Only the team's owners change its channels.", status=403)
    return None


@studio_view
@require_GET
def channels(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, member_team(request, slug), ChannelForm())


@studio_view
@require_POST
def channel_new(request: HttpRequest, slug: str) -> HttpResponse:
    team = member_team(request, slug)
    if refused := _owner_only(request, team):
        return refused
    form = ChannelForm(request.POST)
    if form.is_valid():
        try:
            channel = channel_create(team=team, created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(
                request,
                _("%(kind)s added. Send it a test message below.")
                % {"kind": channel.get_kind_display()},
            )
            return redirect("errata:studio:channels", team.slug)
    return _page(request, team, form, status=400)


@studio_view
@require_POST
def channel_test(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = member_team(request, slug)
    channel = team_channel(team=team, pk=pk)
    if channel is None:
        raise Http404("No such channel.")
    channel_test_send(endpoint=channel)
    messages.info(request, _("Test message sent; its delivery is listed below."))
    return redirect("errata:studio:channels", team.slug)


@studio_view
@require_POST
def channel_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = member_team(request, slug)
    if refused := _owner_only(request, team):
        return refused
    channel = team_channel(team=team, pk=pk)
    if channel is None:
        raise Http404("No such channel.")
    channel_remove(endpoint=channel)
    messages.success(request, _("Channel removed; it hears nothing more."))
    return redirect("errata:studio:channels", team.slug)
