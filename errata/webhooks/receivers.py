"""Domain events to webhook deliveries. Payloads are the API's own representations, built
through errata.core.events (the API registers them), and only when an endpoint listens."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connection
from django.dispatch import receiver

from errata.core.events import (
    comment_created,
    erratum_created,
    erratum_status_changed,
    payload,
)
from errata.models import Comment, Erratum, WebhookEvent
from errata.webhooks.channels import CHAT_KINDS, chat_deliveries_create, status_message
from errata.webhooks.services import deliveries_create_for_event, endpoints_listening

logger = logging.getLogger(__name__)


# Tries at recording an event's deliveries when the database connection drops, and the pause
# before each new try: a restart or a failover usually takes a moment, not the request's life.
RECORD_RETRY_PAUSES_S = (0.1, 0.5)


def _best_effort(receiver_function: Callable) -> Callable:
    """A receiver runs after the action's transaction committed: the comment or erratum exists
    whatever happens here, so a failure to record its webhooks is logged, not raised into the
    request that made it. A database connection that dropped in between (a restart, a network
    cut) is opened again and the recording tried again, twice, or the event would be lost: it is
    recorded in a transaction of its own after the action's (errata.core.events)."""

    @functools.wraps(receiver_function)
    def wrapper(*args, **kwargs) -> None:
        pauses = list(RECORD_RETRY_PAUSES_S)
        while True:
            try:
                receiver_function(*args, **kwargs)
            except (OperationalError, InterfaceError):
                if not pauses or connection.in_atomic_block:
                    logger.exception(
                        "Could not record webhook deliveries (%s)", receiver_function.__name__
                    )
                    return
                logger.warning("Database connection lost; recording webhook deliveries again")
                connection.close()
                time.sleep(pauses.pop(0))
            except Exception:
                logger.exception(
                    "Could not record webhook deliveries (%s)", receiver_function.__name__
                )
                return
            else:
                return

    return wrapper


@receiver(comment_created, dispatch_uid="webhooks_comment_created")
@_best_effort
def on_comment_created(sender, comment_id: int, **kwargs) -> None:
    comment = Comment.objects.select_related("cut__video__team").filter(pk=comment_id).first()
    if comment is None:
        return
    team = comment.cut.video.team
    endpoints = endpoints_listening(team_id=team.pk, event=WebhookEvent.COMMENT_CREATED)
    if not endpoints:
        return
    data = payload("comment", comment_id)
    if data is None:
        return
    deliveries_create_for_event(
        endpoints=endpoints,
        team_slug=team.slug,
        event=WebhookEvent.COMMENT_CREATED,
        data=data,
        video=comment.cut.video.slug,
    )


def _erratum_events(erratum_id: int, events: list[str], **extra) -> None:
    erratum = (
        Erratum.objects.select_related("video__team", "fixed_in_cut").filter(pk=erratum_id).first()
    )
    if erratum is None:
        return
    team = erratum.video.team
    listening: dict[str, list] = {}
    for event in events:
        endpoints = endpoints_listening(team_id=team.pk, event=event)
        chats = [e for e in endpoints if e.kind in CHAT_KINDS]
        if chats and event == WebhookEvent.ERRATUM_STATUS_CHANGED:
            # Discord and Slack get a message in their own format, not Errata's JSON.
            message = status_message(erratum=erratum, before=extra.get("previous_status", ""))
            chat_deliveries_create(endpoints=chats, event=event, message=message)
        if generic := [e for e in endpoints if e.kind not in CHAT_KINDS]:
            listening[event] = generic
    if not listening:
        return
    data = payload("erratum", erratum_id)
    if data is None:
        return
    for event, endpoints in listening.items():
        deliveries_create_for_event(
            endpoints=endpoints,
            team_slug=team.slug,
            event=event,
            data=data,
            video=erratum.video.slug,
            **extra,
        )


@receiver(erratum_created, dispatch_uid="webhooks_erratum_created")
@_best_effort
def on_erratum_created(sender, erratum_id: int, **kwargs) -> None:
    _erratum_events(erratum_id, [WebhookEvent.ERRATUM_CREATED])


@receiver(erratum_status_changed, dispatch_uid="webhooks_erratum_status_changed")
@_best_effort
def on_erratum_status_changed(sender, erratum_id: int, before: str, after: str, **kwargs) -> None:
    events = [WebhookEvent.ERRATUM_STATUS_CHANGED]
    if after == Erratum.Status.FIXED:
        events.append(WebhookEvent.ERRATUM_FIXED)
    _erratum_events(erratum_id, events, previous_status=before)
