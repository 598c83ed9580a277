"""Who may do what. Members of a team see and change that team's videos and everything in them;
the querysets (errata/api/selectors.py) are scoped to the caller's teams, so another team's rows
are simply not found (404, which does not tell an outsider they exist). A review link may read and
post comments on its own cut and read that cut, nothing else. Webhook endpoints carry a secret
and send a team's data to an outside URL, so only a team's owners change them.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from errata.models import Membership, ReviewLink


def is_review_link(request: Request) -> bool:
    return isinstance(request.auth, ReviewLink)


def is_member(request: Request) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and user.is_active and not is_review_link(request))


class IsTeamMember(BasePermission):
    """The default: a signed-in person or a personal token. Rows are scoped by team."""

    message = "A review link can only read and post comments on its cut."

    def has_permission(self, request: Request, view) -> bool:
        return is_member(request)


class IsTeamMemberOrReviewLink(BasePermission):
    """Team members, or a review link for the actions its view lists in `review_link_actions`."""

    message = "A review link can only read and post comments on its cut."

    def has_permission(self, request: Request, view) -> bool:
        if is_member(request):
            return True
        return is_review_link(request) and view.action in getattr(view, "review_link_actions", ())


class IsTeamOwnerToChange(BasePermission):
    """Members read; only the team's owners write. The object names its team in `team_id`, or
    through `team_of(obj)` on the view."""

    message = "Only an owner of the team can change its webhooks."

    def has_permission(self, request: Request, view) -> bool:
        return is_member(request)

    def has_object_permission(self, request: Request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return is_team_owner(request, view.team_id_of(obj))


def is_team_owner(request: Request, team_id: int) -> bool:
    return Membership.objects.filter(
        user=request.user, team_id=team_id, role=Membership.Role.OWNER
    ).exists()
