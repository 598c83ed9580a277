"""Teams without the admin: starting one, invitations by email (role, expiry, accept, decline,
withdraw), and a member's time zone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from errata.core.errors import ErrataConflict
from errata.models import Invitation, Membership, Notification, Team
from errata.teams import services
from tests import factories

pytestmark = pytest.mark.django_db


def _invite(team, creator, email="ben@example.com", role="member", **kwargs) -> Invitation:
    return services.invitation_create(
        team=team, email=email, role=role, invited_by=creator, **kwargs
    )


def test_a_new_team_makes_its_founder_the_owner():
    user = factories.UserFactory(username="ada")
    team = services.team_create(user=user, name="  Ada's   Maths ")
    assert (team.name, team.slug) == ("Ada's Maths", "adas-maths")
    assert Membership.objects.get(team=team).role == "owner"


@pytest.mark.parametrize(
    ("name", "slug", "field"),
    [
        ("", "", "name"),
        ("x" * 151, "", "name"),
        ("Nul\x00Team", "", "name"),
        ("!!!", "", "slug"),
        ("Maths", "three-blue", "slug"),
    ],
)
def test_a_team_with_a_bad_or_taken_name_is_refused_naming_the_field(team, name, slug, field):
    user = factories.UserFactory(username="ada")
    with pytest.raises(ValidationError) as refused:
        services.team_create(user=user, name=name, slug=slug)
    assert list(refused.value.message_dict) == [field]
    assert not Membership.objects.filter(user=user).exists()


def test_an_invitation_is_mailed_with_its_link_role_and_expiry(
    team, creator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(team, creator, email=" Ben@Example.COM ", role="owner", days=3)

    assert invitation.email == "ben@example.com"
    assert invitation.expires_at - timezone.now() > timedelta(days=2, hours=23)
    notification = Notification.objects.get(kind="invitation")
    assert notification.state == "sent"
    (message,) = mail.outbox
    assert message.to == ["ben@example.com"]
    assert message.subject == "3blue1brown invites you to Three Blue on Errata"
    assert f"/invitations/{invitation.token}/" in message.body
    assert "join Three Blue on Errata as an owner" in message.body


def test_inviting_the_same_address_again_renews_the_open_invitation(team, creator):
    first = _invite(team, creator)
    again = _invite(team, creator, role="owner")
    assert Invitation.objects.count() == 1
    assert again.pk == first.pk and again.token != first.token and again.role == "owner"


@pytest.mark.parametrize(
    ("email", "role", "days", "field"),
    [
        ("not an address", "member", 14, "email"),
        ("ben@example.com", "admin", 14, "role"),
        ("ben@example.com", "member", 0, "days"),
        ("ben@example.com", "member", 10_000, "days"),
        ("grant@example.com", "member", 14, "email"),  # already a member
    ],
)
def test_bad_invitations_are_refused_naming_the_field(team, creator, email, role, days, field):
    with pytest.raises(ValidationError) as refused:
        _invite(team, creator, email=email, role=role, days=days)
    assert list(refused.value.message_dict) == [field]
    assert not Invitation.objects.exists()


def test_only_owners_invite(team, teammate):
    with pytest.raises(PermissionDenied):
        _invite(team, teammate)


def test_the_invited_address_accepts_and_joins_with_the_role(team, creator):
    invitation = _invite(team, creator, role="owner")
    ben = factories.UserFactory(username="ben", email="ben@example.com")

    services.invitation_accept(invitation=invitation, user=ben)

    assert Membership.objects.get(team=team, user=ben).role == "owner"
    invitation.refresh_from_db()
    assert (invitation.state, invitation.answered_by) == ("accepted", ben)
    with pytest.raises(ErrataConflict, match="already accepted"):
        services.invitation_decline(invitation=invitation, user=ben)


def test_declining_joins_nothing(team, creator):
    invitation = _invite(team, creator)
    ben = factories.UserFactory(username="ben", email="ben@example.com")
    services.invitation_decline(invitation=invitation, user=ben)
    assert not Membership.objects.filter(user=ben).exists()
    assert Invitation.objects.get().state == "declined"


def test_someone_else_with_the_link_cannot_answer(team, creator):
    invitation = _invite(team, creator)
    eve = factories.UserFactory(username="eve", email="eve@example.com")
    with pytest.raises(PermissionDenied, match=r"ben@example\.com"):
        services.invitation_accept(invitation=invitation, user=eve)
    # Nor with the address added but not confirmed.
    EmailAddress.objects.create(user=eve, email="ben@example.com", verified=False)
    with pytest.raises(PermissionDenied):
        services.invitation_accept(invitation=invitation, user=eve)
    assert not Membership.objects.filter(user=eve).exists()
    assert Invitation.objects.get().state == "pending"


def test_an_expired_or_withdrawn_invitation_cannot_be_accepted(team, creator):
    ben = factories.UserFactory(username="ben", email="ben@example.com")
    expired = _invite(team, creator)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    with pytest.raises(ErrataConflict, match="expired"):
        services.invitation_accept(invitation=expired, user=ben)

    other = Team.objects.create(name="Other", slug="other")
    Membership.objects.create(team=other, user=creator, role="owner")
    withdrawn = _invite(other, creator)
    assert services.invitation_revoke(invitation=withdrawn, user=creator) is True
    assert services.invitation_revoke(invitation=withdrawn, user=creator) is False
    with pytest.raises(ErrataConflict, match="withdrawn"):
        services.invitation_accept(invitation=withdrawn, user=ben)
    assert not Membership.objects.filter(user=ben).exists()


def test_a_member_picks_a_time_zone_and_a_bad_one_is_refused(creator):
    services.user_time_zone_set(user=creator, time_zone="Europe/Paris")
    creator.refresh_from_db()
    assert str(creator.zone()) == "Europe/Paris"
    for bad in ("Mars/Olympus", "../../etc/passwd", "x" * 200):
        with pytest.raises(ValidationError) as refused:
            services.user_time_zone_set(user=creator, time_zone=bad)
        assert list(refused.value.message_dict) == ["time_zone"]
    services.user_time_zone_set(user=creator, time_zone="")
    creator.refresh_from_db()
    assert str(creator.zone()) == "UTC"


def test_the_patreon_campaign_is_a_number_set_by_an_owner(team, creator, teammate):
    services.team_patreon_campaign_set(team=team, user=creator, campaign_id=" 1234567 ")
    assert Team.objects.get(pk=team.pk).patreon_campaign_id == "1234567"
    with pytest.raises(ValidationError):
        services.team_patreon_campaign_set(team=team, user=creator, campaign_id="12; DROP")
    with pytest.raises(PermissionDenied):
        services.team_patreon_campaign_set(team=team, user=teammate, campaign_id="1")
