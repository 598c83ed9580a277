from __future__ import annotations

from django.apps import AppConfig


class ErrataConfig(AppConfig):
    name = "errata"
    verbose_name = "Errata"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the webhook receivers to the domain signals.
        # Connects the receivers that turn domain events into mail.
        from errata import (
            notifications,  # noqa: F401
            webhooks,  # noqa: F401
        )
