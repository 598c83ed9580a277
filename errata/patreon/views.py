"""The OAuth2 adapter allauth's Patreon views run with (allauth needs this module's name and
its oauth2_login / oauth2_callback). Its addresses follow PATREON_BASE_URL, so the tests point
the whole sign-in at a stand-in on 127.0.0.1 and production at www.patreon.com."""

from __future__ import annotations

from allauth.socialaccount.providers.oauth2.views import (
    OAuth2Adapter,
    OAuth2CallbackView,
    OAuth2LoginView,
)
from django.conf import settings
from django.http import HttpRequest

from errata.patreon.client import PatreonError, identity_get


class PatreonOAuth2Adapter(OAuth2Adapter):
    provider_id = "patreon"

    @property
    def access_token_url(self) -> str:
        return f"{settings.PATREON_BASE_URL}/api/oauth2/token"

    @property
    def authorize_url(self) -> str:
        return f"{settings.PATREON_BASE_URL}/oauth2/authorize"

    def complete_login(self, request: HttpRequest, app, token, **kwargs):
        """The account is the identity's user object (API v2), as allauth's own adapter keeps
        it: {"id", "attributes": {"full_name", "email", "image_url", ...}}."""
        try:
            identity = identity_get(access_token=token.token)
        except PatreonError as error:
            from allauth.socialaccount.providers.oauth2.client import OAuth2Error

            raise OAuth2Error(f"Patreon did not say who this is: {error}") from error
        return self.get_provider().sociallogin_from_response(request, identity.user)


oauth2_login = OAuth2LoginView.adapter_view(PatreonOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(PatreonOAuth2Adapter)
