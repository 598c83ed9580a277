"""Every file goes through Django's storage API, so the same flows work on the local file
system and on an S3-compatible store (moto's standalone server here, MinIO in docker-compose):
a cut's video uploaded by the web and processed by the worker, a comment import, an export and
its download, frame grabs, and signed addresses.

"Web" and "worker" each get a storage client of their own (the storages are built afresh
between the two steps), and on S3 nothing may be written to the local disk: web and worker
share no disk."""

from __future__ import annotations

import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.functional import empty

from errata.io import jobs as io_jobs
from errata.media import services as media_services
from errata.media.selectors import frame_moment_ms
from errata.models import Comment, CutMedia, ExportJob, FrameGrab, ImportJob
from tests import factories
from tests.api.conftest import token_client
from tests.media.videos import make_video, needs_ffmpeg
from tests.paths import DATA
from tests.s3_server import new_bucket, s3_storages

pytestmark = pytest.mark.django_db


def _new_clients() -> None:
    """Forget every storage instance: the next file operation builds a new client, as another
    process (the worker, or another web process) would."""
    storages._storages = {}
    default_storage._wrapped = empty


@pytest.fixture(params=["filesystem", "s3"])
def store(request, settings, tmp_path):
    """The store under test; on S3, MEDIA_ROOT is a directory that must stay empty."""
    settings.MEDIA_ROOT = tmp_path / "local-disk"
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": s3_storages(endpoint, new_bucket(endpoint)),
        }
    _new_clients()
    yield request.param
    _new_clients()


def _nothing_on_local_disk(settings) -> bool:
    root = settings.MEDIA_ROOT
    return not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def _fetch(response, client, **headers) -> tuple[int, dict, bytes]:
    """Follow a file answer as a browser would: a redirect to a signed address is fetched from
    the store itself; otherwise the app's own answer is the file."""
    if response.status_code == 302:
        request = urllib.request.Request(response["Location"], headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - moto
            headers = {name.title(): value for name, value in answer.headers.items()}
            return answer.status, headers, answer.read()
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, dict(response.items()), body


@needs_ffmpeg
def test_a_video_uploaded_by_the_web_is_processed_by_the_worker_and_played_from_the_store(
    store, settings, client, video, tmp_path, django_capture_on_commit_callbacks
):
    cut = factories.CutFactory(video=video, number=1, duration_s=60.0)
    link = factories.ReviewLinkFactory(cut=cut)
    clip = make_video(tmp_path, "ffv1.mkv", seconds=2.0)
    # The web: checks the first bytes and stores the original.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        media = media_services.cut_media_attach(
            cut=cut, upload=SimpleUploadedFile("take.mkv", clip.read_bytes())
        )
    assert default_storage.exists(cut.media_file.name)
    # The worker: its own client; it reads the original from the store and writes back.
    _new_clients()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    media.refresh_from_db()
    assert media.status == CutMedia.Status.READY, media.error
    for name in (media.proxy.name, media.poster.name, media.sprite.name):
        assert default_storage.exists(name)

    _new_clients()
    response = client.get(f"{link.get_absolute_url()}media/", HTTP_RANGE="bytes=0-99")
    if store == "s3":
        assert response.status_code == 302
        query = parse_qs(urlsplit(response["Location"]).query)
        assert query["X-Amz-Expires"] == ["600"] and "X-Amz-Signature" in query
        assert query["response-content-type"] == ["video/mp4"]
        assert "no-store" in response["Cache-Control"]
        assert _nothing_on_local_disk(settings)
    status, headers, body = _fetch(response, client, Range="bytes=0-99")
    assert status == 206 and len(body) == 100 and body[4:8] == b"ftyp"
    assert headers["Content-Type"] == "video/mp4"


def test_a_comment_file_imported_by_a_task_is_read_back_from_the_store(
    store, settings, cut, creator, django_capture_on_commit_callbacks
):
    paste = (DATA / "patreon-early-view-nn-part1.txt").read_bytes()
    upload = SimpleUploadedFile("page.txt", paste, content_type="text/plain")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = io_jobs.import_job_create(
            cut=cut, user=creator, fmt="patreon", upload=upload, inline=False
        )
    assert default_storage.exists(job.file.name)
    _new_clients()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    assert Comment.objects.filter(cut=cut).count() == job.added > 40
    if store == "s3":
        assert _nothing_on_local_disk(settings)


def test_an_export_written_by_the_worker_is_downloaded_as_an_attachment(
    store, settings, cut, creator, django_capture_on_commit_callbacks
):
    factories.ErratumFactory(cut=cut, title="“mabye” at 5:58", timestamp_s=358)
    with django_capture_on_commit_callbacks(execute=True):
        job = io_jobs.export_job_create(cut=cut, user=creator, fmt="md")
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    _new_clients()
    api = token_client(creator)
    response = api.get(f"/api/export-jobs/{job.pk}/download/")
    status, headers, body = _fetch(response, api)
    assert status == 200
    assert headers["Content-Disposition"].startswith("attachment")
    assert job.filename in headers["Content-Disposition"]
    assert "mabye" in body.decode("utf-8")
    if store == "s3":
        assert _nothing_on_local_disk(settings)


@needs_ffmpeg
def test_frames_are_grabbed_from_the_stored_proxy_and_served_from_the_store(
    store, settings, creator, video, tmp_path, django_capture_on_commit_callbacks
):
    cut = factories.CutFactory(video=video, number=1, duration_s=60.0)
    clip = make_video(tmp_path, "h264.mp4", seconds=2.0)
    with django_capture_on_commit_callbacks(execute=True):
        media_services.cut_media_attach(
            cut=cut, upload=SimpleUploadedFile("a.mp4", clip.read_bytes())
        )
    _new_clients()
    with django_capture_on_commit_callbacks(execute=True):
        media_services.frame_grabs_request(moments=[(cut.pk, 1.0)])
    grab = FrameGrab.objects.get(cut=cut, at_ms=frame_moment_ms(1.0))
    assert grab.status == FrameGrab.Status.READY
    client = token_client(creator)
    client.force_login(creator)
    response = client.get(f"/studio/videos/{video.slug}/cuts/1/frames/1000.jpg")
    status, headers, body = _fetch(response, client)
    assert status == 200 and headers["Content-Type"] == "image/jpeg" and body[:3] == b"\xff\xd8\xff"
    if store == "s3":
        assert _nothing_on_local_disk(settings)


def test_signed_addresses_name_the_host_browsers_reach(settings, s3_endpoint):
    """In docker-compose the app reaches MinIO as http://minio:9000; browsers need the
    published address, and a SigV4 signature covers the host."""
    bucket = new_bucket(s3_endpoint)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storages(
            s3_endpoint, bucket, public_endpoint_url="http://media.example.test:9000"
        ),
    }
    _new_clients()
    try:
        url = default_storage.url("cuts/a.mp4", parameters={"ResponseContentType": "video/mp4"})
    finally:
        _new_clients()
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "http",
        "media.example.test:9000",
        f"/{bucket}/cuts/a.mp4",
    )
    assert "X-Amz-Signature" in parts.query
