"""/accounts/patreon/login/ and .../login/callback/, as allauth names them."""

from __future__ import annotations

from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from errata.patreon.provider import PatreonProvider

urlpatterns = default_urlpatterns(PatreonProvider)
