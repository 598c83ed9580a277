"""A brand-new creator, in a real browser (headless Chromium), from signing up to sharing a
review link: sign up, confirm the address from the mail, start a team, invite a teammate, add a
video, upload its first cut, make a review link; a patron opens the link."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from errata.models import Invitation, Membership, ReviewLink, Team, User, Video
from tests.paths import TEST_VIDEO

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK_IN_MAIL = re.compile(r"https?://\S+")


def _link_in(message, path_part: str) -> str:
    return next(url for url in LINK_IN_MAIL.findall(message.body) if path_part in url)


def test_a_new_creator_signs_up_and_shares_a_review_link(live_server, page, browser, settings):
    settings.SITE_URL = live_server.url
    settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Email").fill("ada@studio.example")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password:", exact=True).fill("a long and unusual passphrase")
    page.get_by_label("Password (again)").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()
    assert User.objects.get(username="ada").emailaddress_set.get().verified is False

    # Signing in is refused until the address is confirmed.
    other = browser.new_context().new_page()
    other.goto(f"{live_server.url}/accounts/login/")
    other.get_by_label("Username or email").fill("ada")
    other.get_by_label("Password").fill("a long and unusual passphrase")
    other.get_by_role("button", name="Sign in").click()
    other.get_by_role("heading", name="Verify Your Email Address").wait_for()
    other.context.close()

    confirmation = mail.outbox[0]
    assert confirmation.to == ["ada@studio.example"]
    page.goto(_link_in(confirmation, "/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()

    # Confirmed and signed in: a new account is asked to start a team.
    page.get_by_role("heading", name="Welcome to Errata").wait_for()
    page.get_by_label("Team name").fill("Ada's Maths")
    page.get_by_role("button", name="Start the team").click()

    page.get_by_role("heading", name="Add a video").wait_for()
    page.get_by_label("Title").fill("Why the sphere's volume is 4/3 pi r^3")
    page.get_by_role("button", name="Add the video").click()
    video = Video.objects.get()
    assert video.team.memberships.get().user.username == "ada"

    page.get_by_role("button", name="Add the cut").wait_for()
    page.get_by_label("Label").fill("Early view")
    page.get_by_label("Duration").fill("0:08")
    page.get_by_label("Media file").set_input_files(str(TEST_VIDEO))
    page.get_by_role("button", name="Add the cut").click()

    page.get_by_role("button", name="Make the link").wait_for()
    # The cut page also has the cut's own Label (in "Change the label…"): the link's form's.
    link_form = page.locator("form", has=page.get_by_role("button", name="Make the link"))
    link_form.get_by_label("Label").fill("Patreon early access")
    page.get_by_role("button", name="Make the link").click()
    link = ReviewLink.objects.get()
    address = page.get_by_label("Address of Patreon early access").input_value()
    assert address == f"{live_server.url}/r/{link.token}/"

    # The team page: invite a teammate by email.
    page.goto(f"{live_server.url}/studio/teams/{Team.objects.get().slug}/")
    page.get_by_label("Email address").fill("ben@studio.example")
    page.get_by_label("Role").select_option("member")
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_text("Invitation mailed to ben@studio.example").wait_for()
    invitation = Invitation.objects.get()
    assert invitation.role == "member" and invitation.state == "pending"
    assert invitation.token in _link_in(mail.outbox[-1], "/invitations/")

    # A patron, in a browser of their own, opens the shared address.
    patron = browser.new_context().new_page()
    patron.goto(address)
    patron.get_by_role("heading", name=video.title).wait_for()
    assert patron.locator("video").count() == 1
    patron.context.close()
    assert Membership.objects.get().role == "owner"
