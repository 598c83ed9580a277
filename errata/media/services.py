"""Writes of the media package: attaching an uploaded video to a cut, processing it (probe,
proxy, poster, sprite; then shot detection), frame grabs, and the sweep that re-queues work
whose task was lost.

The request only checks the file's first bytes and stores it; everything ffmpeg does runs in
Celery tasks queued by name after the commit. Each run claims its row with a conditional update
and writes its results only if the cut still has the file it started from, so a task delivered
twice, or one overtaken by a newer upload, changes nothing.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from errata.catalog.services import cut_delete, cut_duration_set
from errata.core.errors import error_text
from errata.core.queue import enqueue, publish
from errata.fixes.carrying import NewCutResult, cut_create_and_carry
from errata.media.ffmpeg import MediaToolError
from errata.media.probe import NotAVideo, Probe, probe_file
from errata.media.selectors import frame_moment_ms
from errata.media.shots import shots_detect
from errata.media.storage import local_copy
from errata.media.transcode import poster_time, proxy_make, sprite_make, sprite_plan, still_make
from errata.media.uploads import stored_video_name, video_container_of
from errata.models import Cut, CutMedia, FixCheck, FrameGrab, ScreenSighting, Video
from errata.triage.timestamps import format_time

logger = logging.getLogger(__name__)

PROCESS_TASK = "errata.media_process"
SHOTS_TASK = "errata.media_detect_shots"
FRAMES_TASK = "errata.frames_grab"
SCREEN_TASK = "errata.screen_read_cut"
# Progress is written at most this often while ffmpeg runs.
PROGRESS_EVERY_S = 0.5
# Until its video is probed, a new cut whose duration was not typed is taken to be this long,
# so that its timeline and carried errata fit; the probe then sets the file's duration.
PROVISIONAL_DURATION_S = 24 * 3600.0

Status, Phase = CutMedia.Status, CutMedia.Phase


def _delete_files(storage: Storage, names: Iterable[str]) -> None:
    for name in {n for n in names if n}:
        try:
            storage.delete(name)
        except Exception:
            logger.warning("Could not delete %s from storage", name, exc_info=True)


def _derived_names(media: CutMedia | None) -> list[str]:
    if media is None:
        return []
    return [media.proxy.name, media.poster.name, media.sprite.name]


@transaction.atomic
def cut_media_attach(*, cut: Cut, upload: UploadedFile) -> CutMedia:
    """Store an uploaded video as the cut's original and queue its processing. Raises
    MediaRefused (before anything is stored) for a file that does not start like a video.

    A new upload replaces the cut's previous file and everything made from it."""
    container = video_container_of(upload)
    given, cut = cut, Cut.objects.select_for_update().get(pk=cut.pk)
    storage = cut.media_file.storage
    old_media = CutMedia.objects.filter(cut=cut).first()
    old_names = [cut.media_file.name, *_derived_names(old_media)]
    old_frames = list(FrameGrab.objects.filter(cut=cut).values_list("image", flat=True))
    # Frame checks read the old file: their crops go with it, and the new file is read afresh.
    old_frames += list(ScreenSighting.objects.filter(cut=cut).values_list("crop", flat=True))
    for before, after in FixCheck.objects.filter(cut=cut).values_list("before_crop", "after_crop"):
        old_frames += [before, after]
    upload.seek(0)
    cut.media_file.save(stored_video_name(container), upload, save=False)
    new_name = given.media_file.name = cut.media_file.name
    try:
        Cut.objects.filter(pk=cut.pk).update(media_file=new_name)
        media, _ = CutMedia.objects.update_or_create(
            cut=cut,
            defaults={
                "source_name": new_name,
                "status": Status.QUEUED,
                "phase": Phase.WAITING,
                "percent": 0,
                "error": "",
                "warning": "",
                "content_type": container,
                "probe": {},
                "proxy": "",
                "poster": "",
                "sprite": "",
                "sprite_index": {},
                "shots": None,
                "created_at": timezone.now(),
                "started_at": None,
                "finished_at": None,
            },
        )
        FrameGrab.objects.filter(cut=cut).delete()
        ScreenSighting.objects.filter(cut=cut).delete()
        FixCheck.objects.filter(cut=cut).delete()
    except Exception:
        # The rows were not written: do not leave the new file behind in the store.
        _delete_files(storage, [new_name])
        raise
    transaction.on_commit(lambda: _delete_files(storage, [*old_names, *old_frames]))
    enqueue(PROCESS_TASK, media.pk)
    return media


