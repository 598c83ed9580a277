"""Frame checks, the writes: locating a finding's reported text on screen in its cut, and
checking an erratum again in a later cut. Run by the Celery task errata.screen_read_cut (bulk
queue), queued when a cut's video is ready and when triage stores findings on a cut whose video
is ready. Everything here is a suggestion; no status changes.

Without Tesseract (or with FRAME_CHECKS off) nothing is read and nothing is stored: the inbox
and erratum pages simply show no frame check.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

import cv2
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from errata.catalog.selectors import CutTimeMap
from errata.media.ffmpeg import MediaToolError
from errata.media.ocr import (
    UNCHANGED_MAX_BITS,
    cpu_seconds,
    crop,
    frame_at,
    jpeg_bytes,
    ocr_available,
    picture_difference,
)
from errata.media.screen_scan import text_present, text_scan
from errata.media.selectors import frame_moment_ms
from errata.media.storage import local_copy
from errata.models import (
    Cut,
    CutMedia,
    Erratum,
    Finding,
    FixCheck,
    FrameGrab,
    SceneSpan,
    ScreenSighting,
)
from errata.triage.screen_text import screen_query, search_window

logger = logging.getLogger(__name__)

SCREEN_TASK = "errata.screen_read_cut"
# Errata in these states are worth checking in a new cut.
CHECKED_STATUSES = [Erratum.Status.OPEN, Erratum.Status.ACCEPTED, Erratum.Status.FIXED]
# Moments of the pinned range looked at in the new cut (fractions of the range).
CHECK_POINTS = (0.15, 0.5, 0.85)
# Errata whose fix shows in the picture (without a located text: compared as pictures).
PICTURE_CATEGORIES = {"typo", "notation", "color", "visual", "code"}


@dataclass(frozen=True)
class ScreenReadResult:
    located: int = 0
    not_found: int = 0
    checked: int = 0


def _video_size(path: Path) -> tuple[int, int]:
    capture = cv2.VideoCapture(str(path))
    try:
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    finally:
        capture.release()
    if width <= 0 or height <= 0:
        raise MediaToolError("The video's frame size could not be read.")
    return width, height


def _store_image(storage, folder: str, cut_id: int, image) -> str:
    name = f"{folder}/cut-{cut_id}-{secrets.token_hex(6)}.jpg"
    return storage.save(name, ContentFile(jpeg_bytes(image)))


def screen_read_cut(*, cut_id: int) -> ScreenReadResult:
    """Locate the reported texts of a cut's findings and check earlier cuts' errata in it (the
    task errata.screen_read_cut). Each finding and each erratum is read once per cut."""
    if not ocr_available():
        return ScreenReadResult()
    media = CutMedia.objects.select_related("cut").filter(cut_id=cut_id).first()
    if media is None or not media.is_ready:
        return ScreenReadResult()
    located = not_found = checked = 0
    with local_copy(media.proxy.storage, media.proxy.name) as proxy:
        size = _video_size(proxy)
        for finding in _findings_to_locate(media.cut):
            sighting = sighting_locate(finding=finding, cut=media.cut, proxy=proxy, size=size)
            if sighting is not None:
                located += sighting.status == ScreenSighting.Status.FOUND
                not_found += sighting.status == ScreenSighting.Status.NOT_FOUND
        for erratum in _errata_to_check(media.cut):
            if fix_check_run(erratum=erratum, cut=media.cut, proxy=proxy, size=size):
                checked += 1
    return ScreenReadResult(located=located, not_found=not_found, checked=checked)


def _findings_to_locate(cut: Cut) -> list[Finding]:
    """Findings reported on this cut (not carried to it) with no sighting here yet."""
    return list(
        Finding.objects.filter(cut=cut, comment__cut=cut)
        .exclude(state=Finding.State.DISMISSED)
        .exclude(sightings__cut=cut)
        .select_related("comment")
        .order_by("timestamp_s", "pk")
    )


def _scene_span(cut: Cut, scene_id: int | None) -> tuple[float, float] | None:
    if scene_id is None:
        return None
    span = SceneSpan.objects.filter(cut=cut, scene_id=scene_id).order_by("start_s").first()
    return (span.start_s, span.end_s) if span else None


def sighting_locate(
    *, finding: Finding, cut: Cut, proxy: Path, size: tuple[int, int]
) -> ScreenSighting | None:
    """Look for a finding's reported text around its time; store where it was seen, or that it
    was not. None when the finding quotes nothing to look for or has neither time nor scene."""
    query = screen_query(
        finding.text,
        category=finding.effective_category,
        correction_wrong=finding.suggested_correction_wrong,
        correction_right=finding.suggested_correction_right,
    )
    if query is None:
        return None
    parsed = finding.parsed_timestamps or []
    window = search_window(
        time_s=finding.timestamp_s,
        time_text=parsed[0]["text"] if parsed else "",
        source=finding.timestamp_source,
        scene_span=_scene_span(cut, finding.effective_scene_id),
        duration_s=cut.duration_s,
    )
    if window is None:
        return None
    try:
        sighting = ScreenSighting.objects.create(
            finding=finding,
            cut=cut,
            text=query.wrong[:200],
            right_text=query.right[:200],
            window_start_s=window.start_s,
            window_end_s=window.end_s,
            window_basis=window.basis,
        )
    except IntegrityError:
        return None  # another run has it
    before = cpu_seconds()
    try:
        scan = text_scan(
            proxy,
            text=query.wrong,
            start_s=window.start_s,
            end_s=window.end_s,
            fps=settings.FRAME_CHECK_FPS,
            width=size[0],
            height=size[1],
        )
    except (MediaToolError, OSError, RuntimeError) as error:
        logger.warning("Reading frames of %s for finding %s failed: %s", cut, finding.pk, error)
        ScreenSighting.objects.filter(pk=sighting.pk).update(
            status=ScreenSighting.Status.FAILED,
            error=str(error)[:2000],
            finished_at=timezone.now(),
        )
        sighting.refresh_from_db()
        return sighting
    fields: dict = {
        "frames_read": scan.frames_read,
        "finished_at": timezone.now(),
        "status": ScreenSighting.Status.NOT_FOUND,
    }
    found = scan.sighting
    if found is not None:
        storage = proxy_storage(cut)
        frame_s = frame_moment_ms(found.frame_s) / 1000
        _frame_grab_keep(cut, frame_s, found.frame, storage)
        match = found.match
        box = (match.left, match.top, match.width, match.height)
        fields.update(
            status=ScreenSighting.Status.FOUND,
            start_s=found.start_s,
            end_s=found.end_s,
            frame_s=frame_s,
            box={
                "x": round(match.left / size[0], 4),
                "y": round(match.top / size[1], 4),
                "w": round(match.width / size[0], 4),
                "h": round(match.height / size[1], 4),
            },
            seen_text=match.text[:200],
            confidence=round(match.confidence, 1),
            crop=_store_image(storage, "screen", cut.pk, crop(found.frame, box)),
        )
    fields["cpu_s"] = round(cpu_seconds() - before, 3)
    ScreenSighting.objects.filter(pk=sighting.pk).update(**fields)
    sighting.refresh_from_db()
    return sighting


def proxy_storage(cut: Cut):
    return cut.media_file.storage


def _frame_grab_keep(cut: Cut, frame_s: float, image, storage) -> None:
    """Keep the frame the box was found on as the cut's frame grab at that moment (the inbox
    and erratum page draw the box over it), unless one is already there."""
    at_ms = frame_moment_ms(frame_s)
    grab, _ = FrameGrab.objects.get_or_create(cut=cut, at_ms=at_ms)
    if grab.status == FrameGrab.Status.READY:
        return
    name = _store_image(storage, "frames", cut.pk, image)
    FrameGrab.objects.filter(pk=grab.pk).update(status=FrameGrab.Status.READY, image=name)


def _errata_to_check(cut: Cut) -> list[Erratum]:
    """Errata found in an earlier cut of the video, not checked in this one yet."""
    return list(
        Erratum.objects.filter(
            video_id=cut.video_id,
            status__in=CHECKED_STATUSES,
            merged_into__isnull=True,
            found_in_cut__number__lt=cut.number,
        )
        .exclude(fix_checks__cut=cut)
        .select_related("found_in_cut", "cut")
        .order_by("pk")
    )


def _best_sighting(erratum: Erratum, cut: Cut) -> ScreenSighting | None:
    return (
        ScreenSighting.objects.filter(
            finding__erratum=erratum,
            status=ScreenSighting.Status.FOUND,
            cut__number__lt=cut.number,
        )
        .select_related("cut")
        .order_by("-confidence", "pk")
        .first()
    )


def _ready_proxy_name(cut: Cut) -> str | None:
    media = CutMedia.objects.filter(cut=cut, status=CutMedia.Status.READY).first()
    return media.proxy.name if media is not None and media.proxy else None


def fix_check_run(*, erratum: Erratum, cut: Cut, proxy: Path, size: tuple[int, int]) -> bool:
    """Look at an erratum's moment again in `cut` (scene-relative, as carrying maps it) and
    store what was seen. False when there is nothing to compare: the erratum's scene is not on
    this cut, or the earlier cut has no video."""
    sighting = _best_sighting(erratum, cut)
    if sighting is not None:
        return _text_check(erratum, cut, sighting, proxy, size)
    return _picture_check(erratum, cut, proxy, size)


def _claim(erratum: Erratum, cut: Cut, **fields) -> FixCheck | None:
    try:
        with transaction.atomic():
            return FixCheck.objects.create(erratum=erratum, cut=cut, **fields)
    except IntegrityError:
        return None


def _text_check(
    erratum: Erratum,
    cut: Cut,
    sighting: ScreenSighting,
    proxy: Path,
    size: tuple[int, int],
) -> bool:
    time_map = CutTimeMap(from_cut=sighting.cut, to_cut=cut)
    scene_id = erratum.scene_id or sighting.finding.effective_scene_id
    start, end = sighting.start_s, sighting.end_s
    moments = [start + (end - start) * point for point in CHECK_POINTS]
    mapped = [time_map.map(moment, scene_id) for moment in moments]
    if not all(found for _, found in mapped):
        return False  # the scene is not on this cut: nothing to look at
    times = [at for at, _ in mapped]
    check = _claim(
        erratum,
        cut,
        from_cut=sighting.cut,
        wrong_text=sighting.text,
        right_text=erratum.correction_right or sighting.right_text,
        from_s=moments[1],
        at_s=times[1],
    )
    if check is None:
        return False
    before = cpu_seconds()
    storage = proxy_storage(cut)
    fields: dict = {"finished_at": timezone.now()}
    try:
        wrong, wrong_image, wrong_at = text_present(
            proxy, text=check.wrong_text, times=times, width=size[0], height=size[1]
        )
        if wrong is not None:
            fields["outcome"] = FixCheck.Outcome.STILL_THERE
            box = (wrong.left, wrong.top, wrong.width, wrong.height)
            after = crop(wrong_image, box)
            fields.update(at_s=wrong_at, from_s=moments[times.index(wrong_at)])
        else:
            right = image = right_at = None
            if check.right_text:
                right, image, right_at = text_present(
                    proxy, text=check.right_text, times=times, width=size[0], height=size[1]
                )
            if right is not None:
                fields["outcome"] = FixCheck.Outcome.FIXED
                after = crop(image, (right.left, right.top, right.width, right.height))
                fields.update(at_s=right_at, from_s=moments[times.index(right_at)])
            else:
                fields["outcome"] = FixCheck.Outcome.TEXT_GONE
                image = image if image is not None else wrong_image
                box = sighting.box
                after = (
                    crop(
                        image,
                        (
                            round(box["x"] * size[0]),
                            round(box["y"] * size[1]),
                            round(box["w"] * size[0]),
                            round(box["h"] * size[1]),
                        ),
                        margin=size[0] // 20,
                    )
                    if image is not None and box
                    else None
                )
        if after is not None and after.size:
            fields["after_crop"] = _store_image(storage, "screen", cut.pk, after)
        if sighting.crop:
            with sighting.crop.open("rb") as handle:
                fields["before_crop"] = storage.save(
                    f"screen/cut-{sighting.cut_id}-{secrets.token_hex(6)}.jpg",
                    ContentFile(handle.read()),
                )
    except (MediaToolError, OSError, RuntimeError) as error:
        logger.warning("Checking erratum %s in %s failed: %s", erratum.pk, cut, error)
        fields.update(outcome=FixCheck.Outcome.FAILED, error=str(error)[:2000])
    fields["cpu_s"] = round(cpu_seconds() - before, 3)
    FixCheck.objects.filter(pk=check.pk).update(**fields)
    return True


def _picture_check(erratum: Erratum, cut: Cut, proxy: Path, size: tuple[int, int]) -> bool:
    """A non-text erratum: the frame at its moment in the cut it was found in against the same
    scene-relative moment here; a perceptual difference says changed or unchanged."""
    old_cut = erratum.found_in_cut
    if erratum.category not in PICTURE_CATEGORIES:
        return False  # a narration slip or a suggestion: the picture says nothing about it
    if erratum.timestamp_s is None or old_cut.pk == cut.pk:
        return False
    if erratum.cut_id == cut.pk:
        # Carried here already: its time is on this cut; map it back to where it was found.
        new_s = erratum.timestamp_s
        old_s, found = CutTimeMap(from_cut=cut, to_cut=old_cut).map(new_s, erratum.scene_id)
    elif erratum.cut_id == old_cut.pk:
        old_s = erratum.timestamp_s
        new_s, found = CutTimeMap(from_cut=old_cut, to_cut=cut).map(old_s, erratum.scene_id)
    else:
        return False
    old_proxy = _ready_proxy_name(old_cut)
    if not found or old_proxy is None or old_s is None or new_s is None:
        return False
    check = _claim(erratum, cut, from_cut=old_cut, from_s=old_s, at_s=new_s)
    if check is None:
        return False
    before = cpu_seconds()
    storage = proxy_storage(cut)
    fields: dict = {"finished_at": timezone.now()}
    try:
        after = frame_at(proxy, at_s=new_s, width=size[0], height=size[1])
        with local_copy(storage, old_proxy) as old_path:
            old_size = _video_size(old_path)
            earlier = frame_at(old_path, at_s=old_s, width=old_size[0], height=old_size[1])
        if after is None or earlier is None:
            raise MediaToolError("No frame at that moment.")
        difference = picture_difference(earlier, after)
        fields.update(
            difference=difference,
            outcome=(
                FixCheck.Outcome.CHANGED
                if difference > UNCHANGED_MAX_BITS
                else FixCheck.Outcome.UNCHANGED
            ),
            before_crop=_store_image(storage, "screen", old_cut.pk, earlier),
            after_crop=_store_image(storage, "screen", cut.pk, after),
        )
    except (MediaToolError, OSError, RuntimeError) as error:
        logger.warning("Comparing frames of erratum %s in %s failed: %s", erratum.pk, cut, error)
        fields.update(outcome=FixCheck.Outcome.FAILED, error=str(error)[:2000])
    fields["cpu_s"] = round(cpu_seconds() - before, 3)
    FixCheck.objects.filter(pk=check.pk).update(**fields)
    return True
