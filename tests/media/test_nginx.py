"""Behind nginx (as in docker-compose): the app only checks the review link and answers with
X-Accel-Redirect; nginx sends the file, with ranges, the app's Content-Type and nosniff; a
revoked link gets nothing, and /media/ itself serves nothing."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request

import pytest

from errata.reviews.services import review_link_revoke
from tests import factories
from tests.nginx_server import running_nginx
from tests.paths import TEST_VIDEO

pytestmark = pytest.mark.django_db(transaction=True)


def _get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return answer.status, {k.title(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.title(): v for k, v in error.headers.items()}, error.read()


def test_nginx_sends_the_file_the_app_hands_over_with_ranges_and_the_apps_headers(
    settings, tmp_path, live_server, video
):
    media_root = tmp_path / "media"
    (media_root / "cuts").mkdir(parents=True)
    shutil.copy(TEST_VIDEO, media_root / "cuts" / TEST_VIDEO.name)
    settings.MEDIA_ROOT = media_root
    settings.MEDIA_X_ACCEL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["*"]
    cut = factories.CutFactory(video=video, number=1, duration_s=8.0)
    cut.media_file.name = f"cuts/{TEST_VIDEO.name}"
    cut.save()
    factories.CutMediaFactory(cut=cut)
    link = factories.ReviewLinkFactory(cut=cut)
    upstream = live_server.url.removeprefix("http://")
    work = tmp_path / "nginx"
    work.mkdir()
    with running_nginx(upstream=upstream, media_root=media_root, workdir=work) as nginx:
        data = TEST_VIDEO.read_bytes()
        status, headers, body = _get(
            f"{nginx}{link.get_absolute_url()}media/", Range="bytes=100-199"
        )
        assert status == 206
        assert body == data[100:200]
        assert headers["Content-Range"] == f"bytes 100-199/{len(data)}"
        assert headers["Content-Type"] == "video/webm"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "X-Accel-Redirect" not in headers
        assert _get(f"{nginx}/media/cuts/{TEST_VIDEO.name}")[0] == 404
        assert _get(f"{nginx}/_protected_media/cuts/{TEST_VIDEO.name}")[0] == 404
        review_link_revoke(review_link=link)
        status, _, body = _get(f"{nginx}{link.get_absolute_url()}media/")
        assert status == 410 and data[:100] not in body