def cut_create_with_media(
    *,
    video: Video,
    duration_s: float | None,
    upload: UploadedFile | None = None,
    **cut_fields,
) -> NewCutResult:
    """Add the next cut (fixes.carrying.cut_create_and_carry: timeline, carried errata) with
    its uploaded video, all or nothing. Without a typed duration the cut is provisionally
    PROVISIONAL_DURATION_S long until the probe of its video sets the real one."""
    if duration_s is None and upload is None:
        raise ValidationError(
            {"duration_s": gettext("Give the cut's duration, or upload its video to read it from.")}
        )
    if upload is not None:
        video_container_of(upload)  # refuse a non-video before anything is written
    with transaction.atomic():
        result = cut_create_and_carry(
            video=video, duration_s=duration_s or PROVISIONAL_DURATION_S, **cut_fields
        )
        if upload is not None:
            cut_media_attach(cut=result.cut, upload=upload)
    return result


def _media_update(media_id: int, source_name: str, **fields) -> bool:
    """Write to the media row only while it still describes `source_name`."""
    return bool(CutMedia.objects.filter(pk=media_id, source_name=source_name).update(**fields))


def _store(storage: Storage, folder: str, cut_id: int, path: Path, suffix: str) -> str:
    name = f"{folder}/cut-{cut_id}-{secrets.token_hex(6)}{suffix}"
    with path.open("rb") as handle:
        return storage.save(name, File(handle))


def _duration_from_probe(cut: Cut, probe: Probe) -> str:
    """Give the cut the file's duration and fps; a warning when spans or times lie past the
    file's end (the cut then keeps its duration)."""
    fps = round(probe.fps, 3) if probe.fps else None
    if abs(cut.duration_s - probe.duration_s) < 0.001 and (fps is None or cut.fps == fps):
        return ""
    try:
        cut_duration_set(cut=cut, duration_s=probe.duration_s, fps=fps)
    except ValidationError as error:
        return (
            f"The video is {format_time(probe.duration_s)} long, but the cut's duration stays "
            f"{format_time(cut.duration_s)}: {error_text(error)}"
        )
    return ""


