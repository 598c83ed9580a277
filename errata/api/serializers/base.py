"""What every serializer shares: related objects looked up in the caller's scope, so naming another
team's cut or scene is "does not exist", never a way to reach it; times in seconds.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from rest_framework import serializers

from errata.api import selectors
from errata.api.authentication import reviewer_key_from
from errata.api.filters import MAX_SECONDS
from errata.api.permissions import is_review_link
from errata.models import Comment, Cut, Erratum, Scene, Team, Video

# One request may act on this many findings at once (a big duplicate group is a few dozen).
MAX_FINDINGS_PER_ACTION = 500


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up among the rows the caller may see. `scope(request)` gives them;
    `queryset` names the model for the schema."""

    def __init__(self, *, scope: Callable, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.scope(self.context["request"])


class ScopedSlugField(serializers.SlugRelatedField):
    def __init__(self, *, scope: Callable, **kwargs):
        self.scope = scope
        super().__init__(slug_field="slug", **kwargs)

    def get_queryset(self) -> QuerySet:
        return self.scope(self.context["request"])


def scoped_teams(request) -> QuerySet[Team]:
    return Team.objects.filter(pk__in=selectors.team_ids_for(request.user))


def scoped_videos(request) -> QuerySet[Video]:
    return selectors.videos_for_user(request.user)


def scoped_cuts(request) -> QuerySet[Cut]:
    if is_review_link(request):
        return selectors.cut_for_review_link(request.auth)
    return selectors.cuts_for_user(request.user)


def scoped_scenes(request) -> QuerySet[Scene]:
    return selectors.scenes_for_user(request.user)


def scoped_errata(request) -> QuerySet[Erratum]:
    return Erratum.objects.filter(video__team_id__in=selectors.team_ids_for(request.user))


def scoped_comments(request) -> QuerySet[Comment]:
    if is_review_link(request):
        return selectors.comments_for_review_link(
            request.auth, reviewer_key=reviewer_key_from(request)
        )
    return selectors.comments_for_user(request.user)


def seconds_field(**kwargs) -> serializers.FloatField:
    return serializers.FloatField(min_value=0, max_value=MAX_SECONDS, **kwargs)
