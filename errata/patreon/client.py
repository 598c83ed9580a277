"""Patreon's API v2 identity endpoint, read with a patron's own OAuth token: who they are and
their memberships, each with its campaign and currently entitled tiers (JSON:API, the related
objects in `included`). Everything Patreon sends is checked before it is believed."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import requests
from django.conf import settings

IDENTITY_QUERY = urlencode(
    {
        "include": "memberships,memberships.currently_entitled_tiers,memberships.campaign",
        "fields[user]": "full_name,email,image_url,thumb_url,vanity",
        "fields[member]": (
            "patron_status,last_charge_status,last_charge_date,next_charge_date,"
            "currently_entitled_amount_cents,pledge_relationship_start"
        ),
        "fields[tier]": "title,amount_cents",
    },
    safe=",[]",
)


class PatreonError(Exception):
    """Patreon could not be asked (down, slow, nonsense in the answer)."""


class PatreonTokenRefused(PatreonError):
    """Patreon refused the patron's token (revoked, expired): they must sign in again."""


@dataclass(frozen=True)
class PatreonTier:
    id: str
    title: str
    amount_cents: int


@dataclass(frozen=True)
class PatreonMembership:
    campaign_id: str
    patron_status: str  # active_patron, declined_patron, former_patron, or "" (a free follower)
    last_charge_status: str
    entitled_tiers: tuple[PatreonTier, ...] = ()

    @property
    def entitled_cents(self) -> int:
        return max((t.amount_cents for t in self.entitled_tiers), default=0)


@dataclass(frozen=True)
class PatreonIdentity:
    user: dict
    memberships: list[PatreonMembership] = field(default_factory=list)

    def membership_of(self, campaign_id: str) -> PatreonMembership | None:
        return next((m for m in self.memberships if m.campaign_id == campaign_id), None)


def _related_ids(resource: dict, name: str) -> list[tuple[str, str]]:
    relationship = (resource.get("relationships") or {}).get(name) or {}
    data = relationship.get("data")
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        return []
    return [
        (str(item.get("type", "")), str(item.get("id", "")))
        for item in data
        if isinstance(item, dict)
    ]


def identity_parse(document: object) -> PatreonIdentity:
    """The identity and memberships of a JSON:API document from /identity."""
    if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
        raise PatreonError("the identity answer has no data object")
    user = document["data"]
    if not user.get("id") or not isinstance(user.get("attributes", {}), dict):
        raise PatreonError("the identity answer names no user")
    included = document.get("included") or []
    if not isinstance(included, list):
        raise PatreonError("`included` is not a list")
    objects = {
        (str(item.get("type", "")), str(item.get("id", ""))): item
        for item in included
        if isinstance(item, dict)
    }
    memberships = []
    for key in _related_ids(user, "memberships"):
        member = objects.get(key)
        if member is None:
            continue
        attributes = member.get("attributes") or {}
        campaigns = _related_ids(member, "campaign")
        if not campaigns or not isinstance(attributes, dict):
            continue
        tiers = []
        for tier_key in _related_ids(member, "currently_entitled_tiers"):
            tier = objects.get(tier_key) or {"attributes": {}}
            tier_attributes = tier.get("attributes") or {}
            cents = tier_attributes.get("amount_cents")
            tiers.append(
                PatreonTier(
                    id=tier_key[1],
                    title=str(tier_attributes.get("title") or "")[:100],
                    amount_cents=cents if isinstance(cents, int) and cents >= 0 else 0,
                )
            )
        memberships.append(
            PatreonMembership(
                campaign_id=campaigns[0][1],
                patron_status=str(attributes.get("patron_status") or ""),
                last_charge_status=str(attributes.get("last_charge_status") or "")[:32],
                entitled_tiers=tuple(tiers),
            )
        )
    return PatreonIdentity(user=user, memberships=memberships)


def identity_get(*, access_token: str) -> PatreonIdentity:
    url = f"{settings.PATREON_BASE_URL}/api/oauth2/v2/identity?{IDENTITY_QUERY}"
    try:
        response = requests.get(
            url,
            headers={"Authorization": f"Bearer {access_token}", "User-Agent": "Errata"},
            timeout=settings.PATREON_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise PatreonError(f"{type(error).__name__}: {error}") from None
    if response.status_code == 401:
        raise PatreonTokenRefused("Patreon no longer accepts this sign-in")
    if response.status_code != 200:
        raise PatreonError(f"HTTP {response.status_code} from Patreon")
    try:
        document = response.json()
    except ValueError:
        raise PatreonError("Patreon's answer is not JSON") from None
    return identity_parse(document)
