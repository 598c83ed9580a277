"""A cut's video over the API: upload (only video), processing followed by status and percent,
the duration filled from the file, the files themselves."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import token_client
from tests.media.videos import make_video, needs_ffmpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(creator):
    return token_client(creator)


@pytest.mark.parametrize(
    "body",
    [b"<!doctype html><script>alert(document.cookie)</script>", b"<svg onload=alert(1)>", b"hi"],
)
def test_uploading_something_that_is_not_a_video_is_a_400_naming_the_file(api, cut, body):
    upload = SimpleUploadedFile("cut.mp4", body, content_type="video/mp4")
    response = api.put(f"/api/cuts/{cut.pk}/media/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["fields"]["file"][0].startswith("This is not a video file")
    assert api.get(f"/api/cuts/{cut.pk}/media/").status_code == 404


@needs_ffmpeg
def test_an_mkv_uploaded_over_the_api_becomes_a_playable_proxy_with_its_duration(
    api, cut, tmp_path, django_capture_on_commit_callbacks
):
    clip = make_video(tmp_path, "ffv1.mkv", seconds=3.0, fps=10)
    with django_capture_on_commit_callbacks(execute=True):
        accepted = api.put(
            f"/api/cuts/{cut.pk}/media/",
            {"file": SimpleUploadedFile("take3.mkv", clip.read_bytes())},
            format="multipart",
        )
    assert accepted.status_code == 202
    assert accepted.json()["status"] == "queued"
    body = api.get(f"/api/cuts/{cut.pk}/").json()
    assert body["duration_s"] == pytest.approx(3.0, abs=0.05)
    assert body["fps"] == 10.0
    media = body["media"]
    assert (media["status"], media["percent"], media["content_type"]) == (
        "ready",
        100,
        "video/x-matroska",
    )
    assert media["probe"]["video_codec"] == "ffv1"
    video = api.get(media["video_url"], HTTP_RANGE="bytes=0-1023")
    assert (video.status_code, video["Content-Type"]) == (206, "video/mp4")
    assert body["media_file"].endswith(f"/api/cuts/{cut.pk}/media/original/")
