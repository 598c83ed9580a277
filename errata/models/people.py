"""Accounts, teams, memberships, and the personal API tokens of accounts."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone


class User(AbstractUser):
    """An account: a creator, a team member, or a patron who chose to sign in."""

    display_name = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Team(models.Model):
    """Who owns videos. Everything a creator sees in the studio is scoped to their teams."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class MembershipRole(models.TextChoices):
    OWNER = "owner", "Owner"
    MEMBER = "member", "Member"


class MembershipDigest(models.TextChoices):
    IMMEDIATE = "immediate", "As comments arrive"
    DAILY = "daily", "Once a day"
    OFF = "off", "Never"


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
