"""The one rule of who sees what: the teams a user belongs to."""

from __future__ import annotations

from django.db.models import QuerySet

from errata.models import Membership


def studio_member(*, user) -> bool:
    """The studio is for members of a team; patrons (with or without an account) never get in."""
    return bool(user.is_authenticated) and Membership.objects.filter(user=user).exists()


def team_ids_for(user) -> QuerySet:
    """The one rule of who sees what: the teams a user belongs to. The studio, the import and
    export pages and the API scope every read by it (a subquery, so no row appears twice)."""
    return Membership.objects.filter(user=user).values("team_id")
