"""django-allauth's Patreon provider with Errata's adapter (views.py), whose addresses come from
PATREON_BASE_URL; allauth finds this package's urls.py and views.py through `package`.
Configured by SOCIALACCOUNT_PROVIDERS["patreon"]["provider_class"]."""

from __future__ import annotations

from allauth.socialaccount.providers.patreon.provider import (
    PatreonProvider as AllauthPatreonProvider,
)

from errata.patreon.views import PatreonOAuth2Adapter


class PatreonProvider(AllauthPatreonProvider):
    package = "errata.patreon"
    oauth2_adapter_class = PatreonOAuth2Adapter

    def get_default_scope(self) -> list[str]:
        # identity.memberships: the patron's memberships of other people's campaigns (ours).
        return ["identity", "identity[email]", "identity.memberships"]


provider_classes = [PatreonProvider]
