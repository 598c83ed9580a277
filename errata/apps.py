"""The app's configuration; ready() connects the domain events' receivers."""

from __future__ import annotations

from django.apps import AppConfig


class ErrataConfig(AppConfig):
    name = "errata"
    verbose_name = "Errata"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connect the receivers that turn domain events (errata.core.events) into webhook
        # deliveries and mail, and register the API's representations as event payloads.
        from errata.api import payloads  # noqa: F401

        # Carries a request's id into the Celery tasks it queues (signal receivers).
        from errata.core import requestid  # noqa: F401
        from errata.notifications import receivers as notification_receivers  # noqa: F401
        from errata.webhooks import receivers as webhook_receivers  # noqa: F401
