"""Accounts, teams, memberships, and the personal API tokens of accounts."""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """An account: a creator, a team member, or a patron who chose to sign in."""

    display_name = models.CharField(max_length=150, blank=True)
    # An IANA zone name ("Europe/Paris"); blank is the site's TIME_ZONE. Pages and digests show
    # times in it, and a daily digest's "day" is the member's own.
    time_zone = models.CharField(max_length=64, blank=True)
    # A code from settings.LANGUAGES; blank follows the browser (or the switcher's cookie).
    language = models.CharField(max_length=16, blank=True)
    # The picture a patron's Patreon account shows (set when they sign in with Patreon).
    avatar_url = models.URLField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def zone(self) -> zoneinfo.ZoneInfo:
        """The member's time zone, or the site's when they chose none (or a name since gone)."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone or settings.TIME_ZONE)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(settings.TIME_ZONE)


class Team(models.Model):
    """Who owns videos. Everything a creator sees in the studio is scoped to their teams."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    # The creator's Patreon campaign, for review links that only its members may open.
    patreon_campaign_id = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    MEMBER = "member", _("Member")


class MembershipDigest(models.TextChoices):
    IMMEDIATE = "immediate", _("As comments arrive")
    DAILY = "daily", _("Once a day")
    OFF = "off", _("Never")


class Membership(models.Model):
    """A user's place in a team."""

    Role = MembershipRole
    Digest = MembershipDigest

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)
    # How this member hears about new comments on the team's cuts (see errata/notifications.py).
    digest = models.CharField(max_length=16, choices=Digest.choices, default=Digest.DAILY)
    # When the last digest was made: the end of the window it covered, where the next starts.
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user"),
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values), name="membership_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(digest__in=MembershipDigest.values),
                name="membership_digest_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class InvitationState(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    REVOKED = "revoked", _("Withdrawn")


class Invitation(models.Model):
    """An invitation by email to join a team with a role. The token in the mailed link is the
    only way to answer it; it expires, and is answered once (accepted or declined)."""

    State = InvitationState

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    # Lower-cased; whoever opens the link must be signed in with this address, verified.
    email = models.EmailField(max_length=254)
    role = models.CharField(
        max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["team_id", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values), name="invitation_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=InvitationState.values), name="invitation_state_valid"
            ),
            # One open invitation per address and team: inviting again renews it.
            models.UniqueConstraint(
                fields=["team", "email"],
                condition=Q(state="pending"),
                name="invitation_one_pending_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.team} ({self.state})"

    def is_open(self, now=None) -> bool:
        return self.state == InvitationState.PENDING and self.expires_at > (now or timezone.now())


class ApiToken(models.Model):
    """A personal token for scripts. Only a hash is stored: the key is shown once, when it is
    made, and a leaked database does not leak working keys. The prefix tells keys apart in lists.
    """

    # The key is "errata_" + 43 random characters; its first 14 are kept as the visible prefix.
    KEY_PREFIX = "errata_"
    PREFIX_LENGTH = 14

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH)
    # SHA-256 of the whole key, hex. The key has 256 bits of randomness, so an unsalted fast hash
    # is enough (a salt would only stop precomputation, which that much randomness already does)
    # and it lets a request find its token with one indexed lookup.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user_id", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def hash_key(cls, key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now
