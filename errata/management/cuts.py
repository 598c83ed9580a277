"""What the management commands share."""

from __future__ import annotations

from django.core.management.base import CommandError

from errata.models import Cut


def cut_from_options(options: dict) -> Cut:
    """The cut a command names with --video SLUG --cut N (commands act as the operator, for any
    team), or a CommandError saying which one does not exist."""
    video_slug, number = options["video"], options["cut"]
    cut = Cut.objects.select_related("video").filter(video__slug=video_slug, number=number).first()
    if cut is None:
        raise CommandError(f"There is no cut {number} of a video {video_slug!r}.")
    return cut
