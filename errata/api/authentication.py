"""Who is calling: a person's API token, a patron's review link, or the page's session.

    Authorization: Bearer errata_...      (also "Token errata_...")
    Authorization: ReviewLink <token>     (the token of a review link; comments on one cut only)

A review link is not a user: request.user stays anonymous and request.auth is the ReviewLink,
which the permissions allow onto the comment endpoints of that link's cut only.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.request import Request

from errata.api.tokens import api_token_authenticate
from errata.models import ReviewLink


def _credentials(request: Request, keywords: tuple[bytes, ...]) -> str | None:
    """The credential after one of these keywords in the Authorization header, or None when the
    header uses another scheme (another authentication class may understand it)."""
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() not in keywords:
        return None
    if len(parts) != 2:
        raise AuthenticationFailed(
            f"Write the Authorization header as '{parts[0].decode(errors='replace')} <key>'."
        )
    try:
        return parts[1].decode("ascii")
    except UnicodeDecodeError:
        raise AuthenticationFailed("The credential has characters no key has.") from None


class ApiTokenAuthentication(BaseAuthentication):
    keywords = (b"bearer", b"token")

    def authenticate(self, request: Request):
        key = _credentials(request, self.keywords)
        if key is None:
            return None
        token = api_token_authenticate(key=key)
        if token is None:
            raise AuthenticationFailed("This API token is not valid: unknown, revoked or expired.")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when no credentials were given.
        return 'Bearer realm="errata"'


class ReviewLinkAuthentication(BaseAuthentication):
    keywords = (b"reviewlink",)

    def authenticate(self, request: Request):
        token = _credentials(request, self.keywords)
        if token is None:
            return None
        link = ReviewLink.objects.select_related("cut__video").filter(token=token).first()
        if link is None:
            raise AuthenticationFailed("This review link does not exist.")
        if link.revoked_at is not None:
            raise AuthenticationFailed("This review link was revoked.")
        if not link.is_active():
            raise AuthenticationFailed("This review link has expired.")
        if link.patreon_required:
            # The link's token alone does not prove a Patreon membership; its page does.
            raise AuthenticationFailed(
                "This review link is for the creator's patrons: open it in a browser and sign "
                "in with Patreon."
            )
        return AnonymousUser(), link


# A patron's client sends back the key it got when it first posted, to post and read as the same
# person (their own comments, when the creator hides others').
REVIEWER_HEADER = "X-Errata-Reviewer"


def reviewer_key_from(request: Request) -> UUID | None:
    raw = request.headers.get(REVIEWER_HEADER, "").strip()
    if not raw:
        return None
    try:
        return UUID(raw)
    except ValueError:
        raise ValidationError({REVIEWER_HEADER: "This is not a reviewer key."}) from None


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "errata.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token: `Authorization: Bearer errata_...`.",
        }


class ReviewLinkScheme(OpenApiAuthenticationExtension):
    target_class = "errata.api.authentication.ReviewLinkAuthentication"
    name = "reviewLink"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A review link's token, for a patron's client: `Authorization: ReviewLink "
                "<token>`. Reads and posts comments on that link's cut only."
            ),
        }
