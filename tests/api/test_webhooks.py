"""Webhooks end to end, against a real HTTP server listening on 127.0.0.1 in a thread: deliveries
are signed, recorded, retried with backoff on transient failures, and can be replayed."""

from __future__ import annotations

import ipaddress
import json
import socket
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from errata.models import WebhookDelivery, webhook_secret_new
from errata.reviews.services import comment_create
from errata.webhooks import receivers as webhook_receivers
from errata.webhooks import services as webhook_services
from errata.webhooks.services import retry_countdown
from errata.webhooks.signing import verify
from tests import factories
from tests.api.conftest import link_client, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(receiver, team):
    return factories.WebhookEndpointFactory(
        team=team,
        url=receiver.url,
        events=["comment.created", "erratum.created", "erratum.fixed"],
    )


def _post_comment(review_link, django_capture_on_commit_callbacks) -> dict:
    client = link_client(review_link)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/comments/", {"text": "At 5:58 'mabye'.", "author_name": "Ada"}, format="json"
        )
    assert response.status_code == 201
    return response.json()


def test_a_new_comment_is_delivered_signed_with_the_endpoint_secret(
    receiver, endpoint, review_link, django_capture_on_commit_callbacks
):
    comment = _post_comment(review_link, django_capture_on_commit_callbacks)

    [received] = receiver.requests
    headers = {k.lower(): v for k, v in received.headers.items()}
    # Standard Webhooks: v1 signature of "<webhook-id>.<webhook-timestamp>.<body>".
    assert headers["webhook-signature"].startswith("v1,")
    assert verify(secret=endpoint.secret, body=received.body, headers=headers)
    assert not verify(secret=webhook_secret_new(), body=received.body, headers=headers)
    assert not verify(secret=endpoint.secret, body=received.body + b" ", headers=headers)
    assert headers["x-errata-event"] == "comment.created"
    assert int(headers["webhook-timestamp"]) > 1_700_000_000
    payload = json.loads(received.body)
    assert payload["id"] == headers["webhook-id"]
    assert (payload["event"], payload["team"]) == ("comment.created", endpoint.team.slug)
    assert payload["data"]["id"] == comment["id"]
    assert payload["data"]["text"] == "At 5:58 'mabye'."

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 1, 200)
    assert delivery.body.encode() == received.body
    assert str(delivery.event_id) == payload["id"]
    assert delivery.delivered_at is not None


def test_a_transient_failure_is_retried_with_backoff_until_it_is_delivered(
    receiver, endpoint, review_link, django_capture_on_commit_callbacks, settings, monkeypatch
):
    settings.WEBHOOK_RETRY_BACKOFF_SECONDS = 30
    receiver.answers = [503, 500, 200]
    waits: list[int] = []
    real_countdown = retry_countdown
    monkeypatch.setattr(
        webhook_services, "retry_countdown", lambda n: waits.append(real_countdown(n)) or waits[-1]
    )

    _post_comment(review_link, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 3
    # The same bytes each time, so the receiver sees one event.
    assert len({r.body for r in receiver.requests}) == 1
    assert waits == [30, 60]  # doubling backoff between the attempts
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 3, 200)
    assert delivery.error == ""


def test_backoff_doubles_and_is_capped(settings):
    settings.WEBHOOK_RETRY_BACKOFF_SECONDS = 30
    assert [retry_countdown(n) for n in range(1, 9)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600,
    ]  # fmt: skip


