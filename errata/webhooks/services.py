"""Webhooks: a team's registered URLs hear about comments and errata as they happen.

Flow: a service sends a domain event after its transaction commits (errata/core/events.py); the
receivers (receivers.py) record one WebhookDelivery per subscribed endpoint, with the body exactly
as it will be sent, and queue the task `errata.webhook_deliver` for each. The task makes one
attempt (delivery_attempt); a transient failure (a timeout, a refused connection, HTTP 408, 429 or
5xx) is retried with exponential backoff up to WEBHOOK_MAX_ATTEMPTS, anything else fails at once.
Every attempt is recorded on the delivery. A replay sends a recorded delivery again, as a new
delivery of the same event. Deliveries whose task was lost (the broker was down) are queued again
by deliveries_sweep. Signing (Standard Webhooks) is in signing.py.

A delivery never follows DNS twice: the host is resolved once, every address it gave is
checked (no loopback, private or link-local address unless WEBHOOK_ALLOW_PRIVATE_NETWORKS),
and the connection is made to the address that was checked, with the host name kept for the
Host header, TLS server name and certificate check. A second lookup at connect time would let a
DNS server answer a public address to the check and 127.0.0.1 to the connection (rebinding).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from errata.core.bulk import rows_delete
from errata.core.errors import ErrataConflict
from errata.core.queue import enqueue, publish
from errata.models import WebhookDelivery, WebhookEndpoint, webhook_secret_new
from errata.webhooks.signing import signed_headers

logger = logging.getLogger(__name__)

DELIVER_TASK = "errata.webhook_deliver"
USER_AGENT = "Errata-Webhooks/1.0"
# Status codes worth trying again: the receiver is busy or briefly broken.
TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}
# Keep this much of a failing receiver's answer, to say why on the delivery.
RESPONSE_EXCERPT = 300
# The longest wait between two attempts.
MAX_BACKOFF_S = 3600


class WebhookTransientError(Exception):
    """This attempt failed in a way that may pass (a timeout, HTTP 503): try again later."""

    def __init__(self, message: str, *, countdown: int):
        super().__init__(message)
        self.countdown = countdown


def retry_countdown(attempt: int) -> int:
    """Seconds to wait after failed attempt number `attempt` (1, 2, ...): the backoff doubles
    from WEBHOOK_RETRY_BACKOFF_SECONDS and is capped at an hour."""
    return min(settings.WEBHOOK_RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_S)


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


def endpoints_listening(*, team_id: int, event: str) -> list[WebhookEndpoint]:
    """The team's active endpoints that want this event (most teams have none: then nothing
    else is done for the event, not even building its payload)."""
    return [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(team_id=team_id, is_active=True)
        if event in endpoint.events
    ]


def deliveries_create_for_event(
    *, endpoints: list[WebhookEndpoint], team_slug: str, event: str, data: dict, **extra
) -> list[WebhookDelivery]:
    """Record one delivery of this event per endpoint, and queue their sending once the records
    are committed. A delivery whose task is lost stays pending for deliveries_sweep."""
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
            enqueue(DELIVER_TASK, delivery.pk)
    return deliveries


def deliveries_sweep(*, older_than_s: int | None = None, limit: int = 500) -> int:
    """Queue again the deliveries whose task was lost: still pending a while after they were
    recorded (the broker was down), or retrying long after their last backoff should have
    ended (a worker died holding the retry). Returns how many were queued; stops at the first
    that cannot be, as the broker is still away."""
    older_than_s = settings.QUEUE_SWEEP_AFTER_SECONDS if older_than_s is None else older_than_s
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_s)
    overdue = now - timedelta(seconds=older_than_s + MAX_BACKOFF_S)
    stuck = (
        WebhookDelivery.objects.filter(
            Q(status=WebhookDelivery.Status.PENDING, created_at__lte=cutoff)
            | Q(status=WebhookDelivery.Status.RETRYING, last_attempt_at__lte=overdue)
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    for delivery_id in stuck:
        if not publish(DELIVER_TASK, delivery_id):
            break
        queued += 1
    return queued


def deliveries_expire(*, now=None) -> int:
    """Delete finished deliveries (delivered or given up) older than RETENTION_DELIVERIES_DAYS.
    Pending and retrying ones stay, whatever their age."""
    now = now or timezone.now()
    return rows_delete(
        WebhookDelivery.objects.filter(
            status__in=(WebhookDelivery.Status.SUCCEEDED, WebhookDelivery.Status.FAILED),
            created_at__lt=now - timedelta(days=settings.RETENTION_DELIVERIES_DAYS),
        )
    )


def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a recorded delivery again: a new delivery of the same event (same event id and
    body), to the endpoint's current URL with its current secret."""
    endpoint = WebhookEndpoint.objects.get(pk=delivery.endpoint_id)
    if not endpoint.is_active:
        raise ErrataConflict(_("This webhook endpoint is turned off; turn it on to replay."))
    with transaction.atomic():
        replay = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=delivery.event,
            event_id=delivery.event_id,
            body=delivery.body,
            replay_of=delivery,
        )
        enqueue(DELIVER_TASK, replay.pk)
    return replay


