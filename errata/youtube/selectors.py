"""Reads of YouTube connections (the cut page's status line)."""

from __future__ import annotations

from errata.models import Cut, YouTubeConnection


def youtube_connection_of_cut(*, cut: Cut) -> YouTubeConnection | None:
    return YouTubeConnection.objects.filter(cut=cut).first()
