"""Domain events, sent after the transaction that caused them has committed.

Webhooks and notifications listen here instead of each service knowing about them. Receivers get
ids, not rows, and should queue a Celery task rather than do slow work inline.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

# sender=Comment, comment_id=int
comment_created = Signal()
# sender=Erratum, erratum_id=int, actor_id=int | None
erratum_created = Signal()
# sender=Erratum, erratum_id=int, before=str, after=str, actor_id=int | None
erratum_status_changed = Signal()


def send_on_commit(signal: Signal, sender: type, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=sender, **kwargs))
