"""The studio's import and export pages: team members only, progress for large imports, a
download link for large exports."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from errata.io import jobs as io_jobs
from errata.io.jobs import _import_percent, import_job_create, import_job_run
from errata.models import Comment, ExportJob, ImportJob
from tests import factories

pytestmark = pytest.mark.django_db

CSV = "external_id,author,text,timestamp\na1,Ada,Typo at 5:58: mabye,5:58\na2,Bob,Nice video,\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Pages are rendered without collectstatic's manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _url(name: str, cut, **kwargs) -> str:
    return reverse(
        f"errata:{name}", kwargs={"slug": cut.video.slug, "number": cut.number, **kwargs}
    )


def _upload(content: str = CSV, name: str = "comments.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


def test_an_anonymous_visitor_is_sent_to_sign_in(client, cut):
    response = client.get(_url("io_import", cut))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("page", ["io_import", "io_export"])
def test_an_outsider_cannot_see_another_teams_import_or_export_page(client, cut, outsider, page):
    client.force_login(outsider)
    assert client.get(_url(page, cut)).status_code == 404


def test_an_outsider_cannot_import_into_another_teams_cut(client, cut, outsider):
    client.force_login(outsider)
    response = client.post(_url("io_import", cut), {"format": "csv", "file": _upload()})
    assert response.status_code == 404
    assert not Comment.objects.exists() and not ImportJob.objects.exists()


def test_an_outsider_cannot_download_another_teams_export(client, cut, outsider):
    client.force_login(outsider)
    assert client.get(_url("io_export_download", cut, fmt="md")).status_code == 404


def test_a_teammate_imports_a_small_file_at_once_and_sees_the_counts(
    client, cut, teammate, creator
):
    client.force_login(teammate)
    assert client.get(_url("io_import", cut)).status_code == 200

    response = client.post(
        _url("io_import", cut), {"format": "csv", "file": _upload()}, follow=True
    )

    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert (job.status, job.added, job.percent, job.created_by) == ("done", 2, 100, teammate)
    assert cut.comments.count() == 2
    assert "2 added" in response.content.decode()
    assert not cut.comments.filter(triage_state="pending").exists()


def test_a_bad_file_is_refused_naming_the_line_and_nothing_is_written(client, cut, creator):
    client.force_login(creator)
    bad = "author,text,timestamp\nAda,fine,1:00\nBob,broken,not a time\n"
    response = client.post(
        _url("io_import", cut), {"format": "csv", "file": _upload(bad)}, follow=True
    )
    page = response.content.decode()
    assert "Nothing was imported. line 3: timestamp &#x27;not a time&#x27; is not a time" in page
    assert ImportJob.objects.get().status == "failed"
    assert not Comment.objects.exists()


def test_a_large_import_runs_as_a_task_with_a_progress_bar(
    client, cut, creator, django_capture_on_commit_callbacks
):
    client.force_login(creator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = import_job_create(cut=cut, user=creator, fmt="csv", upload=_upload(), inline=False)
    # Queued, not yet run: the page shows the bar at 0 % and polls itself.
    page = client.get(_url("io_import_job", cut, job_id=job.pk)).content.decode()
    assert '<progress max="100" value="0"' in page and 'hx-trigger="every 1s"' in page
    assert not Comment.objects.exists()

    for callback in callbacks:
        callback()  # the worker runs the task (eagerly in tests)

    fragment = client.get(_url("io_import_job", cut, job_id=job.pk), HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert "<html" not in text  # htmx gets the fragment only
    # Done: no bar any more (it said "100 % · Finished"), the counts and the way to the inbox.
    assert "<progress" not in text and "hx-trigger" not in text
    assert "Triage them in cut 1" in text
    assert Comment.objects.count() == 2


def test_the_import_job_reports_its_progress_as_a_percentage(cut, creator):
    rows = "".join(f"c{i},Patron {i},Typo number {i} at 2:{i % 60:02d}\n" for i in range(1200))
    seen: list[tuple[str, int]] = []
    job = import_job_create(
        cut=cut, user=creator, fmt="csv", upload=_upload("id,author,text\n" + rows), inline=True
    )
    assert (job.status, job.percent, job.total, job.added) == ("done", 100, 1200, 1200)
    for phase, done, total in [("checking", 0, 0), ("writing", 500, 1000), ("triaging", 1, 2)]:
        seen.append((phase, _import_percent(phase, done, total)))
    assert seen == [("checking", 2), ("writing", 17), ("triaging", 64)]


def test_a_job_runs_once_even_if_its_task_is_delivered_twice(cut, creator):
    job = import_job_create(cut=cut, user=creator, fmt="csv", upload=_upload())
    assert import_job_run(job_id=job.pk).added == 2
    assert import_job_run(job_id=job.pk).added == 2
    assert Comment.objects.count() == 2


def test_the_import_page_lists_recent_imports_in_a_fixed_number_of_queries(
    client, cut, creator, django_assert_max_num_queries
):
    for i in range(25):
        ImportJob.objects.create(
            cut=cut,
            created_by=creator,
            format="csv",
            file="imports/x.csv",
            filename=f"file{i}.csv",
        )
    client.force_login(creator)
    with django_assert_max_num_queries(8):
        response = client.get(_url("io_import", cut))
    assert response.content.decode().count("file") >= 20


def test_a_small_export_downloads_at_once(client, cut, teammate):
    factories.ErratumFactory(cut=cut, title="Wrong sign", timestamp_s=12)
    client.force_login(teammate)
    page = client.get(_url("io_export", cut)).content.decode()
    assert _url("io_export_download", cut, fmt="sh") in page

    response = client.get(_url("io_export_download", cut, fmt="md"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="nn-cut1-checklist.md"'
    assert "Wrong sign" in response.content.decode()


def test_a_large_export_runs_as_a_task_and_gives_a_download_link(
    client, cut, creator, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(io_jobs, "EXPORT_INLINE_MAX_ERRATA", 1)
    factories.ErratumFactory(cut=cut, title="First", timestamp_s=1)
    factories.ErratumFactory(cut=cut, title="Second", timestamp_s=2)
    client.force_login(creator)
    page = client.get(_url("io_export", cut)).content.decode()
    assert "Prepare" in page and _url("io_export_download", cut, fmt="md") not in page
    # Asking for the inline download of a large export goes back to the page.
    assert client.get(_url("io_export_download", cut, fmt="md")).status_code == 302

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("io_export_job_start", cut), {"format": "csv"})

    job = ExportJob.objects.get()
    assert response["Location"] == _url("io_export_job", cut, job_id=job.pk)
    assert job.status == "done" and job.filename == "nn-cut1-errata.csv"
    download = _url("io_export_job_download", cut, job_id=job.pk)
    assert download in client.get(response["Location"]).content.decode()
    body = b"".join(client.get(download).streaming_content).decode()
    assert "First" in body and "Second" in body


def test_the_export_page_lists_prepared_exports_in_a_fixed_number_of_queries(
    client, cut, creator, django_assert_max_num_queries
):
    for _ in range(25):
        ExportJob.objects.create(cut=cut, created_by=creator, format="md")
    client.force_login(creator)
    with django_assert_max_num_queries(8):
        response = client.get(_url("io_export", cut))
    assert response.content.decode().count("details") == 20


@pytest.mark.browser
def test_the_progress_bar_moves_on_its_own_until_the_import_is_done(
    live_server, page, cut, creator, client
):
    job = ImportJob.objects.create(
        cut=cut,
        created_by=creator,
        format="csv",
        file="imports/x.csv",
        filename="big.csv",
        status="running",
        phase="triaging",
        percent=40,
        total=100000,
    )
    client.force_login(creator)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(live_server.url + _url("io_import_job", cut, job_id=job.pk))
    assert page.locator("progress").get_attribute("value") == "40"

    ImportJob.objects.filter(pk=job.pk).update(
        status="done", phase="finished", percent=100, added=100000
    )

    page.locator("text=100000 added").wait_for()
    assert page.locator("progress").count() == 0
