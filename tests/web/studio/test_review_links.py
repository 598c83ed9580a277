"""Review links are made and revoked from the studio's cut page by any member of the team."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from errata.models import ReviewLink
from tests import factories

pytestmark = pytest.mark.django_db


def _cut_url(cut) -> str:
    return f"/studio/videos/{cut.video.slug}/cuts/{cut.number}/"


def test_a_teammate_makes_a_review_link_from_the_cut_page(client, teammate, cut):
    client.force_login(teammate)
    assert not ReviewLink.objects.exists()
    response = client.post(
        _cut_url(cut) + "links/",
        {"label": "Patreon early access", "can_comment": "on", "show_others_comments": "on"},
        follow=True,
    )
    link = ReviewLink.objects.get()
    assert (link.cut, link.label, link.created_by) == (cut, "Patreon early access", teammate)
    assert link.can_comment and link.show_others_comments and link.expires_at is None
    page = response.content.decode()
    assert f"/r/{link.token}/" in page
    assert "Review link made" in page
    # The patron's page opens.
    assert client.get(f"/r/{link.token}/").status_code == 200


def test_a_watch_only_link_with_an_expiry_is_made_as_asked(client, creator, cut):
    client.force_login(creator)
    expires = (timezone.now() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    client.post(_cut_url(cut) + "links/", {"label": "Press", "expires_at": expires})
    link = ReviewLink.objects.get()
    assert not link.can_comment
    assert not link.show_others_comments
    assert link.expires_at > timezone.now() + datetime.timedelta(days=6)


def test_an_expiry_in_the_past_is_refused_and_nothing_is_made(client, creator, cut):
    client.force_login(creator)
    response = client.post(
        _cut_url(cut) + "links/", {"label": "Late", "expires_at": "2001-01-01T10:00"}, follow=True
    )
    assert "must be in the future" in response.content.decode()
    assert not ReviewLink.objects.exists()


def test_revoking_from_the_cut_page_closes_the_link_at_once(client, creator, cut):
    link = factories.ReviewLinkFactory(cut=cut)
    client.force_login(creator)
    # The cut page's "Revoke…" asks first; nothing is revoked until that is confirmed.
    page = client.get(_cut_url(cut)).content.decode()
    assert f'href="{_cut_url(cut)}links/{link.pk}/revoke/"' in page
    ask = client.get(_cut_url(cut) + f"links/{link.pk}/revoke/").content.decode()
    assert "Revoke “" in ask and 'name="confirm" value="yes"' in ask
    unconfirmed = client.post(_cut_url(cut) + f"links/{link.pk}/revoke/")
    assert unconfirmed.status_code == 200
    link.refresh_from_db()
    assert link.revoked_at is None
    response = client.post(
        _cut_url(cut) + f"links/{link.pk}/revoke/", {"confirm": "yes"}, follow=True
    )
    assert "no longer opens" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert client.get(f"/r/{link.token}/").status_code == 410


def test_another_teams_creator_can_neither_make_nor_revoke_links(client, outsider, cut):
    link = factories.ReviewLinkFactory(cut=cut)
    client.force_login(outsider)
    assert client.post(_cut_url(cut) + "links/", {"label": "Mine now"}).status_code == 404
    revoke = _cut_url(cut) + f"links/{link.pk}/revoke/"
    assert client.post(revoke, {"confirm": "yes"}).status_code == 404
    assert client.get(revoke).status_code == 404
    assert ReviewLink.objects.count() == 1
    link.refresh_from_db()
    assert link.revoked_at is None


def test_a_link_of_another_cut_cannot_be_revoked_through_this_one(client, creator, cut):
    other_cut = factories.CutFactory(video=cut.video, number=2)
    link = factories.ReviewLinkFactory(cut=other_cut)
    client.force_login(creator)
    assert (
        client.post(_cut_url(cut) + f"links/{link.pk}/revoke/", {"confirm": "yes"}).status_code
        == 404
    )
    assert client.get(_cut_url(cut) + f"links/{link.pk}/revoke/").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None
