"""Rates per personal token, per review link and per signed-in user, counted in the default cache.
Over the rate the answer is 429 with Retry-After (REST framework adds the header).

The rates are read from settings.API_THROTTLE_RATES on every request (REST framework's own
classes read theirs once at import), so they follow the environment and the tests' overrides.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from errata.models import ApiToken, ReviewLink


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATES[self.scope]


class ApiTokenRateThrottle(_SettingsRateThrottle):
    scope = "token"

    def get_cache_key(self, request: Request, view) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return f"throttle:token:{request.auth.pk}"


class ReviewLinkRateThrottle(_SettingsRateThrottle):
    """All the patrons sharing one link share its rate: the link is the credential."""

    scope = "review_link"

    def get_cache_key(self, request: Request, view) -> str | None:
        if not isinstance(request.auth, ReviewLink):
            return None
        return f"throttle:review_link:{request.auth.pk}"


class SessionUserRateThrottle(_SettingsRateThrottle):
    scope = "user"

    def get_cache_key(self, request: Request, view) -> str | None:
        if request.auth is not None or not request.user.is_authenticated:
            return None
        return f"throttle:user:{request.user.pk}"


class TokenCreateRateThrottle(_SettingsRateThrottle):
    """New personal tokens per person (POST /api/tokens/), on top of the rates above: a stolen
    session or token cannot mint keys by the thousand."""

    scope = "token_create"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATES.get(self.scope, "20/hour")

    def get_cache_key(self, request: Request, view) -> str | None:
        if not request.user.is_authenticated:
            return None
        return f"throttle:token_create:{request.user.pk}"
