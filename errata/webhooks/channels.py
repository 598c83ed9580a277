"""Chat channels: a team's Discord and Slack incoming webhooks, told about errata in each
platform's own message format. They are WebhookEndpoints of kind discord or slack, so every
message is a WebhookDelivery: stored, signed (X-Errata-Signature, which the chat ignores and a
relay can check), sent by the same task and retried with the same backoff as any webhook.

What they hear: a digest of the errata created since the last one (beat, CHANNEL_DIGEST_SECONDS),
each status change of an erratum, and the studio's "send test message".

Formats. Discord (https://discord.com/developers/docs/resources/webhook#execute-webhook):
{"content", "embeds": [{"title", "description", "url", "color"}], "allowed_mentions"}, content at
most 2,000 characters, an embed's description 4,096, and no mentions parsed, so a patron's
"@everyone" pings nobody. Slack (https://api.slack.com/messaging/webhooks): {"text", "blocks"}
with mrkdwn sections, `&`, `<` and `>` escaped as Slack asks.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from errata.core.queue import enqueue
from errata.core.text import shorten
from errata.models import Erratum, Team, User, WebhookDelivery, WebhookEndpoint, WebhookEvent
from errata.triage.timestamps import format_time
from errata.webhooks.addresses import webhook_url_refusal
from errata.webhooks.services import DELIVER_TASK

Kind = WebhookEndpoint.Kind
CHAT_KINDS = (Kind.DISCORD, Kind.SLACK)
CHAT_EVENTS = (WebhookEvent.ERRATA_DIGEST, WebhookEvent.ERRATUM_STATUS_CHANGED)
# Colours of Discord's embeds, by what happened.
COLOR_NEW, COLOR_FIXED, COLOR_CLOSED, COLOR_OTHER = 0xD55E00, 0x009E73, 0x888888, 0x0072B2
# A digest lists this many errata and counts the rest.
DIGEST_ERRATA = 20


@dataclass(frozen=True)
class ChatLine:
    text: str
    url: str = ""


@dataclass(frozen=True)
class ChatMessage:
    """One message for any chat: a title (linked), a line of summary, and lines."""

    title: str
    summary: str
    url: str = ""
    lines: list[ChatLine] = field(default_factory=list)
    color: int = COLOR_OTHER


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(url: str, text: str) -> str:
    # A link's text may not hold "|" or ">" (Slack would end the link there).
    return f"<{url}|{_slack_escape(text).replace('|', '¦')}>"


def render_discord(message: ChatMessage) -> str:
    lines = [
        f"[{shorten(line.text, 300)}]({line.url})" if line.url else shorten(line.text, 300)
        for line in message.lines
    ]
    description = "\n".join([message.summary, *lines]) if lines else message.summary
    embed = {
        "title": shorten(message.title, 256),
        "description": description[:4096],
        "color": message.color,
    }
    if message.url:
        embed["url"] = message.url
    body = {
        "content": shorten(message.title, 2000),
        "embeds": [embed],
        # Patron-written text never pings anyone.
        "allowed_mentions": {"parse": []},
        "username": "Errata",
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def render_slack(message: ChatMessage) -> str:
    title = _slack_link(message.url, message.title) if message.url else _slack_escape(message.title)
    lines = [
        f"• {_slack_link(line.url, shorten(line.text, 300))}"
        if line.url
        else f"• {_slack_escape(shorten(line.text, 300))}"
        for line in message.lines
    ]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"[:3000]}}]
    if message.summary:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _slack_escape(message.summary)[:3000]},
            }
        )
    if lines:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}}
        )
    body = {"text": shorten(f"{message.title}: {message.summary}", 3000), "blocks": blocks}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


RENDERERS = {Kind.DISCORD: render_discord, Kind.SLACK: render_slack}


def chat_body(kind: str, message: ChatMessage) -> str:
    return RENDERERS[kind](message)


def _erratum_words(erratum: Erratum) -> str:
    at = f" at {format_time(erratum.timestamp_s)}" if erratum.timestamp_s is not None else ""
    return f"{erratum.title} ({erratum.category}{at})"


def _erratum_url(erratum: Erratum) -> str:
    return _absolute(reverse("errata:studio:erratum", args=[erratum.video.slug, erratum.pk]))


def status_message(*, erratum: Erratum, before: str) -> ChatMessage:
    after = Erratum.Status(erratum.status).label.lower()
    was = Erratum.Status(before).label.lower() if before in Erratum.Status.values else before
    where = (
        f", in cut {erratum.fixed_in_cut.number}"
        if erratum.status == Erratum.Status.FIXED and erratum.fixed_in_cut
        else ""
    )
    color = {
        Erratum.Status.FIXED: COLOR_FIXED,
        Erratum.Status.VERIFIED: COLOR_FIXED,
        Erratum.Status.WONTFIX: COLOR_CLOSED,
        Erratum.Status.NOT_AN_ERROR: COLOR_CLOSED,
    }.get(erratum.status, COLOR_OTHER)
    reason = f" Why: {erratum.resolution_reason}" if erratum.resolution_reason else ""
    return ChatMessage(
        title=f"{erratum.video.title}: erratum #{erratum.pk} is {after}{where}",
        summary=f"{_erratum_words(erratum)}, was {was}.{reason}",
        url=_erratum_url(erratum),
        color=color,
    )


def digest_message(*, team: Team, errata: list[Erratum], total: int) -> ChatMessage:
    more = total - len(errata)
    return ChatMessage(
        title=f"{total} new errat{'um' if total == 1 else 'a'} for {team.name}",
        summary=f"Accepted in the studio since the last message{f'; {more} more' if more else ''}.",
        url=_absolute(reverse("errata:studio:videos")),
        lines=[ChatLine(f"{e.video.title}: {_erratum_words(e)}", _erratum_url(e)) for e in errata],
        color=COLOR_NEW,
    )


def test_message(*, endpoint: WebhookEndpoint) -> ChatMessage:
    events = ", ".join(
        WebhookEvent(e).label.lower() for e in endpoint.events if e in WebhookEvent.values
    )
    return ChatMessage(
        title=f"Errata is connected to this channel for {endpoint.team.name}",
        summary=f"It will post here: {events or 'nothing yet (choose events in the studio)'}.",
        url=_absolute(reverse("errata:studio:channels", args=[endpoint.team.slug])),
    )


def chat_deliveries_create(
    *, endpoints: list[WebhookEndpoint], event: str, message: ChatMessage
) -> list[WebhookDelivery]:
    """One delivery per chat endpoint, in its platform's format, sent by the webhook task."""
    if not endpoints:
        return []
    event_id = uuid.uuid4()
    with transaction.atomic():
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    endpoint=endpoint,
                    event=event,
                    event_id=event_id,
                    body=chat_body(endpoint.kind, message),
                )
                for endpoint in endpoints
            ]
        )
        for delivery in deliveries:
            enqueue(DELIVER_TASK, delivery.pk)
    return deliveries


