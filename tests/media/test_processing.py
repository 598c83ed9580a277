"""Uploading a cut's video: only video is taken; ffmpeg (in the task) probes it, fills the cut's
duration and fps, and makes a browser-safe proxy, a poster and a thumbnail sprite; a failing
transcode says why and leaves the cut usable."""

from __future__ import annotations

import json
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from errata.media import services
from errata.media.ffmpeg import MediaToolError
from errata.media.probe import probe_file
from errata.media.uploads import MediaRefused
from errata.models import CutMedia
from tests import factories
from tests.media.videos import make_video, needs_ffmpeg

pytestmark = [needs_ffmpeg]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(path, name=None, content_type="video/mp4") -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type=content_type)


@pytest.fixture
def attach(django_capture_on_commit_callbacks):
    """Attach as the pages do; the tasks queued on commit run (in-process) when it commits."""

    def attach(cut, upload) -> CutMedia:
        with django_capture_on_commit_callbacks(execute=True):
            media = services.cut_media_attach(cut=cut, upload=upload)
        media.refresh_from_db()
        return media

    return attach


def _ffprobe(path) -> dict:
    done = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        capture_output=True,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    "body",
    [
        b"<!doctype html><script>fetch('/api/exports/')</script>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"just some text, not a video\n",
    ],
    ids=["html", "svg", "text"],
)
@pytest.mark.django_db
def test_html_svg_and_text_are_refused_before_anything_is_stored(cut, tmp_path, body):
    upload = SimpleUploadedFile("cut.mp4", body, content_type="video/mp4")
    with pytest.raises(MediaRefused, match="not a video"):
        services.cut_media_attach(cut=cut, upload=upload)
    cut.refresh_from_db()
    assert not cut.media_file
    assert not CutMedia.objects.filter(cut=cut).exists()
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.*"))


@pytest.mark.parametrize("kind", ["prores.mov", "ffv1.mkv"])
@pytest.mark.django_db
def test_a_prores_or_mkv_upload_becomes_a_playable_mp4_proxy_with_its_duration(
    attach, cut, tmp_path, kind
):
    source = make_video(tmp_path, kind, seconds=2.0, fps=10)
    assert (cut.duration_s, cut.fps) == (1153.0, None)

    media = attach(cut, _upload(source))

    cut.refresh_from_db()
    assert media.status == CutMedia.Status.READY, media.error
    assert media.percent == 100
    assert cut.duration_s == pytest.approx(2.0, abs=0.05)
    assert float(cut.fps) == 10.0
    assert (
        media.content_type
        == {"prores.mov": "video/quicktime", "ffv1.mkv": "video/x-matroska"}[kind]
    )
    assert cut.media_file.name.endswith(kind.split(".")[1])
    proxy = _ffprobe(media.proxy.path)
    video = next(s for s in proxy["streams"] if s["codec_type"] == "video")
    audio = next(s for s in proxy["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], video["pix_fmt"], audio["codec_name"]) == (
        "h264",
        "yuv420p",
        "aac",
    )
    assert "mp4" in proxy["format"]["format_name"]
    assert float(proxy["format"]["duration"]) == pytest.approx(2.0, abs=0.1)
    # +faststart: the index (moov) comes before the media data (mdat).
    head = media.proxy.open("rb").read(4096)
    assert head.find(b"moov") != -1 and (
        head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat")
    )
    assert media.poster.open("rb").read(3) == b"\xff\xd8\xff"
    assert media.sprite.open("rb").read(3) == b"\xff\xd8\xff"
    assert media.sprite_index["count"] == 2 and media.sprite_index["interval_s"] == 1.0


@pytest.mark.django_db
def test_an_audio_only_file_that_looks_like_mp4_is_removed_and_the_cut_keeps_working(
    attach, cut, tmp_path
):
    audio = tmp_path / "talk.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine",
            "-t",
            "1",
            "-c:a",
            "aac",
            "-f",
            "mp4",
            str(audio),
        ],
        check=True,
    )
    # The first bytes say MP4 (ISO media); only ffprobe, in the task, sees there is no picture.
    media = attach(cut, _upload(audio))
    cut.refresh_from_db()
    assert media.status == CutMedia.Status.FAILED
    assert "no video stream" in media.error
    assert not cut.media_file
    assert cut.duration_s == 1153.0
    assert not any((tmp_path / "media" / "cuts").glob("*"))


