"""Reads of teams: the user's teams, a team's members and invitations, an invitation by token."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from errata.core.access import team_ids_for
from errata.models import Invitation, Membership, Team, User


def teams_of_user(*, user: User) -> QuerySet[Team]:
    return Team.objects.filter(pk__in=team_ids_for(user)).order_by("name", "pk")


def team_for_member(*, user: User, slug: str) -> Team | None:
    return teams_of_user(user=user).filter(slug=slug).first()


def membership_of(*, team: Team, user: User) -> Membership | None:
    return Membership.objects.filter(team=team, user=user).first()


def team_members(*, team: Team) -> list[Membership]:
    # The team page lists each member's name and address.
    return list(
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("-role", "user__username")
    )


def team_invitations_open(*, team: Team) -> list[Invitation]:
    # The team page lists who was invited and by whom.
    return list(
        Invitation.objects.filter(
            team=team, state=Invitation.State.PENDING, expires_at__gt=timezone.now()
        ).select_related("invited_by")
    )


def team_invitation(*, team: Team, pk: int) -> Invitation | None:
    return Invitation.objects.filter(team=team, pk=pk).first()


def invitation_by_token(*, token: str) -> Invitation | None:
    # The invitation page names the team and who invited.
    if not token or len(token) > 64:
        return None
    return Invitation.objects.select_related("team", "invited_by").filter(token=token).first()


def invitations_for_user(*, user: User) -> list[Invitation]:
    """Open invitations to any of the account's verified addresses (the welcome page)."""
    from allauth.account.models import EmailAddress

    addresses = EmailAddress.objects.filter(user=user, verified=True).values("email")
    return list(
        Invitation.objects.filter(
            email__in=addresses, state=Invitation.State.PENDING, expires_at__gt=timezone.now()
        ).select_related("team")
    )
