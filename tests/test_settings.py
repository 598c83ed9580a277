"""A malformed environment stops start-up with a message naming the variable."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from reviewapp.environment import (
    env_bool,
    env_broker_url,
    env_database,
    env_file_load,
    env_int,
    env_list,
)

ROOT = Path(__file__).resolve().parent.parent


def _start(**env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    # A developer's .env (make run) must not answer for the environment under test.
    environ.update(
        {"SECRET_KEY": "k", "DJANGO_SETTINGS_MODULE": "reviewapp.settings", "ERRATA_ENV_FILE": ""},
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysqlx://nowhere"),
        ("CELERY_BROKER_URL", "localhost:6379"),
        ("EMAIL_PORT", "twenty-five"),
        ("EMAIL_PORT", "0"),
        ("TRIAGE_SWEEP_SECONDS", "1"),
        ("LOG_LEVEL", "LOUD"),
        ("SESSION_COOKIE_SECURE", "sometimes"),
        ("LOG_FORMAT", "xml"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("JOB_STALE_AFTER_SECONDS", "15"),
    ],
)
def test_a_malformed_variable_stops_start_up_naming_it(variable, value):
    result = _start(**{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_start_up_without_a_secret_key_is_refused_when_debug_is_off():
    result = _start(SECRET_KEY="", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_starts_without_a_secret_key():
    result = _start(SECRET_KEY="", DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_blank_variables_mean_the_default():
    assert env_bool("X", True, environ={"X": ""}) is True
    assert env_int("X", 5, environ={"X": " "}) == 5
    assert env_list("X", ["a"], environ={"X": ""}) == ["a"]
    assert env_broker_url("X", environ={"X": ""}) == ""


def test_readers_parse_what_people_write():
    assert env_bool("X", False, environ={"X": "Yes"}) is True
    assert env_bool("X", True, environ={"X": "off"}) is False
    assert env_list("X", [], environ={"X": "a.test, b.test,"}) == ["a.test", "b.test"]
    config = env_database("X", "sqlite:///x.db", environ={"X": "postgres://u:p@db:5432/errata"})
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "errata"
    assert config["HOST"] == "db"


@pytest.mark.parametrize(
    ("reader", "value", "message"),
    [
        (lambda env: env_int("N", 1, minimum=1, environ=env), "-4", "N=-4 must be at least 1"),
        (lambda env: env_int("N", 1, environ=env), "4.5", "N='4.5' is not a whole number"),
        (lambda env: env_bool("N", True, environ=env), "2", "N='2' is not a boolean"),
        (lambda env: env_database("N", "sqlite:///x", environ=env), "nope://x", "N"),
    ],
)
def test_readers_name_the_variable_in_their_error(reader, value, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        reader({"N": value})


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY"}
    }
    environ.update({"ERRATA_ENV_FILE": "", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_fresh_checkout_checks_its_migrations_without_any_configuration():
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_a_command_that_needs_the_secret_says_plainly_that_it_is_missing():
    result = _manage("load_demo")
    assert result.returncode != 0
    assert "Errata cannot start: SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_malformed_variable_stops_a_management_command_naming_it():
    result = _manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "Errata cannot start: DEBUG='maybe' is not a boolean" in result.stderr


# The production environment the README documents (section "Production settings").
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-of-more-than-fifty-characters-0123456789",
    "ALLOWED_HOSTS": "errata.example.com",
    "SITE_URL": "https://errata.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://errata.example.com",
    "SECURE_HSTS_PRELOAD": "true",
}


def test_the_documented_production_environment_passes_check_deploy(monkeypatch):
    # Set by the browser tests for Playwright (tests/conftest.py); never in production.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_behind_tls_the_site_redirects_to_https_and_sends_hsts_unless_told_otherwise():
    read = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
    )
    production = _manage("shell", "-c", read, **PRODUCTION)
    assert production.stdout.split()[-3:] == ["True", "31536000", "True"], production.stderr
    off = _manage(
        "shell", "-c", read, **PRODUCTION, SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0"
    )
    assert off.stdout.split()[-3:] == ["False", "0", "True"], off.stderr
    local = _manage("shell", "-c", read, DEBUG="true")
    assert local.stdout.split()[-3:] == ["False", "0", "False"], local.stderr


def _settings_value(expression: str, **env: str) -> str:
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; print({expression})",
        ],
        cwd=ROOT,
        env={**_environ_for_start(), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    return probe.stdout.strip().splitlines()[-1]


def _environ_for_start() -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    environ.update(
        {"SECRET_KEY": "k", "DJANGO_SETTINGS_MODULE": "reviewapp.settings", "ERRATA_ENV_FILE": ""}
    )
    return environ


@pytest.mark.parametrize("password", ["p/ss#word?x%41@b:c", "  spaced  ", "plain"])
def test_a_database_password_is_taken_exactly_as_written(password):
    value = _settings_value(
        "repr(settings.DATABASES['default']['PASSWORD'])",
        DATABASE_URL="postgres://errata@postgres:5432/errata",
        DATABASE_PASSWORD=password,
    )
    assert value == repr(password)


def test_the_env_file_fills_in_what_the_environment_does_not_say(tmp_path):
    (tmp_path / ".env").write_text(
        "DEBUG=true\nSECRET_KEY='from the file'\nSITE_URL=http://file.test\n# a comment\n"
    )
    environ = {"SITE_URL": "http://environment.test"}
    assert env_file_load(tmp_path, environ=environ) == tmp_path / ".env"
    assert environ == {
        "SITE_URL": "http://environment.test",  # the environment wins
        "DEBUG": "true",
        "SECRET_KEY": "from the file",
    }


def test_the_env_file_can_be_named_or_turned_off(tmp_path):
    (tmp_path / "dev.env").write_text("DEBUG=true\n")
    (tmp_path / ".env").write_text("DEBUG=false\n")
    named = {"ERRATA_ENV_FILE": "dev.env"}
    env_file_load(tmp_path, environ=named)
    assert named["DEBUG"] == "true"
    off = {"ERRATA_ENV_FILE": ""}
    assert env_file_load(tmp_path, environ=off) is None
    assert "DEBUG" not in off
    assert env_file_load(tmp_path / "nowhere", environ={}) is None


def test_security_settings_come_from_the_environment():
    value = _settings_value(
        "(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
        "settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD)",
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        SECURE_HSTS_PRELOAD="yes",
    )
    assert value == "(True, 31536000, True, True)"


def test_json_logs_are_one_line_per_event_with_the_traceback_inside():
    script = (
        "import django, logging; django.setup()\n"
        "log = logging.getLogger('errata.test')\n"
        "log.info('first %s', 'event')\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('second')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**_environ_for_start(), "LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]
    assert [(e["level"], e["logger"], e["message"]) for e in events] == [
        ("INFO", "errata.test", "first event"),
        ("ERROR", "errata.test", "second"),
    ]
    assert all(e["request_id"] == "-" for e in events)
    assert "ZeroDivisionError" in events[1]["exc_info"]


def test_sentry_hears_of_errors_when_a_dsn_is_set(receiver):
    """A local receiver stands in for Sentry: the SDK starts with the Django and Celery
    integrations and sends what it captures to the DSN's address."""
    dsn = receiver.url.replace("http://", "http://publickey@").rstrip("/") + "/42"
    script = (
        "import django; django.setup()\n"
        "import sentry_sdk\n"
        "from errata.core.requestid import request_id_begin\n"
        "request_id_begin('req-7f3a')\n"
        "sentry_sdk.capture_message('chaos check')\n"
        "sentry_sdk.flush(timeout=10)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**_environ_for_start(), "SENTRY_DSN": dsn, "SENTRY_ENVIRONMENT": "test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert receiver.requests, "nothing reached the DSN"
    body = "".join(_envelope(r) for r in receiver.requests)
    assert "chaos check" in body
    assert '"environment":"test"' in body
    assert '"request_id":"req-7f3a"' in body  # the request's id as a tag
    assert "django" in body and "celery" in body


def _envelope(request) -> str:
    encoding = request.headers.get("Content-Encoding", "")
    data = request.body
    if encoding == "gzip":
        data = gzip.decompress(data)
    elif encoding == "br":
        import brotli

        data = brotli.decompress(data)
    return data.decode("utf-8", "replace")
