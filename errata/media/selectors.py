"""Reads of the media package: a cut's processing state, which file plays, and frame grabs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Q
from django.db.models.fields.files import FieldFile

from errata.models import Cut, CutMedia, FixCheck, FrameGrab, ScreenSighting

# Originals a browser plays as they are, while (or if) no proxy exists.
BROWSER_SAFE_TYPES = {"video/mp4", "video/webm"}


def cut_media(*, cut: Cut) -> CutMedia | None:
    """The cut's media row (cached on the cut once read)."""
    try:
        return cut.media
    except CutMedia.DoesNotExist:
        return None


@dataclass(frozen=True)
class StoredFile:
    file: FieldFile
    content_type: str


def playable_file(*, cut: Cut) -> StoredFile | None:
    """The file the player gets: the proxy once it exists, else the original when a browser
    can play it as it is (an MP4 or WebM still processing, or one whose proxy failed)."""
    media = cut_media(cut=cut)
    if media is not None and media.is_ready:
        return StoredFile(media.proxy, "video/mp4")
    if not cut.media_file:
        return None
    content_type = media.content_type if media is not None else ""
    if content_type in BROWSER_SAFE_TYPES:
        return StoredFile(cut.media_file, content_type)
    return None


def original_file(*, cut: Cut) -> StoredFile | None:
    """The uploaded original, for the studio's download link (with the probe's type)."""
    media = cut_media(cut=cut)
    if not cut.media_file or media is None or not media.content_type:
        return None
    return StoredFile(cut.media_file, media.content_type)


# Frames are grabbed at tenths of a second: findings a few milliseconds apart share one.
FRAME_STEP_MS = 100


def frame_moment_ms(seconds: float) -> int:
    return round(max(0.0, seconds) * 1000 / FRAME_STEP_MS) * FRAME_STEP_MS


def frame_key(cut_id: int, seconds: float) -> tuple[int, int]:
    return cut_id, frame_moment_ms(seconds)


def frames_for(*, moments: Iterable[tuple[int, float | None]]) -> dict[tuple[int, int], FrameGrab]:
    """The frame grabs of (cut id, seconds) moments that exist, by (cut id, ms), in one query
    (the inbox asks for a page of findings, the erratum page for two moments)."""
    keys = {frame_key(cut_id, s) for cut_id, s in moments if s is not None}
    if not keys:
        return {}
    by_cut: dict[int, set[int]] = {}
    for cut_id, ms in keys:
        by_cut.setdefault(cut_id, set()).add(ms)
    condition = Q()
    for cut_id, times in by_cut.items():
        condition |= Q(cut_id=cut_id, at_ms__in=sorted(times))
    return {(g.cut_id, g.at_ms): g for g in FrameGrab.objects.filter(condition)}


def cuts_with_ready_media(*, cut_ids: list[int]) -> set[int]:
    """Which of these cuts have a proxy to grab frames from."""
    return set(
        CutMedia.objects.filter(cut_id__in=cut_ids, status=CutMedia.Status.READY).values_list(
            "cut_id", flat=True
        )
    )


def frame_grab_of(*, cut: Cut, at_ms: int) -> FrameGrab | None:
    return FrameGrab.objects.filter(cut=cut, at_ms=at_ms).first()


def sightings_for(*, finding_ids: Iterable[int]) -> dict[int, ScreenSighting]:
    """Each finding's frame check on the cut it was reported on, by finding id, in one query
    (the inbox's page of findings, an erratum's reports)."""
    ids = list(finding_ids)
    if not ids:
        return {}
    sightings = ScreenSighting.objects.filter(finding_id__in=ids).filter(
        cut_id=F("finding__comment__cut_id")
    )
    return {s.finding_id: s for s in sightings.select_related("cut__video").order_by("pk")}


def erratum_sighting(*, erratum_id: int) -> ScreenSighting | None:
    """Where an erratum's reported text was seen (its most confident sighting): the erratum
    page's box and pinned time."""
    return (
        ScreenSighting.objects.filter(
            finding__erratum_id=erratum_id, status=ScreenSighting.Status.FOUND
        )
        .select_related("cut__video")
        .order_by("-confidence", "pk")
        .first()
    )


def erratum_fix_checks(*, erratum_id: int) -> list[FixCheck]:
    """An erratum's checks in later cuts, latest cut first (the erratum page)."""
    return list(
        FixCheck.objects.filter(erratum_id=erratum_id)
        .exclude(outcome=FixCheck.Outcome.PENDING)
        .select_related("cut", "from_cut")
        .order_by("-cut__number")
    )


def still_on_screen(*, erratum_ids: Iterable[int]) -> dict[int, int]:
    """The latest cut number each of these errata is still on screen in, by erratum id, in one
    query (the board's flags)."""
    ids = list(erratum_ids)
    if not ids:
        return {}
    flags: dict[int, int] = {}
    for erratum_id, number in FixCheck.objects.filter(
        erratum_id__in=ids, outcome=FixCheck.Outcome.STILL_THERE
    ).values_list("erratum_id", "cut__number"):
        flags[erratum_id] = max(number, flags.get(erratum_id, 0))
    return flags


def fix_check_crop(*, erratum_id: int, pk: int, which: str) -> FieldFile | None:
    """One crop of an erratum's fix check ("before" or "after"), or None."""
    check = FixCheck.objects.filter(erratum_id=erratum_id, pk=pk).first()
    if check is None:
        return None
    crop = check.before_crop if which == "before" else check.after_crop
    return crop or None
