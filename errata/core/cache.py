"""The default cache in production: Django's Redis cache, with this process's memory standing in
while Redis is away.

Rate limits (review pages) and API throttles count in the cache. When Redis is down those counts
are worth less than the request they guard: a comment must still be stored and answered. So a
Redis error moves the cache to local memory, with a warning, for FALLBACK_S seconds; then Redis
is tried again. While in memory the limits are per process (looser with several workers), never
absent. Written here rather than taken from django-redis, whose IGNORE_EXCEPTIONS turns every
call into a miss: a rate limit would then count nothing at all.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
# How long to count in memory before trying Redis again.
FALLBACK_S = 10.0


class FallbackRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._local = LocMemCache(
            f"errata-fallback-{id(self)}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "KEY_PREFIX": params.get("KEY_PREFIX", "")},
        )
        self._down_until = 0.0

    @property
    def in_fallback(self) -> bool:
        """True while counts are kept in this process's memory."""
        return time.monotonic() < self._down_until

    def ping(self) -> None:
        """Ask Redis itself (the health check); raises when it does not answer."""
        self._cache.get_client(write=True).ping()
        self._down_until = 0.0

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if not self.in_fallback:
            try:
                return getattr(super(), method)(*args, **kwargs)
            except REDIS_DOWN as error:
                self._down_until = time.monotonic() + FALLBACK_S
                logger.warning(
                    "Cache unreachable (%s: %s); counting in this process's memory for %g s",
                    type(error).__name__,
                    error,
                    FALLBACK_S,
                )
        return getattr(self._local, method)(*args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> None:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> dict:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> int:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> list:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> None:
        return self._call("clear")
