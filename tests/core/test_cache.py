"""The production cache keeps counting in memory while Redis is away (errata.core.cache): a rate
limit or an API throttle never turns a Redis outage into a 500."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.test import APIClient

from errata.core import cache as fallback_cache
from errata.core.cache import FallbackRedisCache

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_away(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "errata.core.cache.FallbackRedisCache",
            "LOCATION": DEAD_REDIS,
            "KEY_PREFIX": "errata",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    return caches["default"]


def test_counts_move_to_memory_with_a_warning_while_redis_is_away(redis_away, caplog):
    assert isinstance(redis_away, FallbackRedisCache)
    with caplog.at_level(logging.WARNING, logger="errata.core.cache"):
        assert redis_away.add("hits", 0, timeout=60) is True
        assert redis_away.incr("hits") == 1
        assert redis_away.incr("hits") == 2
        assert redis_away.get("hits") == 2
    assert redis_away.in_fallback
    # One warning for the outage, not one per call.
    warnings = [r for r in caplog.records if r.name == "errata.core.cache"]
    assert len(warnings) == 1
    assert "Cache unreachable (ConnectionError" in warnings[0].getMessage()


def test_redis_is_tried_again_once_the_fallback_period_is_over(redis_away, monkeypatch):
    redis_away.set("x", 1)
    assert redis_away.in_fallback
    monkeypatch.setattr(fallback_cache, "FALLBACK_S", 0.0)
    redis_away._down_until = 0.0
    calls = []
    original = RedisCache.get

    def spy(self, *args, **kwargs):
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RedisCache, "get", spy)
    redis_away.get("x")
    assert calls == [("x",)]  # Redis was asked again (and, still away, answered from memory)


@pytest.mark.django_db
def test_a_patron_still_posts_and_is_still_rate_limited_while_redis_is_away(
    client, review_link, redis_away, settings, django_capture_on_commit_callbacks
):
    settings.REVIEW_POSTS_PER_MINUTE = 2
    answers = []
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(
                client.post(
                    f"/r/{review_link.token}/comments/new/",
                    {"text": f"At 1:0{n} the label is wrong ({n}).", "name": "Ben"},
                ).status_code
            )
    assert answers == [302, 302, 429]
    assert review_link.comments.count() == 2


@pytest.mark.django_db
def test_token_reads_are_still_throttled_not_failed_while_redis_is_away(
    creator, redis_away, settings
):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "2/min"}
    api = APIClient()
    api.force_login(creator)
    codes = [api.get("/api/videos/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
