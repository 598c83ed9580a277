"""Per-viewer rate limits, counted in Django's cache.

Fair behind NAT: a campus or a household shares one IP address, so the address is not who is
posting. Each post counts against the viewer first: their reviewer key once they have posted, or
before that the guest cookie the review page gives every new browser (`errata_guest`, signed,
random, for that link only); a client that never loaded the page (a script without cookies)
counts against its address with the per-viewer limit. The address as a whole has only a
generous ceiling (REVIEW_POSTS_PER_MINUTE_PER_IP), which is what still refuses a flood from a
script that loads the page for a fresh cookie every time.

Fixed one-minute windows: simple, cheap (one `add` and one `incr` per counter). A refused
attempt still counts, so hammering does not help. The cache must be shared by every web process
for the limits to be exact (settings: Redis when CACHE_URL is set).
"""

from __future__ import annotations

import ipaddress
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext

WINDOW_S = 60

GUEST_COOKIE = "errata_guest"
GUEST_COOKIE_SALT = "errata.review.guest"
GUEST_COOKIE_MAX_AGE = 30 * 24 * 3600


@dataclass(frozen=True)
class RateLimited:
    """A refusal: which counter ran out, and in how many seconds it starts again."""

    scope: str
    retry_after_s: int

    @property
    def message(self) -> str:
        return ngettext(
            "You are posting faster than we can take it. Please wait %(count)s second and "
            "try again.",
            "You are posting faster than we can take it. Please wait %(count)s seconds and "
            "try again.",
            self.retry_after_s,
        ) % {"count": self.retry_after_s}


def client_ip(request: HttpRequest) -> str:
    """The address to count against. Behind one trusted proxy, the last X-Forwarded-For entry
    is the one that proxy saw; otherwise the header is ignored (a client could type anything)."""
    return login_client_ip(request) or "unknown"


def login_client_ip(request: HttpRequest) -> str | None:
    """The client's address as django-axes records it (AXES_CLIENT_IP_CALLABLE): a valid IP
    address or None, never text a database's address column would refuse (a request made by
    force_login in a test, or a forwarded hop that is not an address)."""
    candidates = []
    if settings.RATE_LIMIT_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        candidates += hops[-1:]
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def _hit(key: str, limit: int, now: float) -> int | None:
    """Count one attempt on `key`; seconds until the window ends when over `limit`."""
    window = int(now // WINDOW_S)
    cache_key = f"rl:{key}:{window}"
    # add() creates the counter only when missing, so concurrent first hits do not reset it.
    cache.add(cache_key, 0, timeout=WINDOW_S + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # Evicted between add and incr: start again (this attempt counts as the first).
        cache.set(cache_key, 1, timeout=WINDOW_S + 5)
        count = 1
    if count > limit:
        return max(1, int((window + 1) * WINDOW_S - now))
    return None


def guest_key(request: HttpRequest) -> str:
    """The guest cookie of a browser that has not posted yet, or ""."""
    return request.get_signed_cookie(GUEST_COOKIE, default="", salt=GUEST_COOKIE_SALT) or ""


def guest_cookie_give(request: HttpRequest, response: HttpResponse, *, path: str) -> None:
    """Give a new browser its guest cookie (for the link at `path`), so its first posts count
    against it rather than against everyone behind its address."""
    if guest_key(request):
        return
    response.set_signed_cookie(
        GUEST_COOKIE,
        secrets.token_urlsafe(16),
        salt=GUEST_COOKIE_SALT,
        max_age=GUEST_COOKIE_MAX_AGE,
        path=path,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def review_post_limit_hit(*, request: HttpRequest, viewer_key: str) -> RateLimited | None:
    """Count one post (comment, reply, me-too) by a viewer on the review pages; a RateLimited
    when the viewer, or their IP address as a whole, is over the limit."""
    now = time.time()
    ip = client_ip(request)
    over_ip = _hit(f"review-ip:{ip}", settings.REVIEW_POSTS_PER_MINUTE_PER_IP, now)
    # A viewer is a reviewer key; before they have one, their guest cookie; without that
    # either (no browser that loaded the page), their address.
    guest = guest_key(request)
    viewer = viewer_key or (f"guest:{guest}" if guest else f"new:{ip}")
    over_viewer = _hit(f"review-viewer:{viewer}", settings.REVIEW_POSTS_PER_MINUTE, now)
    if over_viewer is not None:
        return RateLimited(scope="viewer", retry_after_s=over_viewer)
    if over_ip is not None:
        return RateLimited(scope="ip", retry_after_s=over_ip)
    return None


def review_post_count_new_viewer(*, viewer_key: str) -> None:
    """A guest's first post was counted against their address (they had no key yet); count it
    against their new key too, so their per-viewer limit starts from one."""
    _hit(f"review-viewer:{viewer_key}", settings.REVIEW_POSTS_PER_MINUTE, time.time())


# "Before you post" lookups run triage on each pause in typing: generous for a person typing,
# a wall for a script.
REVIEW_LOOKUPS_PER_MINUTE_PER_IP = 120


def review_lookup_limit_hit(*, request: HttpRequest) -> RateLimited | None:
    over = _hit(
        f"review-lookup:{client_ip(request)}", REVIEW_LOOKUPS_PER_MINUTE_PER_IP, time.time()
    )
    return RateLimited(scope="ip", retry_after_s=over) if over is not None else None