def cut_media_process(*, media_id: int) -> CutMedia:
    """Probe the cut's original and make its proxy, poster and sprite (the Celery task
    errata.media_process). A file that turns out not to be a video is removed and the cut
    keeps working without media; a transcode that fails leaves the original in place and says
    why. Either way the cut, its comments and its timeline are untouched."""
    claimed = CutMedia.objects.filter(pk=media_id, status=Status.QUEUED).update(
        status=Status.PROCESSING, phase=Phase.PROBING, percent=1, started_at=timezone.now()
    )
    media = CutMedia.objects.select_related("cut__video").get(pk=media_id)
    if not claimed:
        return media
    source_name, cut = media.source_name, media.cut
    storage = cut.media_file.storage
    made: list[str] = []
    last_write = [0.0]

    def progress(fraction: float) -> None:
        if time.monotonic() - last_write[0] < PROGRESS_EVERY_S:
            return
        last_write[0] = time.monotonic()
        _media_update(media_id, source_name, percent=2 + round(78 * fraction))

    try:
        with local_copy(storage, source_name) as original, tempfile.TemporaryDirectory() as work:
            probe = probe_file(original)
            warning = _duration_from_probe(cut, probe)
            _media_update(
                media_id,
                source_name,
                content_type=probe.content_type,
                probe=probe.as_json(),
                warning=warning,
                phase=Phase.PROXY,
                percent=2,
            )
            proxy = Path(work) / "proxy.mp4"
            proxy_make(source=original, target=proxy, probe=probe, progress=progress)
            made.append(_store(storage, "proxies", cut.pk, proxy, ".mp4"))
            _media_update(media_id, source_name, phase=Phase.POSTER, percent=80)
            poster = Path(work) / "poster.jpg"
            still_make(source=proxy, target=poster, at_s=poster_time(probe.duration_s))
            made.append(_store(storage, "posters", cut.pk, poster, ".jpg"))
            _media_update(media_id, source_name, phase=Phase.SPRITE, percent=85)
            plan = sprite_plan(probe)
            sprite = Path(work) / "sprite.jpg"
            sprite_make(source=proxy, target=sprite, plan=plan)
            made.append(_store(storage, "sprites", cut.pk, sprite, ".jpg"))
    except NotAVideo as refusal:
        # Only video is kept as a cut's media: the file goes, the cut stays as it was.
        with transaction.atomic():
            current = _media_update(
                media_id,
                source_name,
                status=Status.FAILED,
                phase=Phase.FINISHED,
                error=f"{refusal} The file was removed; upload a video.",
                finished_at=timezone.now(),
            )
            if current:
                Cut.objects.filter(pk=cut.pk, media_file=source_name).update(media_file="")
        if current:
            _delete_files(storage, [source_name])
    except (MediaToolError, FileNotFoundError, OSError) as failure:
        logger.warning("Processing the video of %s failed: %s", cut, failure)
        _delete_files(storage, made)
        _media_update(
            media_id,
            source_name,
            status=Status.FAILED,
            phase=Phase.FINISHED,
            error=str(failure)[:2000],
            finished_at=timezone.now(),
        )
    else:
        done = _media_update(
            media_id,
            source_name,
            status=Status.READY,
            phase=Phase.FINISHED,
            percent=100,
            proxy=made[0],
            poster=made[1],
            sprite=made[2],
            sprite_index=plan.as_json(),
            finished_at=timezone.now(),
        )
        if done:
            enqueue(SHOTS_TASK, media_id)
            # Frame checks (errata/media/screen.py) read the new video's frames.
            if settings.FRAME_CHECKS:
                enqueue(SCREEN_TASK, cut.pk)
        else:
            # A newer upload replaced the file while this one was processed.
            _delete_files(storage, made)
    media.refresh_from_db()
    return media


def cut_media_detect_shots(*, media_id: int) -> CutMedia:
    """Find shot boundaries on a ready proxy (the task errata.media_detect_shots) for the
    timeline page to propose spans from. A failure is a warning: the video still plays."""
    media = CutMedia.objects.select_related("cut").get(pk=media_id)
    if not media.is_ready or media.shots is not None:
        return media
    source_name = media.source_name
    try:
        with local_copy(media.proxy.storage, media.proxy.name) as proxy:
            boundaries = shots_detect(proxy)
    except Exception as error:  # noqa: BLE001 - OpenCV raises its own error types
        logger.warning("Shot detection on %s failed: %s", media.cut, error)
        _media_update(media_id, source_name, warning="Shots could not be detected in this video.")
    else:
        _media_update(media_id, source_name, shots=boundaries)
    media.refresh_from_db()
    return media


def cut_media_prefer_url(*, media: CutMedia, prefer_url: bool) -> None:
    """Play the cut's URL (YouTube...) instead of its uploaded video, or back."""
    CutMedia.objects.filter(pk=media.pk).update(prefer_url=prefer_url)
    media.prefer_url = prefer_url


