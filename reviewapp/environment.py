"""Reading settings from the environment.

Every reader names the variable in its error, so a typo in a deployment's environment stops
start-up with a message that says what to fix instead of failing later somewhere unrelated.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "", *, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    # An empty value means "not set": .env files list every variable, most of them blank.
    return environ.get(name, "").strip() or default


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    value = environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={environ[name]!r} is not a boolean; use one of true/false, 1/0, yes/no, on/off."
    )


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    environ = os.environ if environ is None else environ
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_list(
    name: str, default: list[str], *, environ: Mapping[str, str] | None = None
) -> list[str]:
    environ = os.environ if environ is None else environ
    raw = environ.get(name, "").strip()
    if not raw:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> dict:
    """Parse a database URL such as postgres://user@host:5432/db or sqlite:///path."""
    import dj_database_url

    raw = env_str(name, default, environ=environ) or default
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except (ValueError, KeyError) as error:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {error}") from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"{name}={raw!r} names no known database engine.")
    if config["ENGINE"] == "django.db.backends.sqlite3" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={raw!r} names no SQLite file.")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # SQLite connections are cheap, and persistent ones get in the way of test isolation.
        config["CONN_MAX_AGE"] = 0
    return config


def env_broker_url(name: str, *, environ: Mapping[str, str] | None = None) -> str:
    """A Celery broker URL, or "" for running tasks eagerly in-process."""
    raw = env_str(name, "", environ=environ)
    if raw and not raw.startswith(("redis://", "rediss://", "amqp://", "amqps://", "memory://")):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a broker URL; expected redis://host:6379/0 or amqp://..."
        )
    return raw


_RATE_PERIODS = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}


def env_rate(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    """A throttle rate such as 60/min or 1000/hour (REST framework's format)."""
    raw = env_str(name, default, environ=environ)
    count, _, period = raw.partition("/")
    if not (count.isdigit() and int(count) > 0 and period in _RATE_PERIODS):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a rate; write requests per period, such as 60/min or 1000/hour."
        )
    return raw


def env_cache(name: str, *, environ: Mapping[str, str] | None = None) -> dict:
    """The default cache: Redis from a redis:// URL, else memory local to each process."""
    raw = env_str(name, "", environ=environ)
    if not raw:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not raw.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a cache URL; expected redis://host:6379/1."
        )
    return {
        # Django's Redis cache, falling back to this process's memory while Redis is away, so
        # a rate limit or an API throttle never turns a Redis outage into a 500.
        "BACKEND": "errata.core.cache.FallbackRedisCache",
        "LOCATION": raw,
        "KEY_PREFIX": "errata",
        # A cache that does not answer at once is treated as away; requests do not wait on it.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }


def env_choice(
    name: str, default: str, choices: tuple[str, ...], *, environ: Mapping[str, str] | None = None
) -> str:
    raw = env_str(name, default, environ=environ).lower()
    if raw not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of {', '.join(choices)}.")
    return raw


def env_file_load(
    base_dir: Path, *, environ: MutableMapping[str, str] | None = None
) -> Path | None:
    """Read a developer's .env file (the one `make run` writes) into the environment, without
    overriding what the environment already says. ERRATA_ENV_FILE names another file (relative
    to the project), or none when it is set empty. Returns the file read, if any."""
    from dotenv import dotenv_values

    environ = os.environ if environ is None else environ
    name = environ.get("ERRATA_ENV_FILE", ".env").strip()
    if not name:
        return None
    path = base_dir / name
    if not path.is_file():
        return None
    for key, value in dotenv_values(path).items():
        if value is not None:
            environ.setdefault(key, value)
    return path
