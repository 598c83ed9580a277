"""The uploaded cut is served with HTTP range requests (so the player can seek), and only
through an open review link."""

from __future__ import annotations

import shutil

import pytest

from errata.media.serving import RangeNotSatisfiable, byte_range
from errata.reviews.services import review_link_revoke
from tests import factories
from tests.paths import TEST_VIDEO


@pytest.fixture
def media_link(settings, tmp_path, video):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "cuts").mkdir()
    shutil.copy(TEST_VIDEO, tmp_path / "cuts" / TEST_VIDEO.name)
    cut = factories.CutFactory(video=video, number=3, duration_s=8.0)
    cut.media_file.name = f"cuts/{TEST_VIDEO.name}"
    cut.save()
    factories.CutMediaFactory(cut=cut)
    return factories.ReviewLinkFactory(cut=cut)


def _media(client, link, **headers):
    return client.get(f"{link.get_absolute_url()}media/", **headers)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_a_range_request_gets_exactly_those_bytes_with_206(client, media_link):
    data = TEST_VIDEO.read_bytes()
    response = _media(client, media_link, HTTP_RANGE="bytes=1000-1999")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert response["Content-Length"] == "1000"
    assert response["Content-Type"] == "video/webm"
    assert response["Accept-Ranges"] == "bytes"
    assert _body(response) == data[1000:2000]


@pytest.mark.django_db
def test_an_open_range_runs_to_the_end_and_a_suffix_range_takes_the_tail(client, media_link):
    data = TEST_VIDEO.read_bytes()
    response = _media(client, media_link, HTTP_RANGE=f"bytes={len(data) - 10}-")
    assert _body(response) == data[-10:]
    tail = _media(client, media_link, HTTP_RANGE="bytes=-500")
    assert tail["Content-Range"] == f"bytes {len(data) - 500}-{len(data) - 1}/{len(data)}"
    assert _body(tail) == data[-500:]


@pytest.mark.django_db
def test_without_a_range_the_whole_file_comes_with_200(client, media_link):
    response = _media(client, media_link)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert "Content-Range" not in response
    assert _body(response) == TEST_VIDEO.read_bytes()
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_range_past_the_end_is_answered_416(client, media_link):
    size = TEST_VIDEO.stat().st_size
    response = _media(client, media_link, HTTP_RANGE=f"bytes={size}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


@pytest.mark.django_db
def test_a_stale_if_range_gets_the_whole_file(client, media_link):
    response = _media(client, media_link, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"old"')
    assert response.status_code == 200
    etag = response["ETag"]
    fresh = _media(client, media_link, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    assert fresh.status_code == 206


@pytest.mark.django_db
def test_head_answers_the_size_without_a_body(client, media_link):
    response = client.head(f"{media_link.get_absolute_url()}media/")
    assert response.status_code == 200
    assert response["Content-Length"] == str(TEST_VIDEO.stat().st_size)


@pytest.mark.django_db
def test_the_page_plays_the_uploaded_file_through_the_link(client, media_link):
    page = client.get(media_link.get_absolute_url()).content.decode()
    assert f'src="{media_link.get_absolute_url()}media/"' in page
    assert "<video" in page


@pytest.mark.django_db
def test_media_through_a_revoked_or_unknown_link_is_refused(client, media_link):
    assert _media(client, media_link, HTTP_RANGE="bytes=0-9").status_code == 206
    review_link_revoke(review_link=media_link)
    assert _media(client, media_link, HTTP_RANGE="bytes=0-9").status_code == 410
    assert client.get("/r/nope/media/").status_code == 404


@pytest.mark.django_db
def test_a_cut_without_an_upload_has_no_media(client, review_link):
    assert _media(client, review_link).status_code == 404


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-99", 1000, (0, 99)),
        ("bytes=900-", 1000, (900, 999)),
        ("bytes=900-5000", 1000, (900, 999)),
        ("bytes=-100", 1000, (900, 999)),
        ("bytes=-5000", 1000, (0, 999)),
        ("BYTES = 5 - 9", 1000, (5, 9)),
        ("", 1000, None),
        ("bytes=0-1,5-6", 1000, None),
        ("items=0-5", 1000, None),
        ("bytes=-", 1000, None),
    ],
)
def test_range_headers_are_read_as_rfc_9110_says(header, size, expected):
    assert byte_range(header, size) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5-4", "bytes=-0"])
def test_unsatisfiable_ranges_are_refused(header):
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, 1000)


