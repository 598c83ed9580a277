"""Recording a comment's webhook deliveries after its commit survives a dropped connection."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from errata.models import WebhookDelivery
from errata.reviews.services import comment_create
from errata.webhooks import receivers
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_after_the_commit_is_opened_again_and_the_delivery_recorded(
    cut, monkeypatch
):
    factories.WebhookEndpointFactory(team=cut.video.team, events=["comment.created"])
    real = receivers.deliveries_create_for_event
    calls = []

    def dropped_once(**kwargs):
        calls.append(kwargs["event"])
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(receivers, "deliveries_create_for_event", dropped_once)
    monkeypatch.setattr("errata.webhooks.services.enqueue", lambda *a, **k: None)
    comment = comment_create(cut=cut, text="At 1:00 'nueron'.")
    assert calls == ["comment.created", "comment.created"]
    assert WebhookDelivery.objects.filter(event="comment.created").count() == 1
    assert comment.pk


@pytest.mark.django_db(transaction=True)
def test_a_database_that_stays_away_is_logged_not_raised_into_the_request(cut, monkeypatch, caplog):
    factories.WebhookEndpointFactory(team=cut.video.team, events=["comment.created"])
    tries = []

    def down(**kwargs):
        tries.append(1)
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(receivers, "deliveries_create_for_event", down)
    monkeypatch.setattr(receivers, "RECORD_RETRY_PAUSES_S", (0.0, 0.0))
    comment = comment_create(cut=cut, text="At 1:00 'nueron'.")
    assert comment.pk  # the comment is stored and answered
    assert "Could not record webhook deliveries" in caplog.text
    assert len(tries) == 3
    assert WebhookDelivery.objects.count() == 0
