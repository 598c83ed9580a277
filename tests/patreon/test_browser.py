"""A patron of the creator's campaign signs in with Patreon (the stand-in on 127.0.0.1, through
the real OAuth2 authorization code flow) on a tier-gated review link and posts a comment; a
Patreon account that is no member, and one whose pledge ended, are refused and told why."""

from __future__ import annotations

import pytest

from errata.models import Comment, PatreonMembershipCheck, User
from tests.patreon.conftest import patron, supporter
from tests.standins.patreon import Pledge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in_with_patreon(page, live_server, link):
    page.goto(f"{live_server.url}{link.get_absolute_url()}")
    page.get_by_role("heading", name="for patrons").wait_for()
    assert "sign in with Patreon" in page.get_by_role("alert").inner_text()
    page.get_by_role("button", name="Sign in with Patreon").click()
    # Patreon's own page (the stand-in): allow Errata to see the memberships.
    page.get_by_role("heading", name="Allow Errata to see your Patreon memberships?").wait_for()
    page.get_by_role("link", name="Allow").click()


def test_a_patron_signs_in_with_patreon_and_comments_on_a_tier_gated_link(
    live_server, page, patreon, gated_link
):
    patreon.signed_in = patron("Ada Lovelace", supporter(cents=500))
    _sign_in_with_patreon(page, live_server, gated_link)

    # Back on the review page, admitted, with the name Patreon gave.
    page.locator("#comment-open").wait_for()
    assert page.url.endswith(gated_link.get_absolute_url())
    ada = User.objects.get(email="ada@patrons.example")
    assert (ada.display_name, ada.avatar_url) == (
        "Ada Lovelace",
        "https://c10.patreonusercontent.com/ada.png",
    )
    page.locator("#comment-open").click()
    page.locator("#comment-text").fill("At 0:42 the sum should start at i = 1")
    page.locator("#comment-form button[type=submit]").click()
    page.locator("#comment-list li.comment", has_text="should start at i = 1").wait_for()

    comment = Comment.objects.get()
    assert comment.reviewer.user == ada and comment.author_name == "Ada Lovelace"
    check = PatreonMembershipCheck.objects.get(user=ada)
    assert (check.status, check.entitled_cents, check.tier_titles) == (
        "active_patron",
        500,
        ["Supporter"],
    )


@pytest.mark.parametrize(
    ("pledge", "says"),
    [
        (Pledge(campaign_id="someone-else", tiers=[("t", "Gold", 2500)]), "is not a patron of"),
        (supporter(status="former_patron"), "Your pledge to Three Blue has ended"),
        (supporter(status="declined_patron"), "last payment was declined"),
        (supporter(cents=100), "patrons of $3 a month or more"),
    ],
    ids=["not a member", "pledge ended", "payment declined", "tier too low"],
)
def test_a_patreon_account_that_may_not_watch_is_refused_and_told_why(
    live_server, page, patreon, gated_link, pledge, says
):
    patreon.signed_in = patron("Bob Babbage", pledge)
    _sign_in_with_patreon(page, live_server, gated_link)

    alert = page.get_by_role("alert")
    alert.wait_for()
    assert says in alert.inner_text()
    assert page.locator("#comment-open").count() == 0
    assert page.locator("video").count() == 0
    assert User.objects.filter(email="bob@patrons.example").exists()
