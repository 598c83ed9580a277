"""A patron who signed in (with Patreon) is one person on every link: "my reports" lists their
reports across the creator's videos. A guest is known on one video only."""

from __future__ import annotations

import pytest
from django.core.signing import get_cookie_signer

from errata.reviews.services import reviewer_for_user
from errata.web.review.views import REVIEWER_COOKIE, REVIEWER_COOKIE_SALT
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_signed_in_patrons_reports_follow_them_across_the_creators_videos(
    client, team, cut, review_link
):
    ada = factories.UserFactory(username="ada", display_name="Ada Lovelace")
    reviewer = reviewer_for_user(user=ada)
    other_video = factories.VideoFactory(team=team, title="Spheres", slug="spheres")
    other_cut = factories.CutFactory(video=other_video, number=1)
    elsewhere = factories.CutFactory(number=1)  # another team's video
    factories.CommentFactory(cut=cut, reviewer=reviewer, text="Typo at 1:00 here")
    factories.CommentFactory(cut=other_cut, reviewer=reviewer, text="The sphere is squashed")
    factories.CommentFactory(cut=elsewhere, reviewer=reviewer, text="Not this creator's")

    client.force_login(ada)
    page = client.get(f"{review_link.get_absolute_url()}mine/").content.decode()

    assert "Your reports on Three Blue's videos" in page
    assert "Typo at 1:00 here" in page and "The sphere is squashed" in page
    assert "Spheres, cut 1" in page
    assert "Not this creator" not in page


def test_a_guest_sees_their_reports_on_this_video_only(client, team, cut, review_link):
    guest = factories.ReviewerFactory(display_name="Guest")
    other_cut = factories.CutFactory(video=factories.VideoFactory(team=team), number=1)
    factories.CommentFactory(cut=cut, reviewer=guest, text="On this video")
    factories.CommentFactory(cut=other_cut, reviewer=guest, text="On another video")
    client.get(review_link.get_absolute_url())
    response = client.get(f"{review_link.get_absolute_url()}mine/")
    assert "On this video" not in response.content.decode()  # the browser does not know them
    signer = get_cookie_signer(salt=REVIEWER_COOKIE + REVIEWER_COOKIE_SALT)
    client.cookies[REVIEWER_COOKIE] = signer.sign(str(guest.key))
    page = client.get(f"{review_link.get_absolute_url()}mine/").content.decode()
    assert "On this video" in page and "On another video" not in page


def test_the_creator_sees_a_patreon_patrons_picture_beside_their_report(client, creator, cut):
    ada = factories.UserFactory(
        username="ada",
        display_name="Ada Lovelace",
        avatar_url="https://c10.patreonusercontent.com/ada.png",
    )
    comment = factories.CommentFactory(cut=cut, reviewer=reviewer_for_user(user=ada))
    erratum = factories.ErratumFactory(cut=cut)
    factories.FindingFactory(comment=comment, erratum=erratum, state="accepted")
    client.force_login(creator)
    page = client.get(f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/").content.decode()
    assert '<img class="avatar" src="https://c10.patreonusercontent.com/ada.png"' in page
