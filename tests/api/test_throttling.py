"""Rates per personal token, per review link and per signed-in user, counted in the cache (local
memory in tests). Over the rate: 429, Retry-After, the usual error shape."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from reviewapp.environment import env_cache, env_rate
from tests import factories
from tests.api.conftest import link_client, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings):
    settings.API_THROTTLE_RATES = {"token": "3/min", "review_link": "2/min", "user": "4/min"}


def _statuses(client, url: str, times: int) -> list[int]:
    return [client.get(url).status_code for _ in range(times)]


def test_a_token_over_its_rate_gets_429_with_retry_after(low_rates, creator, video):
    client = token_client(creator)
    assert _statuses(client, "/api/videos/", 3) == [200, 200, 200]
    response = client.get("/api/videos/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert (body["status"], body["code"]) == (429, "throttled")


def test_each_token_has_its_own_rate(low_rates, creator, video):
    busy, other = token_client(creator), token_client(creator)
    assert _statuses(busy, "/api/videos/", 4)[-1] == 429
    assert other.get("/api/videos/").status_code == 200


def test_a_review_link_over_its_rate_gets_429_and_other_links_do_not(low_rates, cut, creator):
    link = factories.ReviewLinkFactory(cut=cut)
    other = factories.ReviewLinkFactory(cut=cut)
    client = link_client(link)
    assert _statuses(client, "/api/comments/", 3) == [200, 200, 429]
    assert client.get("/api/comments/")["Retry-After"]
    assert link_client(other).get("/api/comments/").status_code == 200


def test_posting_counts_against_the_review_link_rate_too(low_rates, cut):
    link = factories.ReviewLinkFactory(cut=cut)
    client = link_client(link)
    body = {"text": "At 1:00 the label is cut off.", "author_name": "Ada"}
    statuses = [client.post("/api/comments/", body, format="json").status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert cut.comments.count() == 2


def test_a_signed_in_user_has_a_rate_of_their_own(low_rates, client, creator, video):
    client.force_login(creator)
    assert _statuses(client, "/api/videos/", 5) == [200, 200, 200, 200, 429]


def test_the_rate_resets_when_the_period_has_passed(low_rates, creator, video, monkeypatch):
    import time

    client = token_client(creator)
    assert _statuses(client, "/api/videos/", 4)[-1] == 429
    later = time.time() + 61
    monkeypatch.setattr("rest_framework.throttling.SimpleRateThrottle.timer", lambda self: later)
    assert client.get("/api/videos/").status_code == 200


@pytest.mark.parametrize("value", ["60/min", "1000/hour", "5/s", "100/day"])
def test_throttle_rates_are_read_from_the_environment(value):
    assert env_rate("API_THROTTLE_TOKEN", "1/min", environ={"API_THROTTLE_TOKEN": value}) == value


@pytest.mark.parametrize("value", ["lots", "60", "0/min", "60/fortnight", "-1/min"])
def test_a_malformed_rate_stops_start_up_naming_the_variable(value):
    with pytest.raises(ImproperlyConfigured, match="API_THROTTLE_TOKEN"):
        env_rate("API_THROTTLE_TOKEN", "1/min", environ={"API_THROTTLE_TOKEN": value})


def test_the_cache_is_redis_from_a_url_and_memory_without_one():
    assert env_cache("CACHE_URL", environ={})["BACKEND"].endswith("LocMemCache")
    redis = env_cache("CACHE_URL", environ={"CACHE_URL": "redis://redis:6379/1"})
    # Django's Redis cache, with a fallback to memory while Redis is away (errata.core.cache).
    assert (redis["BACKEND"], redis["LOCATION"]) == (
        "errata.core.cache.FallbackRedisCache",
        "redis://redis:6379/1",
    )
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        env_cache("CACHE_URL", environ={"CACHE_URL": "memcached://x"})