def test_a_delivery_that_keeps_failing_gives_up_after_the_last_attempt(
    receiver, endpoint, review_link, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.answers = [502]
    _post_comment(review_link, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 3
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 3, 502)
    assert delivery.error == "HTTP 502: busy"


@pytest.mark.parametrize(
    ("status", "error"), [(400, "HTTP 400"), (410, "HTTP 410"), (302, "redirects")]
)
def test_a_refusal_is_not_retried(
    receiver, endpoint, review_link, django_capture_on_commit_callbacks, status, error
):
    receiver.answers = [status]
    _post_comment(review_link, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert error in delivery.error


def test_an_unreachable_receiver_is_a_transient_failure(
    endpoint, review_link, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    endpoint.url = "http://127.0.0.1:9/nothing-listens-here"
    endpoint.save()
    _post_comment(review_link, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 2, None)
    assert "refused" in delivery.error.lower()


def test_a_failed_delivery_can_be_replayed_through_the_api(
    receiver, endpoint, review_link, creator, django_capture_on_commit_callbacks
):
    receiver.answers = [400, 200]
    _post_comment(review_link, django_capture_on_commit_callbacks)
    original = WebhookDelivery.objects.get()
    assert original.status == "failed"

    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(creator).post(f"/api/webhook-deliveries/{original.pk}/replay/")
    assert response.status_code == 202

    replay = WebhookDelivery.objects.exclude(pk=original.pk).get()
    assert (replay.status, replay.attempts, replay.replay_of_id) == ("succeeded", 1, original.pk)
    assert (replay.event_id, replay.body) == (original.event_id, original.body)
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.headers["X-Errata-Delivery"] != second.headers["X-Errata-Delivery"]
    original.refresh_from_db()
    assert original.status == "failed"  # the record of what happened stays


def test_a_delivery_can_be_replayed_from_the_admin(
    receiver, endpoint, review_link, django_capture_on_commit_callbacks, admin_user
):
    _post_comment(review_link, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    model_admin = admin_site._registry[WebhookDelivery]
    request = RequestFactory().post("/admin/errata/webhookdelivery/")
    request.user = admin_user
    model_admin.message_user = lambda *args, **kwargs: None
    with django_capture_on_commit_callbacks(execute=True):
        model_admin.replay_deliveries(request, WebhookDelivery.objects.filter(pk=delivery.pk))
    assert WebhookDelivery.objects.filter(replay_of=delivery, status="succeeded").count() == 1
    assert len(receiver.requests) == 2


@pytest.fixture
def quiet_world(world):
    """The world, with its own (unreachable) endpoint turned off."""
    world.endpoint.is_active = False
    world.endpoint.save()
    return world


def test_fixing_an_erratum_tells_the_endpoints_that_want_it(
    receiver, endpoint, quiet_world, creator, django_capture_on_commit_callbacks
):
    world = quiet_world
    also_status = factories.WebhookEndpointFactory(
        team=endpoint.team, url=receiver.url, events=["erratum.status_changed"]
    )
    comments_only = factories.WebhookEndpointFactory(
        team=endpoint.team, url=receiver.url, events=["comment.created"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(creator).post(
            f"/api/errata/{world.erratum_open.pk}/fix/", {"fixed_in_cut": world.cut2.pk}
        )
    assert response.status_code == 200
    sent = {(d.endpoint_id, d.event) for d in WebhookDelivery.objects.filter(status="succeeded")}
    assert sent == {(endpoint.pk, "erratum.fixed"), (also_status.pk, "erratum.status_changed")}
    assert not WebhookDelivery.objects.filter(endpoint=comments_only).exists()
    payloads = [json.loads(r.body) for r in receiver.requests]
    assert {p["previous_status"] for p in payloads} == {"open"}
    assert {p["data"]["status"] for p in payloads} == {"fixed"}
    assert {p["data"]["fixed_in_cut"] for p in payloads} == {world.cut2.pk}


def test_accepting_a_group_sends_erratum_created(
    receiver, endpoint, quiet_world, creator, django_capture_on_commit_callbacks
):
    world = quiet_world
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(creator).post(
            "/api/errata/", {"finding_ids": [f.pk for f in world.findings_new]}, format="json"
        )
    assert response.status_code == 201
    [received] = receiver.requests
    payload = json.loads(received.body)
    assert payload["event"] == "erratum.created"
    assert payload["data"]["report_count"] == 2
    assert sorted(payload["data"]["findings"]) == sorted(f.pk for f in world.findings_new)


def test_another_teams_events_are_not_sent_to_our_endpoint(
    receiver, endpoint, django_capture_on_commit_callbacks
):
    elsewhere = factories.CutFactory()
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(cut=elsewhere, text="Great video!")
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_an_inactive_endpoint_is_not_sent_to(
    receiver, endpoint, review_link, django_capture_on_commit_callbacks
):
    endpoint.is_active = False
    endpoint.save()
    _post_comment(review_link, django_capture_on_commit_callbacks)
    assert receiver.requests == []


def test_a_rotated_secret_signs_beside_the_old_one_until_the_window_ends(
    receiver, endpoint, review_link, creator, settings, django_capture_on_commit_callbacks
):
    old_secret = endpoint.secret
    response = token_client(creator).post(f"/api/webhooks/{endpoint.pk}/rotate-secret/")
    new_secret = response.json()["secret"]
    assert new_secret != old_secret
    _post_comment(review_link, django_capture_on_commit_callbacks)
    [received] = receiver.requests
    headers = {k.lower(): v for k, v in received.headers.items()}
    assert len(headers["webhook-signature"].split(" ")) == 2
    # A receiver not yet updated still verifies, and so does one already updated.
    assert verify(secret=old_secret, body=received.body, headers=headers)
    assert verify(secret=new_secret, body=received.body, headers=headers)

    # After the window, only the new secret signs.
    endpoint.refresh_from_db()
    endpoint.previous_secret_expires_at = timezone.now() - timedelta(seconds=1)
    endpoint.save()
    _post_comment(review_link, django_capture_on_commit_callbacks)
    later = {k.lower(): v for k, v in receiver.requests[1].headers.items()}
    assert len(later["webhook-signature"].split(" ")) == 1
    assert not verify(secret=old_secret, body=receiver.requests[1].body, headers=later)
    assert verify(secret=new_secret, body=receiver.requests[1].body, headers=later)


def test_a_delivery_captured_and_sent_again_later_is_refused_by_its_timestamp(
    receiver, endpoint, review_link, django_capture_on_commit_callbacks
):
    _post_comment(review_link, django_capture_on_commit_callbacks)
    [received] = receiver.requests
    headers = {k.lower(): v for k, v in received.headers.items()}
    assert verify(secret=endpoint.secret, body=received.body, headers=headers)
    # Sent again an hour later as captured: too old.
    with time_machine_offset(3600):
        assert not verify(secret=endpoint.secret, body=received.body, headers=headers)
    # Sent again with a fresh timestamp: the timestamp is signed, so the signature fails.
    moved = {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)}
    assert not verify(secret=endpoint.secret, body=received.body, headers=moved)


def time_machine_offset(seconds: int):
    """The clock the verifying library reads (datetime.now), moved forward."""
    from datetime import UTC, datetime
    from unittest import mock

    later = datetime.now(tz=UTC) + timedelta(seconds=seconds)
    fake = mock.Mock(wraps=datetime)
    fake.now.return_value = later
    fake.fromtimestamp = datetime.fromtimestamp
    return mock.patch("standardwebhooks.webhooks.datetime", fake)


def test_the_connection_goes_to_the_address_that_was_checked(
    receiver, endpoint, review_link, monkeypatch, django_capture_on_commit_callbacks
):
    """DNS rebinding: the name is resolved once; a second lookup (which a hostile DNS server
    could answer differently) never happens. The TCP connection goes to the checked address
    while the Host header keeps the name."""
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []

    def resolve_once(host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            lookups.append(host)
            assert len(lookups) == 1, "the host was resolved a second time"
            return real_getaddrinfo("127.0.0.1", port, *args, **kwargs)
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve_once)
    endpoint.url = receiver.url.replace("127.0.0.1", "hooks.example.test")
    endpoint.save()
    _post_comment(review_link, django_capture_on_commit_callbacks)
    [received] = receiver.requests
    assert lookups == ["hooks.example.test"]
    assert received.headers["Host"].startswith("hooks.example.test:")
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_the_secret_is_shown_when_made_and_never_listed(creator, team):
    client = token_client(creator)
    made = client.post(
        "/api/webhooks/",
        {"team": team.slug, "url": "https://hooks.example.com/e", "events": ["erratum.fixed"]},
        format="json",
    )
    assert made.status_code == 201
    secret = made.json()["secret"]
    assert secret.startswith("whsec_")
    listed = client.get("/api/webhooks/").json()["results"][0]
    assert "secret" not in listed
    assert listed["secret_hint"] == secret[:10] + "…"


def test_a_url_into_a_private_network_is_refused_when_registering(creator, team, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    client = token_client(creator)
    for url in ["http://127.0.0.1:8000/x", "http://169.254.169.254/latest", "http://localhost/x",
                "http://10.0.0.5/x", "ftp://hooks.example.com/x"]:  # fmt: skip
        response = client.post(
            "/api/webhooks/",
            {"team": team.slug, "url": url, "events": ["erratum.fixed"]},
            format="json",
        )
        assert response.status_code == 400, url
        assert "url" in response.json()["fields"]


def test_a_host_resolving_into_a_private_network_is_not_sent_to(
    receiver, endpoint, review_link, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    endpoint.url = receiver.url.replace("127.0.0.1", "localhost")
    endpoint.save()
    _post_comment(review_link, django_capture_on_commit_callbacks)
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "private network" in delivery.error


def test_a_broker_outage_leaves_the_delivery_pending(
    endpoint, review_link, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from errata.tasks import webhook_deliver_task

    def down(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(webhook_deliver_task, "apply_async", down)
    _post_comment(review_link, django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.get().status == "pending"


def test_a_failure_to_record_deliveries_does_not_fail_the_comment(
    endpoint, review_link, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(webhook_receivers, "deliveries_create_for_event", broken)
    body = _post_comment(review_link, django_capture_on_commit_callbacks)
    assert body["text"] == "At 5:58 'mabye'."
    assert "Could not record webhook deliveries" in caplog.text


def test_an_endpoint_names_only_known_events(team):
    endpoint = factories.WebhookEndpointFactory.build(team=team, events=["comment.deleted"])
    with pytest.raises(ValidationError, match="Events are a list of"):
        endpoint.full_clean()
    endpoint.events = ["comment.created", "erratum.fixed"]
    endpoint.full_clean()
