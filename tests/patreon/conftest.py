from __future__ import annotations

import pytest

from tests import factories
from tests.standins.patreon import Patron, Pledge, patreon  # noqa: F401

CAMPAIGN = "777"


@pytest.fixture
def gated_link(team, cut):
    """A link only patrons of the team's campaign at $3 a month or more may open."""
    team.patreon_campaign_id = CAMPAIGN
    team.save()
    return factories.ReviewLinkFactory(cut=cut, patreon_required=True, patreon_min_cents=300)


def patron(name: str, *pledges: Pledge) -> Patron:
    first = name.split()[0].lower()
    return Patron(
        id=str(abs(hash(name)) % 10**8),
        full_name=name,
        email=f"{first}@patrons.example",
        image_url=f"https://c10.patreonusercontent.com/{first}.png",
        pledges=list(pledges),
    )


def supporter(status: str = "active_patron", cents: int = 500) -> Pledge:
    return Pledge(
        campaign_id=CAMPAIGN,
        patron_status=status,
        tiers=[("tier-5", "Supporter", cents)] if cents else [],
        last_charge_status="Paid" if status == "active_patron" else "Declined",
    )
