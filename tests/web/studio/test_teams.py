"""The studio's team pages: start a team, invite, answer an invitation, add a video, pick a
time zone; and who may do what."""

from __future__ import annotations

import pytest
from django.utils import timezone

from errata.models import Invitation, Membership, Team, Video
from errata.teams.services import invitation_create
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_signed_in_account_without_a_team_starts_one_and_adds_a_video(client):
    ada = factories.UserFactory(username="ada")
    client.force_login(ada)
    assert client.get("/studio/welcome/").status_code == 200

    response = client.post("/studio/teams/new/", {"name": "Ada's Maths", "slug": ""})
    assert response.status_code == 302 and response["Location"] == "/studio/videos/new/"
    team = Team.objects.get()
    response = client.post(
        "/studio/videos/new/", {"team": team.pk, "title": "Spheres", "slug": "", "fps": "30"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/studio/videos/spheres/cuts/new/"
    assert Video.objects.get().team == team
    # Once in a team, the welcome page sends them to their videos.
    assert client.get("/studio/welcome/")["Location"] == "/studio/"


@pytest.mark.parametrize(
    "data",
    [
        {"title": "", "fps": "30"},
        {"title": "Spheres", "fps": "0"},
        {"title": "Spheres", "fps": "1e99"},
        {"title": "x" * 301, "fps": "30"},
        {"title": "Spheres", "fps": "30", "slug": "nn"},  # taken by another team's video
        {"title": "Spheres\x00", "fps": "30"},
    ],
)
def test_a_bad_video_is_a_400_that_says_why(client, creator, team, video, data):
    client.force_login(creator)
    response = client.post("/studio/videos/new/", {"team": team.pk, **data})
    assert response.status_code == 400
    assert b'role="alert"' in response.content
    assert Video.objects.count() == 1


def test_a_video_cannot_be_added_to_another_team(client, creator, outsider):
    theirs = Membership.objects.get(user=outsider).team
    client.force_login(creator)
    response = client.post("/studio/videos/new/", {"team": theirs.pk, "title": "X", "fps": "30"})
    assert response.status_code == 400
    assert not Video.objects.exists()


def test_the_owner_invites_from_the_team_page_and_a_member_cannot(client, creator, teammate, team):
    client.force_login(creator)
    page = client.get(f"/studio/teams/{team.slug}/")
    assert b"Send the invitation" in page.content
    response = client.post(
        f"/studio/teams/{team.slug}/invitations/",
        {"email": "ben@example.com", "role": "member", "days": "7"},
    )
    assert response.status_code == 302
    assert Invitation.objects.get().email == "ben@example.com"

    client.force_login(teammate)
    assert b"Send the invitation" not in client.get(f"/studio/teams/{team.slug}/").content
    response = client.post(
        f"/studio/teams/{team.slug}/invitations/",
        {"email": "eve@example.com", "role": "owner", "days": "7"},
    )
    assert response.status_code == 403
    assert Invitation.objects.count() == 1


def test_another_teams_page_is_a_404(client, creator, outsider):
    theirs = Membership.objects.get(user=outsider).team
    client.force_login(creator)
    assert client.get(f"/studio/teams/{theirs.slug}/").status_code == 404


def test_the_invited_person_accepts_on_the_invitation_page(client, creator, team):
    invitation = invitation_create(
        team=team, email="ben@example.com", role="member", invited_by=creator
    )
    url = f"/invitations/{invitation.token}/"
    anonymous = client.get(url)
    assert anonymous.status_code == 200 and b"Create an account" in anonymous.content
    assert client.post(url, {"answer": "accept"})["Location"].startswith("/accounts/login/")

    ben = factories.UserFactory(username="ben", email="ben@example.com")
    client.force_login(ben)
    response = client.post(url, {"answer": "accept"})
    assert response.status_code == 302 and response["Location"] == "/studio/"
    assert Membership.objects.get(user=ben).role == "member"
    assert client.get(url).status_code == 410


def test_an_unknown_or_expired_invitation_says_so(client, creator, team):
    assert client.get("/invitations/nope/").status_code == 404
    assert client.get("/invitations/" + "x" * 500 + "/").status_code == 404
    invitation = invitation_create(
        team=team, email="ben@example.com", role="member", invited_by=creator
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    page = client.get(f"/invitations/{invitation.token}/")
    assert b"has expired" in page.content


def test_a_member_sets_a_time_zone_and_pages_use_it(client, creator, team):
    client.force_login(creator)
    response = client.post("/studio/settings/account/", {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    creator.refresh_from_db()
    assert creator.time_zone == "Asia/Tokyo"
    invitation_create(team=team, email="ben@example.com", role="member", invited_by=creator)
    expires = Invitation.objects.get().expires_at
    page = client.get(f"/studio/teams/{team.slug}/").content.decode()
    assert timezone.localtime(expires, creator.zone()).strftime("%H:%M") in page
    assert client.post("/studio/settings/account/", {"time_zone": "Mars/Base"}).status_code == 400


def test_the_team_page_lists_many_members_and_invitations_in_a_fixed_number_of_queries(
    client, creator, team, django_assert_max_num_queries
):
    for i in range(60):
        factories.MembershipFactory(
            team=team, user=factories.UserFactory(username=f"m{i}"), role="member"
        )
        invitation_create(
            team=team, email=f"guest{i}@example.com", role="member", invited_by=creator
        )
    client.force_login(creator)
    # Session, user, membership (studio), the team, your role, members, open invitations.
    with django_assert_max_num_queries(8):
        page = client.get(f"/studio/teams/{team.slug}/").content.decode()
    assert page.count("@example.com</td>") == 61 + 60
