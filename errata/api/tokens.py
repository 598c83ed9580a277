"""Personal API tokens: made with a random key that is shown once, stored as a hash, revoked by
setting a date (the row stays, so lists still say which key was used and when)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from errata.models import ApiToken, User

# Enough for a handful of scripts and machines per person; more is usually forgotten keys.
TOKENS_PER_USER = 50


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # the only time the key exists outside the client


def api_token_create(*, user: User, name: str, expires_at: datetime | None = None) -> NewToken:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the token after what uses it (a script, a machine)."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if active >= TOKENS_PER_USER:
        raise ValidationError(
            f"You have {active} active tokens, the most allowed; revoke one you no longer use."
        )
    key = ApiToken.KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=key[: ApiToken.PREFIX_LENGTH],
        key_hash=ApiToken.hash_key(key),
        expires_at=expires_at,
    )
    return NewToken(token=token, key=key)


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token; revoking it again keeps the first date."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The active token with this key, or None. Marks it used at most once a minute, so a busy
    script does not write a row on every request."""
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    now = timezone.now()
    if token is None or not token.is_active(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