class _BlockedAddress(Exception):
    pass


def _checked_address(host: str, port: int) -> str:
    """Resolve `host` once and return the address to connect to, after checking every address
    it resolves to (one private address among public ones is refused too)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise WebhookTransientError(f"DNS lookup failed for {host}: {error}", countdown=0) from None
    if not infos:
        raise WebhookTransientError(f"DNS lookup found no address for {host}", countdown=0)
    if not settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        for info in infos:
            address = ipaddress.ip_address(info[4][0])
            if not address.is_global:
                raise _BlockedAddress(f"{host} resolves to {address}, inside a private network.")
    return str(infos[0][4][0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to an address already resolved and checked; the Host header still
    names the host."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked against the host name (SNI included),
    while the TCP connection goes to the checked address."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


@dataclass(frozen=True)
class AttemptResult:
    status: str
    response_code: int | None
    error: str


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, bool]:
    """One POST, to the address checked. Returns (status code, error, transient)."""
    endpoint = delivery.endpoint
    parts = urlsplit(endpoint.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None, "Only http:// and https:// URLs are sent to.", False
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None, "The URL's port is not a number from 0 to 65535.", False
    now = timezone.now()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Errata-Event": delivery.event,
        "X-Errata-Delivery": str(delivery.pk),
        **signed_headers(
            secrets_in_use=endpoint.secrets_in_use(now=now),
            msg_id=str(delivery.event_id),
            timestamp=int(time.time()),
            body=delivery.body,
        ),
    }
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        address = _checked_address(parts.hostname, port)
        connection = connection_class(
            parts.hostname, port, address=address, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
        )
        try:
            connection.request("POST", path, body=delivery.body.encode(), headers=headers)
            response = connection.getresponse()
            excerpt = response.read(RESPONSE_EXCERPT).decode(errors="replace").strip()
        finally:
            connection.close()
    except _BlockedAddress as error:
        return None, str(error), False
    except WebhookTransientError as error:
        return None, str(error), True
    except (TimeoutError, ConnectionError, OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}", True
    if 200 <= response.status < 300:
        return response.status, "", False
    # A redirect is not followed: it would re-send a signed body somewhere else.
    message = f"HTTP {response.status}" + (f": {excerpt}" if excerpt else "")
    return response.status, message, response.status in TRANSIENT_STATUS


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
    """A new secret signs from now on; the old one signs too (a second signature) for
    WEBHOOK_SECRET_ROTATION_HOURS, so a receiver can be updated without missing a delivery."""
    with transaction.atomic():
        current = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            secret=webhook_secret_new(),
            previous_secret=current.secret,
            previous_secret_expires_at=timezone.now()
            + timedelta(hours=settings.WEBHOOK_SECRET_ROTATION_HOURS),
        )
    endpoint.refresh_from_db(fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint
