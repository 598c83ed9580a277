"""Webhooks: a team's registered URLs hear about comments and errata as they happen.

Flow: a service sends a domain signal after its transaction commits (errata/signals.py); the
receivers here record one WebhookDelivery per subscribed endpoint, with the body exactly as it
will be sent, and queue the Celery task `errata.webhook_deliver` for each once that is committed.
The task makes one attempt (delivery_attempt); a transient failure (a timeout, a refused
connection, HTTP 408, 429 or 5xx) is retried with exponential backoff up to
WEBHOOK_MAX_ATTEMPTS, anything else fails at once. Every attempt is recorded on the delivery.
A replay sends a recorded delivery again, as a new delivery of the same event.

Signing (also in the README): the body is JSON; the receiver checks

    X-Errata-Signature: sha256=<hex of HMAC-SHA256(endpoint secret, raw request body)>

with a constant-time comparison, before parsing the body. X-Errata-Event-Id (also the body's
"id") is the same in every delivery of one event, replays included, so a receiver can ignore
events it has handled; X-Errata-Timestamp is when this attempt was sent (Unix seconds).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from errata import signals
from errata.models import (
    Comment,
    Erratum,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    webhook_secret_new,
)
from errata.services import ErrataConflict

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Errata-Signature"
USER_AGENT = "Errata-Webhooks/1.0"
# Status codes worth trying again: the receiver is busy or briefly broken.
TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}
# Keep this much of a failing receiver's answer, to say why on the delivery.
RESPONSE_EXCERPT = 300
MAX_BACKOFF_S = 3600


class WebhookTransientError(Exception):
    """This attempt failed in a way that may pass (a timeout, HTTP 503): try again later."""

    def __init__(self, message: str, *, countdown: int):
        super().__init__(message)
        self.countdown = countdown


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (in Python): compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header or "")


def retry_countdown(attempt: int) -> int:
    """Seconds to wait after failed attempt number `attempt` (1, 2, ...): the backoff doubles
    from WEBHOOK_RETRY_BACKOFF_SECONDS and is capped at an hour."""
    return min(settings.WEBHOOK_RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_S)


# --- Recording events ---------------------------------------------------------------------------


def event_body(*, event: str, event_id: uuid.UUID, team_slug: str, data: dict, **extra) -> str:
    payload = {
        "id": str(event_id),
        "event": event,
        "created_at": timezone.now().isoformat(),
        "team": team_slug,
        **extra,
        "data": data,
    }
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def deliveries_create_for_event(
    *, team_id: int, team_slug: str, event: str, data: dict, **extra
) -> list[WebhookDelivery]:
    """Record one delivery of this event per active endpoint of the team that wants it, and
    queue their sending once the records are committed."""
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(team_id=team_id, is_active=True)
        if event in endpoint.events
    ]
    if not endpoints:
        return []
    event_id = uuid.uuid4()
    body = event_body(event=event, event_id=event_id, team_slug=team_slug, data=data, **extra)
    with transaction.atomic():
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(endpoint=endpoint, event=event, event_id=event_id, body=body)
                for endpoint in endpoints
            ]
        )
        for delivery in deliveries:
            _queue_on_commit(delivery.pk)
    return deliveries


def _queue_on_commit(delivery_id: int) -> None:
    transaction.on_commit(lambda: delivery_queue(delivery_id=delivery_id))


def delivery_queue(*, delivery_id: int) -> bool:
    """Send a delivery to the worker. False when the broker could not be reached: the delivery
    stays pending and can be replayed."""
    from kombu.exceptions import OperationalError

    from errata.tasks import webhook_deliver_task

    try:
        webhook_deliver_task.apply_async(args=[delivery_id], retry=False)
    except OperationalError:
        logger.warning("Broker unreachable; webhook delivery %s left pending", delivery_id)
        return False
    return True


def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a recorded delivery again: a new delivery of the same event (same event id and
    body), to the endpoint's current URL with its current secret."""
    endpoint = WebhookEndpoint.objects.get(pk=delivery.endpoint_id)
    if not endpoint.is_active:
        raise ErrataConflict("This webhook endpoint is turned off; turn it on to replay.")
    with transaction.atomic():
        replay = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=delivery.event,
            event_id=delivery.event_id,
            body=delivery.body,
            replay_of=delivery,
        )
        _queue_on_commit(replay.pk)
    return replay


def _erratum_data(erratum_id: int) -> tuple[Erratum, dict]:
    from errata.api import selectors
    from errata.api.serializers import ErratumSerializer

    erratum = selectors.errata_with_findings(Erratum.objects.select_related("video__team")).get(
        pk=erratum_id
    )
    return erratum, dict(ErratumSerializer(erratum).data)


def _best_effort(receiver_function: Callable) -> Callable:
    """A receiver runs after the action's transaction committed: the comment or erratum exists
    whatever happens here, so a failure to record its webhooks is logged, not raised into the
    request that made it."""

    @functools.wraps(receiver_function)
    def wrapper(*args, **kwargs) -> None:
        try:
            receiver_function(*args, **kwargs)
        except Exception:
            logger.exception("Could not record webhook deliveries (%s)", receiver_function.__name__)

    return wrapper


