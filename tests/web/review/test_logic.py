"""The review page's pieces on their own: where a cut's video comes from, how comment text is
shown, where a new comment is placed, and the settings and limits behind it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from errata.media.sources import (
    cut_media_source,
    review_page_csp,
    vimeo_video_url,
    youtube_video_id,
)
from errata.models import CutMedia
from errata.reviews.selectors import Cursor
from errata.reviews.text import comment_html, comment_time
from errata.web.review.ratelimits import client_ip, login_client_ip, review_post_limit_hit
from tests import factories
from tests.paths import ROOT


@pytest.mark.parametrize(
    ("url", "video_id"),
    [
        ("https://www.youtube.com/watch?v=aircAruvnKk", "aircAruvnKk"),
        ("https://youtube.com/watch?v=aircAruvnKk&t=30s", "aircAruvnKk"),
        ("https://youtu.be/aircAruvnKk?t=12", "aircAruvnKk"),
        ("https://www.youtube.com/embed/aircAruvnKk", "aircAruvnKk"),
        ("https://www.youtube-nocookie.com/embed/aircAruvnKk", "aircAruvnKk"),
        ("https://m.youtube.com/shorts/aircAruvnKk", "aircAruvnKk"),
        ("https://www.youtube.com/watch?v=short", ""),
        ("https://evil.example/watch?v=aircAruvnKk", ""),
        ("https://www.youtube.com/playlist?list=PLZHQObOWTQDNU6R1_67000Dx_ZCJB-3pi", ""),
    ],
)
def test_youtube_addresses_yield_their_video_id(url, video_id):
    assert youtube_video_id(url) == video_id


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://vimeo.com/76979871", "https://vimeo.com/76979871"),
        ("https://vimeo.com/76979871/abc123def0", "https://vimeo.com/76979871/abc123def0"),
        (
            "https://player.vimeo.com/video/76979871?h=abc123def0",
            "https://vimeo.com/76979871/abc123def0",
        ),
        ("https://vimeo.com/channels/staffpicks", ""),
        ("https://notvimeo.com/76979871", ""),
    ],
)
def test_vimeo_addresses_yield_a_canonical_url(url, canonical):
    assert vimeo_video_url(url) == canonical


@pytest.mark.django_db
def test_an_upload_wins_over_a_url_and_each_source_gets_its_own_policy(video):
    cut = factories.CutFactory(video=video, media_url="https://vimeo.com/76979871")
    vimeo = cut_media_source(cut, file_url="/r/t/media/")
    assert vimeo.kind == "vimeo"
    assert "https://player.vimeo.com" in review_page_csp(vimeo)
    assert "youtube" not in review_page_csp(vimeo)
    cut.media_file.name = "cuts/v1.mkv"
    cut.save()
    media = factories.CutMediaFactory(cut=cut, content_type="video/x-matroska")
    # An MKV no browser plays: the URL plays until its proxy is made.
    assert cut_media_source(cut, file_url="/r/t/media/").kind == "vimeo"
    media.status, media.proxy = CutMedia.Status.READY, "proxies/v1.mp4"
    media.save()
    assert cut_media_source(cut, file_url="/r/t/media/").kind == "file"
    media.prefer_url = True
    assert cut_media_source(cut, file_url="/r/t/media/").kind == "vimeo"
    direct = factories.CutFactory(video=video, media_url="https://cdn.example.com/v/cut2.mp4")
    source = cut_media_source(direct, file_url="")
    assert (source.kind, source.src) == ("url", "https://cdn.example.com/v/cut2.mp4")
    assert "media-src 'self' https://cdn.example.com" in review_page_csp(source)
    assert "frame-src 'none'" in review_page_csp(source)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain", "plain"),
        ("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("&amp; stays as typed", "&amp;amp; stays as typed"),
        (
            "typo at 6:03",
            'typo <a href="#t=363" class="time" data-seek="363">at 6:03</a>',
        ),
        (
            '<a href="https://x.org/">x</a>',
            '<a href="https://x.org/" target="_blank" rel="nofollow noopener">x</a>',
        ),
        ('<a href="javascript:alert(1)">x</a>', '<a target="_blank" rel="nofollow noopener">x</a>'),
        ('<a href="/admin/">x</a>', '<a target="_blank" rel="nofollow noopener">x</a>'),
        (
            '<a href="https://x.org/" onmouseover="alert(1)" style="x">y</a>',
            '<a href="https://x.org/" target="_blank" rel="nofollow noopener">y</a>',
        ),
        # Markup inside a "link" is not a link: all of it shows as text.
        ('<a href="https://x.org/"><img src=x onerror=alert(1)></a>', "&lt;a href="),
        ('"><script>alert(1)</script>', "&quot;&gt;&lt;script&gt;"),
    ],
)
def test_comment_text_is_escaped_with_only_times_and_sanitised_links_live(text, shown):
    assert shown in comment_html(text, duration_s=1153)


@pytest.mark.parametrize(
    ("text", "chip", "source", "expected"),
    [
        ("the arrow flickers", "2:05", "player", 125),
        ("at 6:03 'mabye'", "5:40", "player", 363),
        ("at 6:03 'mabye'", "6:00", "manual", 360),
        ("at 6:03 'mabye'", "", "manual", None),
        ("no time in here", "", "player", None),
        ("at 75:00, past the end", "1:00", "player", 60),
        ("typed", "1:02:03", "manual", 3723),
    ],
)
def test_a_new_comment_is_placed_at_the_typed_time_then_the_chip(text, chip, source, expected):
    assert comment_time(text=text, chip=chip, source=source, duration_s=4000) == expected


def test_a_chip_that_is_not_a_time_is_refused_with_a_message():
    with pytest.raises(ValidationError, match="is not a time"):
        comment_time(text="x", chip="later", source="manual", duration_s=100)


@pytest.mark.parametrize(
    ("value", "cursor"),
    [
        ("363.5_42", Cursor(363.5, 42)),
        ("1000000000.0_7", Cursor(1e9, 7)),
        ("nan_1", None),
        ("inf_1", None),
        ("12", None),
        ("a_b", None),
        (None, None),
    ],
)
def test_list_cursors_round_trip_and_refuse_junk(value, cursor):
    assert Cursor.decode(value) == cursor
    if cursor:
        assert Cursor.decode(cursor.encode()) == cursor


def test_the_client_address_comes_from_the_proxy_only_when_trusted(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8"
    )
    settings.RATE_LIMIT_TRUST_X_FORWARDED_FOR = False
    assert client_ip(request) == "10.0.0.9"
    settings.RATE_LIMIT_TRUST_X_FORWARDED_FOR = True
    # The last hop is the one our proxy added; earlier ones are whatever the client sent.
    assert client_ip(request) == "5.6.7.8"


def test_a_refused_post_says_when_to_try_again(settings):
    settings.REVIEW_POSTS_PER_MINUTE = 1
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1")
    assert review_post_limit_hit(request=request, viewer_key="k") is None
    refused = review_post_limit_hit(request=request, viewer_key="k")
    assert refused is not None
    assert refused.scope == "viewer"
    assert 1 <= refused.retry_after_s <= 60
    unit = "second" if refused.retry_after_s == 1 else "seconds"
    assert f"wait {refused.retry_after_s} {unit} and try again" in refused.message
    # Another viewer at another address is not affected.
    other = RequestFactory().post("/", REMOTE_ADDR="10.0.0.2")
    assert review_post_limit_hit(request=other, viewer_key="other") is None


def _settings_start(**env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "CELERY_BROKER_URL"}}
    environ.update({"SECRET_KEY": "k", "DJANGO_SETTINGS_MODULE": "reviewapp.settings"}, **env)
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default'].get('LOCATION'))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_cache_is_local_memory_without_cache_url_and_redis_with_it():
    assert "LocMemCache" in _settings_start().stdout
    # The broker's Redis is not borrowed: the cache is configured on its own.
    assert "LocMemCache" in _settings_start(CELERY_BROKER_URL="redis://broker:6379/0").stdout
    explicit = _settings_start(CACHE_URL="redis://cache:6379/1").stdout
    assert "RedisCache redis://cache:6379/1" in explicit


def test_a_malformed_cache_url_stops_start_up_naming_it():
    result = _settings_start(CACHE_URL="localhost:6379")
    assert result.returncode != 0
    assert "CACHE_URL" in result.stderr


def test_the_address_django_axes_records_is_a_valid_ip_or_none(settings):
    settings.RATE_LIMIT_TRUST_X_FORWARDED_FOR = True
    forged = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert login_client_ip(forged) == "10.0.0.9"
    # force_login's request has no address at all: None, never "unknown" (PostgreSQL's inet
    # column refuses it).
    from django.http import HttpRequest

    assert login_client_ip(HttpRequest()) is None
    assert client_ip(HttpRequest()) == "unknown"
