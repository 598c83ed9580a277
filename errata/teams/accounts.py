"""How django-allauth makes and updates accounts here (settings: ACCOUNT_ADAPTER and
SOCIALACCOUNT_ADAPTER).

Someone who signs in with Patreon or Google gets their name and picture from there, every time
they sign in (a patron who renames themselves on Patreon is credited by the new name). A new
account with no team is sent to start one, unless it came from a page (a review link) it goes
back to.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from errata.models import Membership, Reviewer, User


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if user.is_authenticated and not Membership.objects.filter(user=user).exists():
            return reverse("errata:studio:welcome")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        # A new account is in no team yet (an invitation, once accepted, puts it in one).
        return reverse("errata:studio:welcome")


def profile_from_provider(provider: str, extra_data: dict) -> tuple[str, str]:
    """(name, picture URL) from what a provider said about the account; blanks when it said
    nothing usable. Patreon's API v2 gives {"attributes": {"full_name", "image_url"}}, Google
    {"name", "picture"}."""
    if not isinstance(extra_data, dict):
        return "", ""
    if provider == "patreon":
        attributes = extra_data.get("attributes")
        if not isinstance(attributes, dict):
            return "", ""
        name = attributes.get("full_name") or attributes.get("vanity") or ""
        picture = attributes.get("image_url") or attributes.get("thumb_url") or ""
    else:
        name, picture = extra_data.get("name") or "", extra_data.get("picture") or ""
    name = " ".join(str(name).split())[:150]
    picture = str(picture)
    if not picture.startswith("https://") or len(picture) > 500:
        picture = ""
    return name, picture


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request: HttpRequest, sociallogin, data: dict) -> User:
        user = super().populate_user(request, sociallogin, data)
        name, picture = profile_from_provider(
            sociallogin.account.provider, sociallogin.account.extra_data
        )
        user.display_name = name or user.display_name
        user.avatar_url = picture or user.avatar_url
        return user

    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        """An existing account signing in again: refresh its name and picture."""
        if not sociallogin.is_existing:
            return
        name, picture = profile_from_provider(
            sociallogin.account.provider, sociallogin.account.extra_data
        )
        user = sociallogin.user
        changes = {}
        if name and name != user.display_name:
            changes["display_name"] = name
        if picture and picture != user.avatar_url:
            changes["avatar_url"] = picture
        if changes:
            User.objects.filter(pk=user.pk).update(**changes)
            for field, value in changes.items():
                setattr(user, field, value)
            if "display_name" in changes:
                # Credits and "my reports" name the reviewer behind the account.
                Reviewer.objects.filter(user=user).update(display_name=name)


def axes_username(request: HttpRequest | None, credentials: dict | None) -> str | None:
    """The account a sign-in attempt names, for django-axes (AXES_USERNAME_CALLABLE). allauth's
    form calls the field `login` (a username or an address) and hands authenticate() `username`
    or `email`; the admin's form says `username`. Lower-cased, so "Creator" and "creator" count
    as one account's failures."""
    sources = [credentials or {}, getattr(request, "POST", None) or {}]
    for source in sources:
        for key in ("username", "email", "login"):
            value = source.get(key)
            if value:
                return str(value).strip().lower()
    return None