@receiver(signals.comment_created, dispatch_uid="webhooks_comment_created")
@_best_effort
def on_comment_created(sender, comment_id: int, **kwargs) -> None:
    from errata.api.serializers import CommentSerializer

    comment = Comment.objects.select_related("cut__video__team").filter(pk=comment_id).first()
    if comment is None:
        return
    team = comment.cut.video.team
    deliveries_create_for_event(
        team_id=team.pk,
        team_slug=team.slug,
        event=WebhookEvent.COMMENT_CREATED,
        data=dict(CommentSerializer(comment).data),
        video=comment.cut.video.slug,
    )


@receiver(signals.erratum_created, dispatch_uid="webhooks_erratum_created")
@_best_effort
def on_erratum_created(sender, erratum_id: int, **kwargs) -> None:
    erratum, data = _erratum_data(erratum_id)
    deliveries_create_for_event(
        team_id=erratum.video.team_id,
        team_slug=erratum.video.team.slug,
        event=WebhookEvent.ERRATUM_CREATED,
        data=data,
        video=erratum.video.slug,
    )


@receiver(signals.erratum_status_changed, dispatch_uid="webhooks_erratum_status_changed")
@_best_effort
def on_erratum_status_changed(sender, erratum_id: int, before: str, after: str, **kwargs) -> None:
    erratum, data = _erratum_data(erratum_id)
    events = [WebhookEvent.ERRATUM_STATUS_CHANGED]
    if after == Erratum.Status.FIXED:
        events.append(WebhookEvent.ERRATUM_FIXED)
    for event in events:
        deliveries_create_for_event(
            team_id=erratum.video.team_id,
            team_slug=erratum.video.team.slug,
            event=event,
            data=data,
            video=erratum.video.slug,
            previous_status=before,
        )


# --- Sending ------------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the receiver's misconfiguration: following it would re-send a signed body
    somewhere else. It is reported as a failure instead."""

    def redirect_request(self, *args, **kwargs):
        return None


# No proxies from the environment: the address checked below is the address connected to.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


class _BlockedAddress(Exception):
    pass


def _check_address(url: str) -> None:
    if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise WebhookTransientError(f"DNS lookup failed for {host}: {error}", countdown=0) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise _BlockedAddress(f"{host} resolves to {address}, inside a private network.")


@dataclass(frozen=True)
class AttemptResult:
    status: str
    response_code: int | None
    error: str


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, bool]:
    """One POST. Returns (status code, error, transient)."""
    endpoint = delivery.endpoint
    if urlsplit(endpoint.url).scheme not in ("http", "https"):
        return None, "Only http:// and https:// URLs are sent to.", False
    body = delivery.body.encode()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Errata-Event": delivery.event,
            "X-Errata-Event-Id": str(delivery.event_id),
            "X-Errata-Delivery": str(delivery.pk),
            "X-Errata-Timestamp": str(int(time.time())),
            SIGNATURE_HEADER: sign(endpoint.secret, body),
        },
    )
    try:
        _check_address(endpoint.url)
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status, "", False
    except _BlockedAddress as error:
        return None, str(error), False
    except urllib.error.HTTPError as error:
        excerpt = error.read(RESPONSE_EXCERPT).decode(errors="replace").strip()
        message = f"HTTP {error.code}" + (f": {excerpt}" if excerpt else "")
        return error.code, message, error.code in TRANSIENT_STATUS
    except WebhookTransientError as error:
        return None, str(error), True
    except (
        urllib.error.URLError,
        TimeoutError,
        ConnectionError,
        http.client.HTTPException,
    ) as error:
        reason = getattr(error, "reason", error)
        return None, f"{type(reason).__name__}: {reason}", True


def delivery_attempt(*, delivery_id: int) -> AttemptResult:
    """Make one attempt at a delivery and record it. Raises WebhookTransientError (with the
    backoff to wait) when it failed in a way worth retrying and attempts remain. A delivery
    already delivered is not sent again, so a duplicated task is harmless."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status in (WebhookDelivery.Status.SUCCEEDED, WebhookDelivery.Status.FAILED):
        return AttemptResult(delivery.status, delivery.response_code, delivery.error)

    code, error, transient = _post(delivery)
    attempts = delivery.attempts + 1
    now = timezone.now()
    if code is not None and 200 <= code < 300:
        status = WebhookDelivery.Status.SUCCEEDED
    elif transient and attempts < settings.WEBHOOK_MAX_ATTEMPTS:
        status = WebhookDelivery.Status.RETRYING
    else:
        status = WebhookDelivery.Status.FAILED
        if code is not None and 300 <= code < 400:
            error = f"HTTP {code}: redirects are not followed; register the final URL."
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        attempts=attempts,
        response_code=code,
        error=error[:2000],
        last_attempt_at=now,
        delivered_at=now if status == WebhookDelivery.Status.SUCCEEDED else None,
    )
    if status == WebhookDelivery.Status.RETRYING:
        raise WebhookTransientError(error, countdown=retry_countdown(attempts))
    return AttemptResult(status, code, error)


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=webhook_secret_new())
    endpoint.refresh_from_db(fields=["secret"])
    return endpoint
