"""Where a webhook or a chat channel may point: an http(s) URL outside the server's own network
(unless WEBHOOK_ALLOW_PRIVATE_NETWORKS). The address a host name resolves to is checked again
when sending (services._check_address)."""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

from django.conf import settings


def webhook_url_refusal(url: str) -> str:
    """Why this URL cannot receive webhooks, or "" when it can."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "Use an http:// or https:// URL."
    if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return ""
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return "A webhook cannot point at this server."
    try:
        address = ip_address(host)
    except ValueError:
        return ""
    if not address.is_global:
        return "A webhook cannot point into a private network."
    return ""
