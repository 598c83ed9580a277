"""The import and export pages read like the rest of the studio (issue 15, item 6): a failed
import shows its error and no progress, a finished one leads to the cut's inbox, breadcrumbs
and the cut's tab bar are links, and who may open them is decided as on every studio page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from errata.models import ImportJob
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plain_static(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _job(cut, **fields) -> ImportJob:
    return ImportJob.objects.create(cut=cut, format="csv", filename="comments.csv", **fields)


def _job_url(job) -> str:
    return reverse(
        "errata:io_import_job",
        kwargs={"slug": job.cut.video.slug, "number": job.cut.number, "job_id": job.pk},
    )


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_a_failed_import_shows_its_error_and_no_progress(client, cut, creator):
    client.force_login(creator)
    job = _job(
        cut, status="failed", phase="finished", percent=2, error="line 3: the text is empty."
    )
    response = client.get(_job_url(job))
    body = response.content.decode()
    assert "Nothing was imported. line 3: the text is empty." in _text(response)
    assert 'class="message error" role="alert"' in body
    assert "<progress" not in body and "2 %" not in body and "Finished" not in body
    # The list of imports says it failed, without a percentage either.
    listing = client.get(reverse("errata:io_import", args=[cut.video.slug, cut.number]))
    assert "Failed" in _text(listing) and "(2 %)" not in _text(listing)


def test_a_finished_import_links_to_the_cuts_inbox(client, cut, creator):
    client.force_login(creator)
    job = _job(cut, status="done", phase="finished", percent=100, total=2, added=2, findings=3)
    body = client.get(_job_url(job)).content.decode()
    inbox = reverse("errata:studio:inbox", args=[cut.video.slug, cut.number])
    assert f'href="{inbox}"' in body
    assert "Triage them in cut 1's inbox" in body
    assert "<progress" not in body


def test_a_running_import_shows_its_progress(client, cut, creator):
    client.force_login(creator)
    job = _job(cut, status="running", phase="writing", percent=40)
    body = client.get(_job_url(job)).content.decode()
    assert '<progress max="100" value="40"' in body
    assert "every 1s" in body


@pytest.mark.parametrize("name", ["io_import", "io_export"])
def test_the_breadcrumbs_and_the_cuts_tabs_are_links(client, cut, creator, name):
    client.force_login(creator)
    body = client.get(reverse(f"errata:{name}", args=[cut.video.slug, cut.number])).content.decode()
    crumbs = body[body.index('class="breadcrumbs"') :]
    crumbs = crumbs[: crumbs.index("</nav>")]
    assert 'href="/studio/"' in crumbs
    assert f'href="/studio/videos/{cut.video.slug}/"' in crumbs
    assert f'href="/studio/videos/{cut.video.slug}/cuts/1/"' in crumbs
    tabs = body[body.index('class="tabs"') :]
    tabs = tabs[: tabs.index("</nav>")]
    for page in ("inbox", "board", "timeline"):
        assert f'href="/studio/videos/{cut.video.slug}/cuts/1/{page}/"' in tabs
    current = re.search(r'href="([^"]+)" aria-current="page"', tabs)
    assert current and current.group(1) == reverse(
        f"errata:{name}", args=[cut.video.slug, cut.number]
    )


def _status(client, url: str) -> int:
    return client.get(url).status_code


def test_who_may_open_them_is_decided_as_on_the_studio_cut_page(client, cut, creator, outsider):
    """Anonymous: sign in. A signed-in user in no team: 403. Another team's creator: 404,
    also for a job of another cut or one that does not exist. The cut's team: 200."""
    other_cut = factories.CutFactory(video=cut.video, number=2)
    job = _job(cut, status="done", phase="finished", percent=100)
    foreign_job = _job(other_cut, status="done", phase="finished", percent=100)
    cut_page = reverse("errata:studio:cut", args=[cut.video.slug, 1])
    pages = [
        reverse("errata:io_import", args=[cut.video.slug, 1]),
        reverse("errata:io_export", args=[cut.video.slug, 1]),
        _job_url(job),
    ]
    no_team = factories.UserFactory(username="patron-with-account")
    for user, expected in [(None, 302), (no_team, 403), (outsider, 404), (creator, 200)]:
        client.logout()
        if user is not None:
            client.force_login(user)
        assert _status(client, cut_page) == expected, user
        for url in pages:
            assert _status(client, url) == expected, (user, url)
    client.force_login(creator)
    wrong_cut = _job_url(foreign_job).replace("/cuts/2/", "/cuts/1/")
    assert _status(client, wrong_cut) == 404
    assert _status(client, _job_url(job).replace(f"/{job.pk}/", "/999999/")) == 404
    assert _status(client, reverse("errata:io_import", args=[cut.video.slug, 9])) == 404
