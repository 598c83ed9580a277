"""Discord and Slack channels, against a real HTTP server on 127.0.0.1 standing in for each
platform's incoming webhook: messages in each platform's format, signed and retried like
webhooks; the new errata digest; the studio's "send test message"."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from errata.fixes.services import erratum_transition
from errata.models import WebhookDelivery, WebhookEndpoint
from errata.webhooks.channels import channel_create, channel_digests_send
from errata.webhooks.signing import verify
from tests import factories

pytestmark = pytest.mark.django_db


def _channel(
    team, creator, receiver, kind: str, events=("errata.digest", "erratum.status_changed")
):
    return channel_create(
        team=team,
        kind=kind,
        url=receiver.url,
        events=list(events),
        description="",
        created_by=creator,
    )


def test_a_status_change_reaches_discord_as_an_embed_that_pings_nobody(
    receiver, team, creator, cut, django_capture_on_commit_callbacks
):
    channel = _channel(team, creator, receiver, "discord")
    erratum = factories.ErratumFactory(
        cut=cut, title="@everyone 'mabye' should read 'maybe'", timestamp_s=363, status="accepted"
    )
    with django_capture_on_commit_callbacks(execute=True):
        erratum_transition(erratum=erratum, status="fixed", fixed_in_cut=cut, actor=creator)

    [received] = receiver.requests
    headers = {k.lower(): v for k, v in received.headers.items()}
    assert verify(secret=channel.secret, body=received.body, headers=headers)
    assert headers["x-errata-event"] == "erratum.status_changed"
    body = json.loads(received.body)
    assert body["allowed_mentions"] == {"parse": []}
    assert body["content"] == f"Neural networks: erratum #{erratum.pk} is fixed, in cut 1"
    (embed,) = body["embeds"]
    assert embed["url"].endswith(f"/studio/videos/nn/errata/{erratum.pk}/")
    assert "was accepted" in embed["description"] and "6:03" in embed["description"]
    assert len(body["content"]) <= 2000 and len(embed["description"]) <= 4096
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_the_new_errata_digest_reaches_slack_escaped_and_only_once(
    receiver, team, creator, cut, django_capture_on_commit_callbacks
):
    _channel(team, creator, receiver, "slack", events=["errata.digest"])
    for title in ["Typo <b>bold</b> & co", "Sign of the gradient"]:
        factories.ErratumFactory(cut=cut, title=title)
    factories.ErratumFactory(title="Another team's")

    with django_capture_on_commit_callbacks(execute=True):
        assert channel_digests_send(now=timezone.now() + timedelta(seconds=1)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert channel_digests_send(now=timezone.now() + timedelta(seconds=2)) == 0

    [received] = receiver.requests
    body = json.loads(received.body)
    assert body["text"].startswith("2 new errata for Three Blue")
    listing = body["blocks"][-1]["text"]["text"]
    assert "Typo &lt;b&gt;bold&lt;/b&gt; &amp; co" in listing
    assert "Another team" not in listing
    assert all(block["type"] == "section" for block in body["blocks"])


def test_a_busy_channel_is_retried_until_it_takes_the_message(
    receiver, team, creator, cut, django_capture_on_commit_callbacks
):
    receiver.answers = [429, 500, 204]
    _channel(team, creator, receiver, "discord")
    erratum = factories.ErratumFactory(cut=cut, status="open")
    with django_capture_on_commit_callbacks(execute=True):
        erratum_transition(erratum=erratum, status="accepted", actor=creator)

    assert len(receiver.requests) == 3
    assert len({r.body for r in receiver.requests}) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 3, 204)


def test_the_studios_test_button_sends_a_message_and_lists_its_delivery(
    receiver,
    client,
    team,
    creator,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    channel = _channel(team, creator, receiver, "discord")
    client.force_login(creator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/studio/teams/{team.slug}/channels/{channel.pk}/test/")
    assert response.status_code == 302

    [received] = receiver.requests
    assert json.loads(received.body)["content"] == (
        "Errata is connected to this channel for Three Blue"
    )
    for _ in range(30):
        WebhookDelivery.objects.create(endpoint=channel, event="channel.test", body="{}")
    other = _channel(team, creator, receiver, "slack")
    WebhookDelivery.objects.create(endpoint=other, event="channel.test", body="{}")
    with django_assert_max_num_queries(12):
        page = client.get(f"/studio/teams/{team.slug}/channels/").content.decode()
    assert page.count('class="delivery"') == 5 + 1


def test_members_send_test_messages_but_only_owners_add_or_remove(
    receiver, client, team, creator, teammate
):
    channel = _channel(team, creator, receiver, "slack")
    client.force_login(teammate)
    data = {"kind": "discord", "url": receiver.url, "events": ["errata.digest"]}
    assert client.post(f"/studio/teams/{team.slug}/channels/new/", data).status_code == 403
    assert (
        client.post(f"/studio/teams/{team.slug}/channels/{channel.pk}/delete/").status_code == 403
    )
    assert client.post(f"/studio/teams/{team.slug}/channels/{channel.pk}/test/").status_code == 302
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "url", "events", "field"),
    [
        ("discord", "https://evil.example.com/api/webhooks/1/x", ["errata.digest"], "url"),
        ("slack", "http://hooks.slack.com/services/T/B/x", ["errata.digest"], "url"),
        ("discord", "http://169.254.169.254/latest", ["errata.digest"], "url"),
        ("discord", "https://discord.com/api/webhooks/1/x", [], "events"),
        ("discord", "https://discord.com/api/webhooks/1/x", ["comment.created"], "events"),
        ("teams", "https://discord.com/api/webhooks/1/x", ["errata.digest"], "kind"),
    ],
)
def test_a_channel_pointing_elsewhere_or_wanting_nothing_is_refused(
    team, creator, settings, kind, url, events, field
):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(ValidationError) as refused:
        channel_create(
            team=team, kind=kind, url=url, events=events, description="", created_by=creator
        )
    assert list(refused.value.message_dict) == [field]


def test_real_platform_addresses_are_accepted(team, creator, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    for kind, url in [
        ("discord", "https://discord.com/api/webhooks/123/abc"),
        ("slack", "https://hooks.slack.com/services/T000/B000/XXXX"),
    ]:
        channel_create(
            team=team,
            kind=kind,
            url=url,
            events=["errata.digest"],
            description="",
            created_by=creator,
        )
    assert WebhookEndpoint.objects.count() == 2