@pytest.mark.django_db
def test_a_failing_transcode_shows_a_clear_error_and_leaves_the_cut_usable(
    attach, cut, tmp_path, monkeypatch, review_link
):
    source = make_video(tmp_path, "h264.mp4", seconds=2.0)

    def broken(**kwargs):
        raise MediaToolError("Making the browser copy failed: Unknown encoder 'libx264'")

    monkeypatch.setattr(services, "proxy_make", broken)
    media = attach(cut, _upload(source))
    assert media.status == CutMedia.Status.FAILED
    assert media.error == "Making the browser copy failed: Unknown encoder 'libx264'"
    assert not media.proxy
    # The duration was read before the transcode failed; the original stays and comments work.
    cut.refresh_from_db()
    assert cut.duration_s == pytest.approx(2.0, abs=0.05)
    assert cut.media_file
    factories.CommentFactory(cut=cut, text="still works", timestamp_s=1.0)
    assert cut.comments.count() == 1


def test_ffmpeg_failures_carry_ffmpegs_last_lines_and_a_hang_is_stopped(tmp_path):
    from errata.media.ffmpeg import ffmpeg_binary, run_tool

    with pytest.raises(MediaToolError, match=r"(?s)Grabbing a frame failed: .*No such file"):
        run_tool([ffmpeg_binary(), "-i", str(tmp_path / "gone.mkv")], what="Grabbing a frame")
    endless = [ffmpeg_binary(), "-re", "-f", "lavfi", "-i", "testsrc", "-f", "null", "-"]
    with pytest.raises(MediaToolError, match=r"took longer than 0\.5 s and was stopped"):
        run_tool(endless, timeout_s=0.5, what="Making the browser copy")


@pytest.mark.django_db
def test_a_duration_from_the_file_is_not_forced_past_what_lies_on_the_cut(attach, cut, tmp_path):
    factories.CommentFactory(cut=cut, text="at the end", timestamp_s=5.0)
    source = make_video(tmp_path, "h264.mp4", seconds=2.0)
    media = attach(cut, _upload(source))
    cut.refresh_from_db()
    assert media.status == CutMedia.Status.READY
    assert cut.duration_s == 1153.0
    assert "stays 19:13" in media.warning and "a comment at 0:05" in media.warning


@pytest.mark.django_db
def test_probing_without_ffprobe_reads_ffmpegs_own_report(tmp_path, settings, monkeypatch):
    from errata.media import probe as probe_module

    source = make_video(tmp_path, "prores.mov", seconds=2.0, fps=10)
    with_ffprobe = probe_file(source)
    monkeypatch.setattr(probe_module, "ffprobe_binary", lambda: None)
    without = probe_file(source)
    assert without.content_type == with_ffprobe.content_type == "video/quicktime"
    assert (without.width, without.height, without.fps) == (160, 90, 10.0)
    assert without.duration_s == pytest.approx(with_ffprobe.duration_s, abs=0.02)
    assert (without.video_codec, without.audio_codec) == ("prores", with_ffprobe.audio_codec)


@pytest.mark.django_db
def test_the_sweep_queues_again_processing_and_frames_whose_task_was_lost(cut, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from errata.models import FrameGrab

    published: list[tuple[str, int]] = []
    monkeypatch.setattr(services, "publish", lambda name, pk: published.append((name, pk)) or True)
    old = timezone.now() - timedelta(minutes=10)
    lost = factories.CutMediaFactory(cut=cut, status=CutMedia.Status.QUEUED, created_at=old)
    other = factories.CutFactory(video=cut.video, number=2)
    factories.CutMediaFactory(cut=other, status=CutMedia.Status.QUEUED)  # just queued: wait
    FrameGrab.objects.create(cut=cut, at_ms=1000, created_at=old)
    FrameGrab.objects.create(cut=cut, at_ms=2000, created_at=old)

    assert services.media_sweep(older_than_s=60) == 2
    assert published == [("errata.media_process", lost.pk), ("errata.frames_grab", cut.pk)]


@pytest.mark.django_db
def test_a_task_for_a_cut_deleted_meanwhile_does_nothing(cut):
    from errata.tasks import media_detect_shots_task, media_process_task

    media = factories.CutMediaFactory(cut=cut, status=CutMedia.Status.QUEUED)
    pk = media.pk
    cut.delete()
    assert media_process_task(pk) == {"media_id": pk, "missing": True}
    assert media_detect_shots_task(pk) == 0
