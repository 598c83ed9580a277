"""The tier gate of a review link: who may open it, asked of Patreon and cached.

A link with `patreon_required` opens for members of the video's team, and for accounts signed
in with Patreon whose membership of the team's campaign is active (last payment not declined,
pledge not ended) and entitled to a tier of at least `patreon_min_cents`. The membership is read
from the API v2 identity endpoint with the patron's own token and kept as a
PatreonMembershipCheck for PATREON_CHECK_SECONDS; once that expires the next visit asks again,
so a pledge that ends closes the link within that time. When Patreon cannot be reached nobody
is let in on a guess, and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from allauth.socialaccount.models import SocialToken
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from errata.models import Membership, PatreonMembershipCheck, ReviewLink, User
from errata.patreon.client import (
    PatreonError,
    PatreonIdentity,
    PatreonTokenRefused,
    identity_get,
)

Status = PatreonMembershipCheck.Status


@dataclass(frozen=True)
class Admission:
    admitted: bool
    # Why not: sign_in, no_campaign, not_member, former, declined, free, tier, unreachable.
    reason: str = ""
    message: str = ""


ADMITTED = Admission(admitted=True)


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}".replace(".00", "")


def _patreon_token(user: User) -> str | None:
    token = (
        SocialToken.objects.filter(account__user=user, account__provider="patreon")
        .order_by("-pk")
        .values_list("token", flat=True)
        .first()
    )
    return token or None


def _status_of(identity: PatreonIdentity, campaign_id: str) -> dict:
    membership = identity.membership_of(campaign_id)
    if membership is None:
        return {"status": Status.NONE, "entitled_cents": 0, "tier_titles": []}
    status = {
        "active_patron": Status.ACTIVE,
        "declined_patron": Status.DECLINED,
        "former_patron": Status.FORMER,
    }.get(membership.patron_status, Status.NONE)
    return {
        "status": status,
        "entitled_cents": membership.entitled_cents if status == Status.ACTIVE else 0,
        "tier_titles": [t.title for t in membership.entitled_tiers],
        "last_charge_status": membership.last_charge_status,
    }


def membership_check(*, user: User, campaign_id: str, now=None) -> PatreonMembershipCheck:
    """What Patreon says of this account's membership of the campaign: the cached answer while
    it is fresh, else a new one (one request to the identity endpoint)."""
    now = now or timezone.now()
    cached = PatreonMembershipCheck.objects.filter(user=user, campaign_id=campaign_id).first()
    if cached is not None and cached.is_fresh(now):
        return cached
    token = _patreon_token(user)
    fields: dict = {"error": "", "last_charge_status": "", "tier_titles": []}
    if token is None:
        fields.update(status=Status.UNKNOWN, error="no Patreon sign-in")
    else:
        try:
            fields.update(_status_of(identity_get(access_token=token), campaign_id))
        except PatreonTokenRefused as error:
            fields.update(status=Status.UNKNOWN, error=f"token refused: {error}"[:300])
        except PatreonError as error:
            fields.update(status=Status.UNKNOWN, error=str(error)[:300])
    # An answer is trusted for a while; "could not ask" is not kept (the next visit asks again).
    ttl = 0 if fields["status"] == Status.UNKNOWN else settings.PATREON_CHECK_SECONDS
    with transaction.atomic():
        check, _ = PatreonMembershipCheck.objects.update_or_create(
            user=user,
            campaign_id=campaign_id,
            defaults={
                **fields,
                "entitled_cents": fields.get("entitled_cents", 0),
                "checked_at": now,
                "expires_at": now + timedelta(seconds=ttl),
            },
        )
    return check


def review_link_admission(*, review_link: ReviewLink, user) -> Admission:
    """May this visitor open a (possibly Patreon-gated) review link? With the reason and the
    words to show when not."""
    if not review_link.patreon_required:
        return ADMITTED
    team = review_link.cut.video.team
    signed_in = user is not None and user.is_authenticated
    if signed_in and Membership.objects.filter(team_id=team.pk, user=user).exists():
        return ADMITTED
    if not team.patreon_campaign_id:
        return Admission(
            False,
            "no_campaign",
            gettext(
                "This link is for the creator's patrons, but no Patreon campaign is connected yet."
            ),
        )
    if not signed_in or _patreon_token(user) is None:
        return Admission(
            False,
            "sign_in",
            gettext("This early cut is for patrons: sign in with Patreon to watch."),
        )
    check = membership_check(user=user, campaign_id=team.patreon_campaign_id)
    minimum = review_link.patreon_min_cents
    if check.status == Status.UNKNOWN:
        if check.error.startswith("token refused"):
            return Admission(
                False,
                "sign_in",
                gettext("Patreon asks you to sign in again to check your membership."),
            )
        return Admission(
            False,
            "unreachable",
            gettext(
                "Patreon could not be reached to check your membership. Try again in a minute."
            ),
        )
    if check.status == Status.FORMER:
        return Admission(
            False,
            "former",
            gettext("Your pledge to %(team)s has ended. Pledge again on Patreon to watch this cut.")
            % {"team": team.name},
        )
    if check.status == Status.DECLINED:
        return Admission(
            False,
            "declined",
            gettext(
                "Patreon says your last payment was declined. Update your payment on Patreon, "
                "then come back."
            ),
        )
    if check.status == Status.NONE:
        return Admission(
            False,
            "not_member",
            gettext("Your Patreon account is not a patron of %(team)s.") % {"team": team.name},
        )
    if check.entitled_cents == 0:
        return Admission(
            False,
            "free",
            gettext("You follow %(team)s for free; this cut is for paying patrons.")
            % {"team": team.name},
        )
    if check.entitled_cents < minimum:
        return Admission(
            False,
            "tier",
            gettext(
                "This cut is for patrons of %(minimum)s a month or more; your tier (%(tier)s) "
                "is %(amount)s."
            )
            % {
                "minimum": _money(minimum),
                "tier": ", ".join(check.tier_titles) or _money(check.entitled_cents),
                "amount": _money(check.entitled_cents),
            },
        )
    return ADMITTED
