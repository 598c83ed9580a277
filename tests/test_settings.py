"""A malformed environment stops start-up with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from reviewapp.environment import env_bool, env_broker_url, env_database, env_int, env_list

ROOT = Path(__file__).resolve().parent.parent


def _start(**env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    environ.update({"SECRET_KEY": "k", "DJANGO_SETTINGS_MODULE": "reviewapp.settings"}, **env)
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
    environ.update(env)
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
