"""Signed links in messages: one-click unsubscribe, and a patron's "my reports" page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse

from errata.models import Membership, Reviewer, ReviewLink

UNSUBSCRIBE_SALT = "errata.notifications.unsubscribe"


REPORTS_SALT = "errata.notifications.reports"


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def unsubscribe_token(
    *, reviewer: Reviewer | None = None, membership: Membership | None = None
) -> str:
    """A signed, non-expiring token naming whose mail stops: a patron (by reviewer key) or one
    team membership's digest. Signed, not stored: nothing to look up but the signature."""
    if reviewer is not None:
        payload = {"reviewer": str(reviewer.key)}
    elif membership is not None:
        payload = {"membership": membership.pk}
    else:
        raise ValueError("Name a reviewer or a membership.")
    return signing.dumps(payload, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(
    *, reviewer: Reviewer | None = None, membership: Membership | None = None
) -> str:
    token = unsubscribe_token(reviewer=reviewer, membership=membership)
    return absolute_url(reverse("errata:unsubscribe", args=[token]))


@dataclass(frozen=True)
class UnsubscribeTarget:
    """Whose mail an unsubscribe link stops."""

    reviewer: Reviewer | None = None
    membership: Membership | None = None

    @property
    def done(self) -> bool:
        if self.reviewer is not None:
            return self.reviewer.unsubscribed_at is not None
        return self.membership.digest == Membership.Digest.OFF

    @property
    def what(self) -> str:
        if self.reviewer is not None:
            return "news about the reports you made"
        return f"the digest of new comments for {self.membership.team.name}"

    @property
    def address(self) -> str:
        if self.reviewer is not None:
            return self.reviewer.email
        return self.membership.user.email


def unsubscribe_target(token: str) -> UnsubscribeTarget | None:
    """The target of a token, or None for a forged, mangled or outdated one."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    if "reviewer" in payload:
        reviewer = Reviewer.objects.filter(key=payload["reviewer"]).first()
        return UnsubscribeTarget(reviewer=reviewer) if reviewer else None
    if "membership" in payload:
        membership = (
            Membership.objects.select_related("team", "user")
            .filter(pk=payload["membership"])
            .first()
        )
        return UnsubscribeTarget(membership=membership) if membership else None
    return None


def reports_token(*, reviewer: Reviewer) -> str:
    """Proof, carried in a link we mailed, that the bearer may read this reviewer's reports."""
    return signing.dumps({"reviewer": str(reviewer.key)}, salt=REPORTS_SALT)


def reviewer_from_reports_token(token: str) -> Reviewer | None:
    try:
        payload = signing.loads(token, salt=REPORTS_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or "reviewer" not in payload:
        return None
    return Reviewer.objects.filter(key=payload["reviewer"]).first()


def reports_url(*, review_link: ReviewLink, reviewer: Reviewer) -> str:
    path = reverse("errata:review-mine", args=[review_link.token])
    return absolute_url(f"{path}?{urlencode({'k': reports_token(reviewer=reviewer)})}")