def _check_chat_url(kind: str, url: str) -> None:
    refusal = webhook_url_refusal(url)
    if refusal:
        raise ValidationError({"url": refusal})
    if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return  # a local relay or a test's stand-in
    host = (urlsplit(url).hostname or "").lower()
    expected = {
        Kind.DISCORD: ("discord.com", "discordapp.com"),
        Kind.SLACK: ("hooks.slack.com",),
    }[kind]
    if urlsplit(url).scheme != "https" or not any(
        host == h or host.endswith("." + h) for h in expected
    ):
        raise ValidationError(
            {"url": f"A {Kind(kind).label} webhook URL is an https:// address on {expected[0]}."}
        )


def channel_create(
    *, team: Team, kind: str, url: str, events: list[str], description: str, created_by: User
) -> WebhookEndpoint:
    if kind not in CHAT_KINDS:
        raise ValidationError({"kind": "Choose Discord or Slack."})
    url = (url or "").strip()
    if len(url) > 500:
        raise ValidationError({"url": "A URL is at most 500 characters."})
    _check_chat_url(kind, url)
    events = sorted(set(events or []))
    if not events or any(e not in CHAT_EVENTS for e in events):
        raise ValidationError(
            {"events": "Choose what to post: the new errata digest, status changes, or both."}
        )
    return WebhookEndpoint.objects.create(
        team=team,
        kind=kind,
        url=url,
        events=events,
        description=" ".join((description or "").split())[:200],
        created_by=created_by,
        last_digest_at=timezone.now(),
    )


def channel_test_send(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    (delivery,) = chat_deliveries_create(
        endpoints=[endpoint],
        event=WebhookEvent.CHANNEL_TEST,
        message=test_message(endpoint=endpoint),
    )
    return delivery


def channel_digests_send(*, now: datetime | None = None) -> int:
    """Beat's run: each active chat channel that wants the digest hears of the errata its team
    created since its last one (nothing new, no message). The channel's window moves with a
    conditional update in the same transaction as the delivery, so two runs send it once."""
    now = now or timezone.now()
    sent = 0
    channels = WebhookEndpoint.objects.filter(kind__in=CHAT_KINDS, is_active=True).select_related(
        "team"
    )
    for channel in channels:
        if WebhookEvent.ERRATA_DIGEST not in channel.events:
            continue
        since = channel.last_digest_at or channel.created_at
        new = Erratum.objects.filter(
            video__team_id=channel.team_id,
            created_at__gt=since,
            created_at__lte=now,
            merged_into__isnull=True,
        ).select_related("video")
        total = new.count()
        with transaction.atomic():
            claimed = WebhookEndpoint.objects.filter(
                pk=channel.pk, last_digest_at=channel.last_digest_at
            ).update(last_digest_at=now)
            if not claimed or not total:
                continue
            errata = list(new.order_by("created_at", "pk")[:DIGEST_ERRATA])
            chat_deliveries_create(
                endpoints=[channel],
                event=WebhookEvent.ERRATA_DIGEST,
                message=digest_message(team=channel.team, errata=errata, total=total),
            )
            sent += 1
    return sent


def channel_remove(*, endpoint: WebhookEndpoint) -> None:
    """A channel that hears nothing more; its delivery log goes with it."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk, kind__in=CHAT_KINDS).delete()
