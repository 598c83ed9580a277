"""A cut's video in the studio: uploading (refused unless it is a video), its processing on the
cut page, the duration edited with the same refusals as everywhere, which source plays, and
its files for the team only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from errata.models import Cut, CutMedia
from tests import factories
from tests.media.videos import make_video, needs_ffmpeg

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _cut_url(cut) -> str:
    return f"/studio/videos/{cut.video.slug}/cuts/{cut.number}/"


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("cut.html", b"<html><script>fetch('/studio/')</script></html>"),
        ("cut.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("cut.mp4", b"plain text with a video's name"),
    ],
)
def test_a_file_that_is_not_a_video_is_refused_on_the_cut_page_with_a_form_error(
    signed_in, cut, name, body
):
    upload = SimpleUploadedFile(name, body, content_type="video/mp4")
    response = signed_in.post(_cut_url(cut) + "media/", {"media_file": upload})
    assert response.status_code == 400
    assert "This is not a video file" in response.content.decode()
    cut.refresh_from_db()
    assert not cut.media_file
    assert not CutMedia.objects.exists()


@needs_ffmpeg
def test_an_uploaded_mkv_is_processed_and_the_cut_page_shows_it_ready(
    signed_in, cut, tmp_path, django_capture_on_commit_callbacks
):
    clip = make_video(tmp_path, "ffv1.mkv", seconds=2.0)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            _cut_url(cut) + "media/",
            {"media_file": SimpleUploadedFile("v1.mkv", clip.read_bytes())},
        )
    assert response.status_code == 302
    page = signed_in.get(_cut_url(cut)).content.decode()
    assert "Ready." in page and "video/x-matroska" in page
    cut.refresh_from_db()
    assert cut.duration_s == pytest.approx(2.0, abs=0.05)
    proxy = signed_in.get(_cut_url(cut) + "media/video/", HTTP_RANGE="bytes=0-99")
    assert (proxy.status_code, proxy["Content-Type"]) == (206, "video/mp4")
    original = signed_in.get(_cut_url(cut) + "media/original/")
    assert original["Content-Type"] == "video/x-matroska"
    assert original["Content-Disposition"] == 'attachment; filename="nn-cut1.mkv"'
    poster = signed_in.get(_cut_url(cut) + "media/poster/")
    assert poster["Content-Type"] == "image/jpeg"


def test_processing_shows_its_progress_and_asks_again_until_done(signed_in, cut):
    cut.media_file.name = "cuts/original.mkv"
    cut.save()
    factories.CutMediaFactory(
        cut=cut, status=CutMedia.Status.PROCESSING, phase=CutMedia.Phase.PROXY, percent=42
    )
    fragment = signed_in.get(_cut_url(cut) + "media/status/", HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "Making the browser copy" in body and 'value="42"' in body
    assert 'hx-trigger="every 2s"' in body


def test_a_failed_processing_says_why_and_the_cut_still_works(signed_in, cut, review_link):
    cut.media_file.name = "cuts/original.mkv"
    cut.save()
    factories.CutMediaFactory(
        cut=cut,
        status=CutMedia.Status.FAILED,
        content_type="video/x-matroska",
        error="Making the browser copy failed: Invalid data found when processing input",
    )
    page = signed_in.get(_cut_url(cut)).content.decode()
    assert "The video could not be processed." in page
    assert "Invalid data found when processing input" in page
    assert "hx-trigger" not in page.split('id="media-status"')[1].split(">")[0]
    review = signed_in.get(review_link.get_absolute_url()).content.decode()
    assert "could not be prepared for the browser" in review
    assert signed_in.post(
        f"{review_link.get_absolute_url()}comments/new/",
        {"text": "The label floats outside the box", "name": "Ada"},
    ).status_code in (200, 302)
    assert cut.comments.get().timestamp_s is None


def test_the_duration_can_be_changed_but_not_to_before_what_lies_on_the_cut(signed_in, cut):
    factories.CommentFactory(cut=cut, text="near the end", timestamp_s=1100)
    refused = signed_in.post(_cut_url(cut) + "duration/", {"duration": "18:00"})
    assert refused.status_code == 400
    assert "cannot end at 18:00: a comment at 18:20" in refused.content.decode()
    cut.refresh_from_db()
    assert cut.duration_s == 1153
    assert (
        signed_in.post(_cut_url(cut) + "duration/", {"duration": "19:00", "fps": "25"}).status_code
        == 302
    )
    cut.refresh_from_db()
    assert (cut.duration_s, float(cut.fps)) == (1140, 25.0)


def test_the_creator_can_switch_the_review_page_to_the_media_url(signed_in, cut, review_link):
    cut.media_url = "https://www.youtube.com/watch?v=aircAruvnKk"
    cut.media_file.name = "cuts/original.webm"
    cut.save()
    factories.CutMediaFactory(cut=cut)
    assert "<video" in signed_in.get(review_link.get_absolute_url()).content.decode()
    signed_in.post(_cut_url(cut) + "media/preference/", {"prefer_url": "on"})
    page = signed_in.get(review_link.get_absolute_url()).content.decode()
    assert "player-embed" in page and "<video" not in page
    signed_in.post(_cut_url(cut) + "media/preference/", {"prefer_url": ""})
    assert "<video" in signed_in.get(review_link.get_absolute_url()).content.decode()


def test_another_teams_member_gets_none_of_a_cuts_files(client, outsider, cut):
    cut.media_file.name = "cuts/original.webm"
    cut.save()
    factories.CutMediaFactory(cut=cut)
    client.force_login(outsider)
    for kind in ("original", "video", "poster"):
        assert client.get(_cut_url(cut) + f"media/{kind}/").status_code == 404
    assert client.get(_cut_url(cut) + "frames/1000.jpg").status_code == 404


@needs_ffmpeg
def test_a_new_cut_takes_its_duration_from_its_video_when_none_is_typed(
    signed_in, video, cut, tmp_path, django_capture_on_commit_callbacks
):
    clip = make_video(tmp_path, "prores.mov", seconds=3.0)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            f"/studio/videos/{video.slug}/cuts/new/",
            {
                "label": "Fixed",
                "duration": "",
                "media_file": SimpleUploadedFile("v2.mov", clip.read_bytes()),
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Cut.objects.get(video=video, number=2)
    assert new.duration_s == pytest.approx(3.0, abs=0.05)
    assert new.media.status == CutMedia.Status.READY


def test_a_new_cut_needs_a_duration_or_a_video(signed_in, video, cut):
    response = signed_in.post(f"/studio/videos/{video.slug}/cuts/new/", {"label": "Fixed"})
    assert response.status_code == 400
    assert "Give the cut&#x27;s duration, or upload its video." in response.content.decode()
    assert not Cut.objects.filter(number=2).exists()


def _colour_of(jpeg: bytes) -> str:
    """The dominant primary colour of a JPEG frame (OpenCV comes with PySceneDetect)."""
    import cv2
    import numpy

    image = cv2.imdecode(numpy.frombuffer(jpeg, numpy.uint8), cv2.IMREAD_COLOR)
    blue, green, red = (float(channel.mean()) for channel in cv2.split(image))
    return max({"red": red, "green": green, "blue": blue}.items(), key=lambda kv: kv[1])[0]


def _attach(cut, path, capture) -> None:
    from errata.media.services import cut_media_attach

    with capture(execute=True):
        cut_media_attach(cut=cut, upload=SimpleUploadedFile(path.name, path.read_bytes()))
    assert CutMedia.objects.get(cut=cut).status == CutMedia.Status.READY


@needs_ffmpeg
def test_the_inbox_shows_the_frame_at_each_findings_time(
    signed_in, video, tmp_path, django_capture_on_commit_callbacks
):
    from tests.media.videos import make_cards

    cut = factories.CutFactory(video=video, number=1, duration_s=4.0)
    _attach(cut, make_cards(tmp_path, ["red", "blue"]), django_capture_on_commit_callbacks)
    comment = factories.CommentFactory(cut=cut, text="the blue is too blue", timestamp_s=3.0)
    factories.FindingFactory(comment=comment, timestamp_s=3.0)
    untimed = factories.CommentFactory(cut=cut, text="love it", timestamp_s=None)
    factories.FindingFactory(comment=untimed, timestamp_s=None)

    with django_capture_on_commit_callbacks(execute=True):
        first = signed_in.get(_cut_url(cut) + "inbox/").content.decode()
    # The first view asks for the frame (a task grabs it) and shows a placeholder that asks
    # again; then the frame is there.
    assert f'hx-get="{_cut_url(cut)}frames/3000/"' in first
    slot = signed_in.get(_cut_url(cut) + "frames/3000/", HTTP_HX_REQUEST="true")
    assert f'src="{_cut_url(cut)}frames/3000.jpg"' in slot.content.decode()
    page = signed_in.get(_cut_url(cut) + "inbox/").content.decode()
    assert f'src="{_cut_url(cut)}frames/3000.jpg"' in page
    assert "untimed" in page
    image = signed_in.get(_cut_url(cut) + "frames/3000.jpg")
    assert image["Content-Type"] == "image/jpeg"
    assert _colour_of(b"".join(image.streaming_content)) == "blue"


@needs_ffmpeg
def test_the_erratum_page_shows_the_moment_in_the_cut_it_was_found_in_and_fixed_in(
    signed_in, video, tmp_path, django_capture_on_commit_callbacks
):
    from tests.media.videos import make_cards

    v1 = factories.CutFactory(video=video, number=1, duration_s=4.0)
    v2 = factories.CutFactory(video=video, number=2, duration_s=6.0)
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    _attach(v1, make_cards(tmp_path / "v1", ["red", "blue"]), django_capture_on_commit_callbacks)
    # Cut 2 has a new green scene before the blue one: the blue moment moved 2 s later.
    _attach(
        v2,
        make_cards(tmp_path / "v2", ["red", "green", "blue"]),
        django_capture_on_commit_callbacks,
    )
    intro, extra, outro = (factories.SceneFactory(video=video, name=n) for n in "ABC")
    factories.SceneSpanFactory(cut=v1, scene=intro, start_s=0, end_s=2)
    factories.SceneSpanFactory(cut=v1, scene=outro, start_s=2, end_s=4)
    factories.SceneSpanFactory(cut=v2, scene=intro, start_s=0, end_s=2)
    factories.SceneSpanFactory(cut=v2, scene=extra, start_s=2, end_s=4)
    factories.SceneSpanFactory(cut=v2, scene=outro, start_s=4, end_s=6)
    erratum = factories.ErratumFactory(
        cut=v1, timestamp_s=3.0, scene=outro, status="fixed", fixed_in_cut=v2
    )

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.get(f"/studio/videos/{video.slug}/errata/{erratum.pk}/")
    page = signed_in.get(f"/studio/videos/{video.slug}/errata/{erratum.pk}/").content.decode()
    assert f'src="{_cut_url(v1)}frames/3000.jpg"' in page
    assert f'src="{_cut_url(v2)}frames/5000.jpg"' in page
    assert "Found in cut 1 at 0:03" in page and "Fixed in cut 2 at 0:05" in page
    before = signed_in.get(_cut_url(v1) + "frames/3000.jpg")
    after = signed_in.get(_cut_url(v2) + "frames/5000.jpg")
    assert _colour_of(b"".join(before.streaming_content)) == "blue"
    assert _colour_of(b"".join(after.streaming_content)) == "blue"
    # The same moment in cut 2 by absolute time would have been the new green scene.
    assert f'src="{_cut_url(v2)}frames/3000.jpg"' not in page
