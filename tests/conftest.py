"""The cast, so that tests read like sentences: a creator and a teammate on one team, an outsider
who creates videos on another team, a patron who holds a review link, and an anonymous visitor.
"""

from __future__ import annotations

import os
import time
import types

import pytest

from reviewapp.celery import app as celery_app
from tests import factories
from tests.s3_server import s3_endpoint  # noqa: F401  (a fixture for any test)
from tests.webhook_receiver import receiver  # noqa: F401  (a fixture for any test)

# The fuzz suite (tests/fuzz/) runs with `make fuzz`, at its own budget, not in `make test`.
collect_ignore = [] if os.environ.get("ERRATA_FUZZ") else ["fuzz"]


@pytest.fixture(autouse=True)
def _tasks_run_eagerly(request: pytest.FixtureRequest):
    """Tasks run in-process in tests, except those marked `worker`, which talk to a real worker
    through the real broker. This keeps a rolled-back test from feeding the CI worker."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_local_cache(settings, request: pytest.FixtureRequest):
    """Each test counts rate limits in a cache of its own: local memory, never the Redis that
    CI's settings would pick (clearing that would empty the broker's queues)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{request.node.nodeid}",
        }
    }
    yield


@pytest.fixture(autouse=True)
def _rate_limit_window_held(monkeypatch):
    """Rate limits count in wall-clock minutes, so a test whose posts straddle a minute's end
    would see its counters reset (and a flood get through). Each test's attempts fall in the
    middle of one window."""
    from errata.web.review import ratelimits

    window = ratelimits.WINDOW_S
    held = (time.time() // window) * window + window / 2
    monkeypatch.setattr(ratelimits, "time", types.SimpleNamespace(time=lambda: held))


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings):
    """Pages render {% static %} without a collectstatic run first (production's manifest
    storage refuses a file it has not collected)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The cast has several accounts; the real hasher costs a third of a second for each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team():
    return factories.TeamFactory(name="Three Blue", slug="three-blue")


@pytest.fixture
def creator(team):
    user = factories.UserFactory(username="grant", display_name="3blue1brown")
    factories.MembershipFactory(team=team, user=user, role="owner")
    return user


@pytest.fixture
def teammate(team):
    user = factories.UserFactory(username="editor")
    factories.MembershipFactory(team=team, user=user, role="member")
    return user


@pytest.fixture
def outsider():
    """A creator on another team: has an account and videos, none of them ours."""
    user = factories.UserFactory(username="outsider")
    factories.MembershipFactory(user=user, role="owner")
    return user


@pytest.fixture
def video(team):
    return factories.VideoFactory(team=team, title="Neural networks", slug="nn")


@pytest.fixture
def cut(video):
    return factories.CutFactory(video=video, number=1, duration_s=1153.0)


@pytest.fixture
def review_link(cut, creator):
    return factories.ReviewLinkFactory(cut=cut, created_by=creator)


@pytest.fixture
def patron():
    return factories.ReviewerFactory(display_name="Ada Patron", email="ada@example.com")


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def celery_worker():
    """A real worker on the real broker (see tests/celery_worker.py); use with transactional_db
    so the worker, another process, sees the rows the test commits."""
    from tests.celery_worker import require_worker

    require_worker()
    yield celery_app


CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (its own browser download does not work
    here). Missing Chromium skips browser tests with how to install it, or fails them in CI."""
    executable = next((p for p in CHROMIUM_PATHS if os.path.exists(p)), None)
    if executable is None:
        message = "Chromium is not installed: `sudo apt-get install chromium` (Debian) to run it"
        if running_in_ci():
            pytest.fail(f"CI must run the browser tests. {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the Django calls the tests make
    # around it are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