@pytest.mark.django_db
def test_media_carries_the_probed_type_nosniff_and_a_sandbox(client, media_link):
    response = _media(client, media_link, HTTP_RANGE="bytes=0-9")
    assert response["Content-Type"] == "video/webm"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["Content-Disposition"] == "inline"


@pytest.mark.django_db
def test_behind_nginx_the_app_only_checks_access_and_hands_the_file_over(
    client, media_link, settings
):
    settings.MEDIA_X_ACCEL_REDIRECT = True
    response = _media(client, media_link)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_protected_media/cuts/{TEST_VIDEO.name}"
    assert response.content == b""
    assert response["Content-Type"] == "video/webm"
    assert response["X-Content-Type-Options"] == "nosniff"
    review_link_revoke(review_link=media_link)
    assert "X-Accel-Redirect" not in _media(client, media_link)


@pytest.mark.django_db
def test_a_file_that_is_not_media_is_only_ever_an_attachment(rf, settings, tmp_path):
    from django.core.files.base import ContentFile

    from errata.media.serving import stored_file_response

    settings.MEDIA_ROOT = tmp_path
    job = factories.ExportJobFactory(done=True)
    job.file.save("evil.html", ContentFile(b"<script>alert(1)</script>"))
    response = stored_file_response(
        rf.get("/"), job.file, content_type="text/html", filename="checklist.html"
    )
    assert response["Content-Disposition"] == 'attachment; filename="checklist.html"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response


@pytest.mark.django_db
def test_a_cut_whose_upload_is_still_an_unplayable_mkv_has_no_media_yet(client, media_link):
    media_link.cut.media.content_type = "video/x-matroska"
    media_link.cut.media.save()
    assert _media(client, media_link).status_code == 404
    page = client.get(media_link.get_absolute_url()).content.decode()
    assert "being prepared for the browser" in page


@pytest.mark.django_db
def test_a_ready_cut_plays_its_proxy_with_a_poster_and_scrubbing_thumbnails(client, media_link):
    from django.core.files.base import ContentFile

    media = media_link.cut.media
    media.proxy.save("proxy.mp4", ContentFile(TEST_VIDEO.read_bytes()), save=False)
    media.poster.save("poster.jpg", ContentFile(b"\xff\xd8\xff poster"), save=False)
    media.sprite.save("sprite.jpg", ContentFile(b"\xff\xd8\xff sprite"), save=False)
    media.status = "ready"
    media.sprite_index = {
        "interval_s": 3.0,
        "columns": 2,
        "count": 3,
        "tile_width": 160,
        "tile_height": 90,
    }
    media.save()
    base = media_link.get_absolute_url()
    page = client.get(base).content.decode()
    assert f'poster="{base}media/poster.jpg"' in page
    assert f"{base}media/thumbnails.vtt" in page
    assert _media(client, media_link)["Content-Type"] == "video/mp4"
    poster = client.get(f"{base}media/poster.jpg")
    assert (poster.status_code, poster["Content-Type"]) == (200, "image/jpeg")
    vtt = client.get(f"{base}media/thumbnails.vtt")
    assert vtt["Content-Type"] == "text/vtt; charset=utf-8"
    # Three tiles of 3 s in two columns; the last cue ends with the cut (8 s).
    assert vtt.content.decode().split("\n") == [
        "WEBVTT",
        "",
        "00:00:00.000 --> 00:00:03.000",
        f"{base}media/sprite.jpg#xywh=0,0,160,90",
        "",
        "00:00:03.000 --> 00:00:06.000",
        f"{base}media/sprite.jpg#xywh=160,0,160,90",
        "",
        "00:00:06.000 --> 00:00:08.000",
        f"{base}media/sprite.jpg#xywh=0,90,160,90",
        "",
    ]
    assert client.get(f"{base}media/sprite.jpg")["Content-Type"] == "image/jpeg"
