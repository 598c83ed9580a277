"""The API's representations, registered as the payloads of domain events (webhook bodies), so
a webhook says exactly what GET on the same resource says, and the webhooks package never imports
the API. Registered when the app is ready (errata/apps.py)."""

from __future__ import annotations

from errata.api.selectors import errata_with_findings
from errata.api.serializers import CommentSerializer, ErratumSerializer
from errata.core.events import payload_builder
from errata.models import Comment, Erratum


@payload_builder("comment")
def comment_payload(comment_id: int) -> dict | None:
    comment = Comment.objects.filter(pk=comment_id).first()
    return None if comment is None else dict(CommentSerializer(comment).data)


@payload_builder("erratum")
def erratum_payload(erratum_id: int) -> dict | None:
    erratum = errata_with_findings(Erratum.objects.filter(pk=erratum_id)).first()
    return None if erratum is None else dict(ErratumSerializer(erratum).data)
