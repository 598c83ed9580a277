"""The deployment files say what the code expects: every queue has a worker, health checks use
the probes, secrets stay out of URLs and images, every variable is documented."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def _command(service: dict) -> str:
    command = service.get("command", [])
    return " ".join(command) if isinstance(command, list) else command


def test_every_queue_has_a_worker_service_with_a_check_and_time_to_finish():
    consumed: dict[str, str] = {}
    for name, service in SERVICES.items():
        match = re.search(r"--queues=([\w,]+)", _command(service))
        if match:
            for queue in match.group(1).split(","):
                consumed[queue] = name
            assert "inspect ping" in " ".join(service["healthcheck"]["test"]), name
            assert "stop_grace_period" in service, name
    assert set(settings.WORKER_QUEUES) <= set(consumed)
    # Every routed task goes to a queue some worker consumes.
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed <= set(consumed)


def test_the_web_check_uses_the_readiness_probe_and_the_password_stays_out_of_the_url():
    web = SERVICES["web"]
    assert "/healthz/ready" in " ".join(web["healthcheck"]["test"])
    app = COMPOSE["x-app"]["environment"]
    assert "POSTGRES_PASSWORD" not in app["DATABASE_URL"]
    assert app["DATABASE_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    for name in ("beat", "migrate"):
        assert SERVICES[name]["healthcheck"] == {"disable": True}


def test_the_image_is_pinned_checked_and_built_from_the_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = next(line for line in dockerfile.splitlines() if line.startswith("FROM "))
    assert re.fullmatch(r"FROM python:3\.\d+-slim[\w.-]*@sha256:[0-9a-f]{64}", base)
    assert "HEALTHCHECK" in dockerfile and "/healthz/ready" in dockerfile
    assert "--require-hashes -r requirements/base.lock" in dockerfile
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".git", ".venv", "db.sqlite3", "media"} <= ignored


def _read_variables(path: Path) -> set[str]:
    text = path.read_text()
    names = set(re.findall(r"env_\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", text))
    names |= set(re.findall(r"os\.environ(?:\.get\(|\[)\s*\"([A-Z][A-Z0-9_]+)\"", text))
    names |= set(re.findall(r"_int\(\s*\"([A-Z][A-Z0-9_]+)\"", text))
    return names


def test_every_variable_the_settings_and_gunicorn_read_is_in_env_example():
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    read = _read_variables(ROOT / "reviewapp" / "settings.py") | _read_variables(
        ROOT / "gunicorn.conf.py"
    )
    assert read, "no variables found: the pattern no longer matches the settings"
    assert sorted(read - documented) == []


def _gunicorn(monkeypatch, **env: str) -> dict:
    monkeypatch.setenv("ERRATA_ENV_FILE", "")
    for name in ("PORT", "GUNICORN_BIND", "GUNICORN_WORKERS", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_takes_its_settings_from_the_environment(monkeypatch):
    config = _gunicorn(monkeypatch, PORT="8101", GUNICORN_WORKERS="3", GUNICORN_TIMEOUT="45")
    assert (config["bind"], config["workers"], config["timeout"]) == ("0.0.0.0:8101", 3, 45)
    assert "logconfig_dict" not in config
    assert "request_id=%({x-request-id}o)s" in config["access_log_format"]


def test_gunicorn_logs_json_when_asked(monkeypatch):
    config = _gunicorn(monkeypatch, LOG_FORMAT="json")
    formatter = config["logconfig_dict"]["formatters"]["json"]
    assert formatter["()"] == "pythonjsonlogger.json.JsonFormatter"
    assert set(config["logconfig_dict"]["loggers"]) == {"gunicorn.error", "gunicorn.access"}


@pytest.mark.parametrize("value", ["many", "0", "-2"])
def test_gunicorn_refuses_a_malformed_number_naming_it(monkeypatch, value):
    with pytest.raises(SystemExit, match=f"GUNICORN_WORKERS={value!r}"):
        _gunicorn(monkeypatch, GUNICORN_WORKERS=value)