def frame_grabs_request(*, moments: Iterable[tuple[int, float]]) -> int:
    """Ask for the frames of (cut id, seconds) moments that are not grabbed yet: pending rows
    now, one task per cut after the commit. Only cuts whose proxy is ready. Returns how many
    were asked for."""
    wanted: dict[int, set[int]] = {}
    for cut_id, seconds in moments:
        if seconds is not None:
            wanted.setdefault(cut_id, set()).add(frame_moment_ms(seconds))
    if not wanted:
        return 0
    ready = set(
        CutMedia.objects.filter(cut_id__in=list(wanted), status=Status.READY).values_list(
            "cut_id", flat=True
        )
    )
    asked = 0
    with transaction.atomic():
        for cut_id in sorted(ready):
            existing = set(
                FrameGrab.objects.filter(cut_id=cut_id, at_ms__in=wanted[cut_id]).values_list(
                    "at_ms", flat=True
                )
            )
            missing = sorted(wanted[cut_id] - existing)
            if not missing:
                continue
            FrameGrab.objects.bulk_create(
                [FrameGrab(cut_id=cut_id, at_ms=ms) for ms in missing], ignore_conflicts=True
            )
            enqueue(FRAMES_TASK, cut_id)
            asked += len(missing)
    return asked


def frame_grabs_run(*, cut_id: int) -> int:
    """Grab a cut's pending frames from its proxy (the task errata.frames_grab). Returns how
    many were grabbed."""
    media = CutMedia.objects.filter(cut_id=cut_id, status=Status.READY).first()
    pending = list(FrameGrab.objects.filter(cut_id=cut_id, status=FrameGrab.Status.PENDING))
    if not pending:
        return 0
    if media is None or not media.proxy:
        FrameGrab.objects.filter(pk__in=[g.pk for g in pending]).delete()
        return 0
    storage = media.proxy.storage
    duration = float((media.probe or {}).get("duration_s") or 0)
    grabbed = 0
    with local_copy(storage, media.proxy.name) as proxy, tempfile.TemporaryDirectory() as work:
        for grab in pending:
            target = Path(work) / f"{grab.at_ms}.jpg"
            # Past the last frame, the last frame: a report "at the very end" shows it.
            at_s = grab.at_ms / 1000
            if duration:
                at_s = min(at_s, max(0.0, duration - 0.1))
            try:
                still_make(source=proxy, target=target, at_s=at_s)
            except (MediaToolError, FileNotFoundError) as error:
                logger.info("No frame at %s ms of cut %s: %s", grab.at_ms, cut_id, error)
                FrameGrab.objects.filter(pk=grab.pk).update(status=FrameGrab.Status.FAILED)
                continue
            name = _store(storage, "frames", cut_id, target, ".jpg")
            updated = FrameGrab.objects.filter(pk=grab.pk, status=FrameGrab.Status.PENDING).update(
                status=FrameGrab.Status.READY, image=name
            )
            if updated:
                grabbed += 1
            else:
                _delete_files(storage, [name])
    return grabbed


def media_sweep(*, older_than_s: int | None = None, limit: int = 100) -> int:
    """Queue again the processing and frame grabs still waiting a while after they were asked
    for: their task was lost (the broker was down). Runs claim their rows, so a second task
    does nothing. Returns how many tasks were queued."""
    older_than_s = settings.QUEUE_SWEEP_AFTER_SECONDS if older_than_s is None else older_than_s
    cutoff = timezone.now() - timedelta(seconds=older_than_s)
    stuck = [
        (PROCESS_TASK, pk)
        for pk in CutMedia.objects.filter(status=Status.QUEUED, created_at__lte=cutoff)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    ] + [
        (FRAMES_TASK, cut_id)
        for cut_id in FrameGrab.objects.filter(
            status=FrameGrab.Status.PENDING, created_at__lte=cutoff
        )
        .order_by("cut_id")
        .values_list("cut_id", flat=True)
        .distinct()[:limit]
    ]
    queued = 0
    for task_name, pk in stuck:
        if not publish(task_name, pk):
            break
        queued += 1
    return queued


def cut_delete_with_files(*, cut: Cut) -> None:
    """Delete a cut (catalog.services.cut_delete: refused once it has comments or errata) and,
    after the commit, its stored video and everything made from it."""
    storage = cut.media_file.storage
    names = [cut.media_file.name, *_derived_names(CutMedia.objects.filter(cut=cut).first())]
    names += list(FrameGrab.objects.filter(cut=cut).values_list("image", flat=True))
    with transaction.atomic():
        cut_delete(cut=cut)
        transaction.on_commit(lambda: _delete_files(storage, names))
