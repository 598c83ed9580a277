"""Domain events, sent after the transaction that caused them has committed.

Webhooks and notifications listen here instead of each service knowing about them. Receivers get
ids, not rows, and queue work (errata.core.queue) rather than do slow work inline. A receiver
that fails is logged; it never fails the action that sent the event, which has committed.

What an event says about its subject to the outside world (a webhook's `data`) is built by the
API's own serializers, registered here by name (errata/api/payloads.py), so the webhooks
package never reaches up into the API.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

# sender=Comment, comment_id=int
comment_created = Signal()
# sender=Erratum, erratum_id=int, actor_id=int | None
erratum_created = Signal()
# sender=Erratum, erratum_id=int, before=str, after=str, actor_id=int | None
erratum_status_changed = Signal()
# sender=Invitation, invitation_id=int (notifications mails the link)
invitation_created = Signal()


def _send_robust(signal: Signal, sender: type, kwargs: dict) -> None:
    for receiver, result in signal.send_robust(sender=sender, **kwargs):
        if isinstance(result, Exception):
            logger.error(
                "Receiver %s of %s failed",
                getattr(receiver, "__qualname__", receiver),
                sender.__name__,
                exc_info=result,
            )


def send_on_commit(signal: Signal, sender: type, **kwargs: object) -> None:
    """Send once the transaction commits; in eager mode inside a request, after the response
    (the receivers record rows and run tasks in-process: the client need not wait for them)."""
    from errata.core.queue import run_after_response

    transaction.on_commit(
        lambda: run_after_response(lambda: _send_robust(signal, sender, kwargs)), robust=True
    )


# --- Payloads: the public shape of a subject, as the API shows it ------------------------------

PayloadBuilder = Callable[[int], dict | None]
_payload_builders: dict[str, PayloadBuilder] = {}


def payload_builder(subject: str) -> Callable[[PayloadBuilder], PayloadBuilder]:
    """Register how a subject ("comment", "erratum") is shown outside, given its id."""

    def register(builder: PayloadBuilder) -> PayloadBuilder:
        _payload_builders[subject] = builder
        return builder

    return register


def payload(subject: str, pk: int) -> dict | None:
    """The subject as the API shows it, or None when it no longer exists."""
    try:
        builder = _payload_builders[subject]
    except KeyError:
        raise LookupError(f"No payload builder is registered for {subject!r}.") from None
    return builder(pk)
