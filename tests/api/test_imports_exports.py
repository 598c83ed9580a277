"""Imports and exports over the API: comment files into a cut (at once when small, through an
ImportJob when large), the cut's exports out (the file when small, an ExportJob and its download
when large). Who may call them is in test_permissions_matrix.py."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import opentimelineio as otio
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from errata.fixes.services import erratum_create_from_findings
from errata.io import jobs as io_jobs
from errata.io import services as io_services
from errata.io.jobs import _import_percent
from errata.models import Comment, ExportJob, Finding, ImportJob, Reviewer
from tests import factories
from tests.api.conftest import link_client, token_client
from tests.paths import DATA

pytestmark = pytest.mark.django_db

PASTE = (DATA / "patreon-early-view-nn-part1.txt").read_bytes()
SEED = json.loads((DATA / "seed-labeled.json").read_text(encoding="utf-8"))["videos"][0]

CSV = (
    "external_id,author,text,timestamp,parent_id\n"
    'a1,Ada,"At 5:58 ""mabye"" should be ""maybe""",5:58,\n'
    "a2,Bob,Typo at 6:00: mabye,6:00,\n"
    'a3,3blue1brown,"Thanks, fixed!",,a1\n'
    "a4,Carol,Great video!,,\n"
)


def _youtube_comment(comment_id: str, text: str, author: str, parent: str = "") -> dict:
    snippet = {
        "authorDisplayName": author,
        "authorChannelId": {"value": "UCcreator" if author == "3Blue1Brown" else f"UC-{author}"},
        "textOriginal": text,
        "publishedAt": "2017-10-05T14:30:00Z",
    }
    if parent:
        snippet["parentId"] = parent
    return {"kind": "youtube#comment", "id": comment_id, "snippet": snippet}


YOUTUBE = json.dumps(
    {
        "kind": "youtube#commentThreadListResponse",
        "items": [
            {
                "kind": "youtube#commentThread",
                "id": "Ugx1",
                "snippet": {
                    "channelId": "UCcreator",
                    "topLevelComment": _youtube_comment("Ugx1", "At 5:58 mabye -> maybe", "Ada"),
                },
                "replies": {
                    "comments": [
                        _youtube_comment("Ugx1.r1", "Thanks, fixed!", "3Blue1Brown", "Ugx1"),
                        _youtube_comment("Ugx1.r2", "Also at 6:00: mabye", "Bob", "Ugx1"),
                    ]
                },
            },
            {
                "kind": "youtube#commentThread",
                "id": "Ugx2",
                "snippet": {
                    "channelId": "UCcreator",
                    "topLevelComment": _youtube_comment("Ugx2", "Great video!", "Carol"),
                },
            },
        ],
    }
)


@pytest.fixture
def api(creator, settings):
    """The creator's script, with its personal token, and rates these tests never reach."""
    settings.API_THROTTLE_RATES = {"token": "10000/min", "review_link": "10000/min", "user": "1/s"}
    return token_client(creator)


def _file(content: str | bytes, name: str) -> SimpleUploadedFile:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def _import(client, cut, fmt: str, content: str | bytes, name: str = "comments", **fields):
    body = {"format": fmt, "file": _file(content, f"{name}.{fmt}"), **fields}
    return client.post(f"/api/cuts/{cut.pk}/import/", body, format="multipart")


def _nothing_written() -> bool:
    return not (
        Comment.objects.exists()
        or Finding.objects.exists()
        or Reviewer.objects.filter(external_id__gt="").exists()
        or ImportJob.objects.exists()
    )


# --- Imports during the request ----------------------------------------------------------------


def test_the_patreon_paste_imports_as_the_seed_comments_and_is_triaged(api, cut):
    assert not cut.comments.exists()

    response = _import(api, cut, "patreon", PASTE, name="patreon-early-view")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["total"] == body["added"] == 43
    assert (body["skipped"], body["creator"]) == (0, 10)
    assert body["findings"] == Finding.objects.filter(cut=cut).count() > 33
    comments = list(cut.comments.order_by("pk"))
    assert [c.text for c in comments] == [c["text"] for c in SEED["comments"]]
    assert {c.source for c in comments} == {"import:patreon"}
    # Triage ran on every patron comment; the creator's replies are not reports.
    assert not cut.comments.filter(triage_state="pending").exists()
    # An inline import leaves no job behind: the answer was the result.
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("fmt", "content", "counts"),
    [
        ("patreon", PASTE, {"total": 43, "added": 43, "creator": 10, "replies": 0}),
        ("csv", CSV, {"total": 4, "added": 4, "creator": 1, "replies": 1}),
        ("youtube", YOUTUBE, {"total": 4, "added": 4, "creator": 1, "replies": 2}),
    ],
)
def test_each_format_imports_and_importing_it_again_adds_nothing(api, cut, fmt, content, counts):
    first = _import(api, cut, fmt, content)
    assert first.status_code == 201, first.json()
    assert {k: first.json()[k] for k in counts} == counts
    stored = cut.comments.count()
    findings = Finding.objects.count()
    assert stored == counts["total"] and cut.comments.filter(source=f"import:{fmt}").count()

    again = _import(api, cut, fmt, content)

    assert again.status_code == 201
    assert again.json() == {
        "total": counts["total"],
        "added": 0,
        "skipped": counts["total"],
        "creator": 0,
        "replies": 0,
        "findings": 0,
    }
    assert (cut.comments.count(), Finding.objects.count()) == (stored, findings)


def test_a_csv_import_keeps_times_replies_and_the_creators_role(api, cut):
    _import(api, cut, "csv", CSV)

    ada = cut.comments.get(external_id="a1")
    assert (ada.author_name, ada.timestamp_s, ada.text) == (
        "Ada",
        358.0,
        'At 5:58 "mabye" should be "maybe"',
    )
    reply = cut.comments.get(external_id="a3")
    assert (reply.parent, reply.author_role, reply.triage_state) == (ada, "creator", "skipped")


def test_the_creator_name_says_whose_comments_are_the_creators_replies(api, cut):
    response = _import(api, cut, "csv", CSV, creator_name="Carol")

    assert response.json()["creator"] == 1
    assert cut.comments.get(author_role="creator").author_name == "Carol"


@pytest.mark.parametrize(
    ("fmt", "content", "where"),
    [
        ("csv", "author,text,timestamp\nAda,fine,1:00\nBob,broken,not a time\n", "line 3"),
        ("csv", "author,text,timestamp\nAda,too late,30:00\n", "line 2"),
        ("youtube", YOUTUBE[:-40], "record 2"),
        ("youtube", json.dumps({"items": [{"id": "A"}]}), "record 1"),
        ("patreon", b"Fine comment\n\nAda\n\n" + b"caf\xe9 latin-1\n", "line 5"),
        # PostgreSQL cannot store NUL: refused by the check, not by the database mid-import.
        ("csv", b"author,text\nAda,fine\nBob,nul \x00 byte\n", "line 3"),
    ],
)
def test_a_malformed_file_is_a_400_naming_the_line_or_record_and_nothing_is_written(
    api, cut, fmt, content, where
):
    response = _import(api, cut, fmt, content)

    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["code"]) == (400, "invalid")
    assert list(body["fields"]) == ["file"]
    message = body["fields"]["file"][0]
    assert message.startswith(f"Nothing was imported: {where}:"), message
    assert where in body["detail"]
    assert _nothing_written()


def test_a_bad_record_at_the_end_of_a_file_still_leaves_nothing_written(api, cut):
    rows = "".join(f"c{i},Patron {i},Comment {i} at 1:{i % 60:02d}\n" for i in range(1500))
    response = _import(api, cut, "csv", "id,author,text\n" + rows + "last,Zed,\n")

    assert response.status_code == 400
    assert "line 1502" in response.json()["detail"]
    assert _nothing_written()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"format": "csv"}, "file"),
        ({"format": "word", "file": _file(CSV, "c.csv")}, "format"),
        ({"format": "csv", "file": _file(b"", "empty.csv")}, "file"),
        ({"format": "csv", "file": _file(CSV, "c.csv"), "creator_name": "x" * 151}, "creator_name"),
    ],
)
def test_a_request_without_a_usable_file_or_format_is_a_400_on_that_field(api, cut, body, field):
    response = api.post(f"/api/cuts/{cut.pk}/import/", body, format="multipart")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert _nothing_written()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(api, cut, monkeypatch):
    monkeypatch.setattr(io_services, "IMPORT_MAX_BYTES", 100)

    response = _import(api, cut, "csv", CSV + "a5,Dan," + "x" * 100 + ",\n")

    assert response.status_code == 400
    assert response.json()["fields"]["file"] == ["The file is larger than 0 MB."]
    assert _nothing_written()


def test_an_import_sent_as_json_is_refused_as_the_wrong_content_type(api, cut):
    response = api.post(
        f"/api/cuts/{cut.pk}/import/", {"format": "csv", "file": CSV}, format="json"
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_another_teams_creator_cannot_import_into_the_cut_and_nothing_is_written(cut, outsider):
    response = _import(token_client(outsider), cut, "csv", CSV)

    assert response.status_code == 404
    assert _nothing_written()


def test_a_patron_with_a_review_link_cannot_import_into_its_own_cut(cut, review_link):
    response = _import(link_client(review_link), cut, "csv", CSV)

    assert response.status_code == 403
    assert _nothing_written()


def test_imports_count_against_the_tokens_rate_like_every_call(cut, creator, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "2/min"}
    client = token_client(creator)
    assert [_import(client, cut, "csv", CSV).status_code for _ in range(2)] == [201, 201]

    refused = _import(client, cut, "csv", CSV)

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["code"] == "throttled"


# --- Large imports: a job ----------------------------------------------------------------------


def test_a_large_import_goes_through_a_job_whose_percentage_reaches_100(
    api, cut, creator, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(io_jobs, "IMPORT_INLINE_MAX_BYTES", 1024)
    rows = "".join(f"c{i},Patron {i % 40},Typo number {i} at 2:{i % 60:02d}\n" for i in range(1200))
    content = "id,author,text\n" + rows
    assert len(content) > io_jobs.IMPORT_INLINE_MAX_BYTES

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = _import(api, cut, "csv", content, name="big")

    assert response.status_code == 202
    job = response.json()
    assert response["Location"] == job["url"]
    assert job["url"].endswith(f"/api/import-jobs/{job['id']}/")
    assert (job["status"], job["phase"], job["percent"], job["filename"]) == (
        "queued",
        "waiting",
        0,
        "big.csv",
    )
    assert (job["cut"], job["format"], job["created_by"]) == (cut.pk, "csv", "grant")
    assert not cut.comments.exists()

    for callback in queued:
        callback()  # the worker runs errata.import_comments (eagerly in tests)

    done = api.get(response["Location"]).json()
    assert (done["status"], done["phase"], done["percent"]) == ("done", "finished", 100)
    assert (done["total"], done["added"], done["skipped"], done["error"]) == (1200, 1200, 0, "")
    assert done["findings"] == Finding.objects.filter(cut=cut).count() >= 1200
    assert done["started_at"] and done["finished_at"]
    assert cut.comments.count() == 1200
    assert not cut.comments.filter(triage_state="pending").exists()


def test_the_import_jobs_percentage_climbs_through_the_phases_to_100(
    api, cut, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(io_jobs, "IMPORT_INLINE_MAX_BYTES", 1024)
    monkeypatch.setattr(io_services, "IMPORT_CHUNK_SIZE", 100)
    seen: list[tuple[str, int]] = []
    percent_of = _import_percent

    def noting(phase: str, done: int, total: int) -> int:
        seen.append((phase, percent_of(phase, done, total)))
        return seen[-1][1]

    monkeypatch.setattr(io_jobs, "_import_percent", noting)
    rows = "".join(f"c{i},Patron {i},Comment {i} at 1:{i % 60:02d}\n" for i in range(600))

    with django_capture_on_commit_callbacks(execute=True):
        response = _import(api, cut, "csv", "id,author,text\n" + rows)

    job = api.get(response["Location"]).json()
    assert (job["status"], job["percent"]) == ("done", 100)
    phases = [phase for phase, _ in seen]
    assert phases[0] == "checking" and "writing" in phases and phases[-1] == "triaging"
    percents = [percent for _, percent in seen]
    assert percents == sorted(percents) and percents[-1] <= 99


def test_a_large_malformed_file_fails_its_job_naming_the_line_and_writes_nothing(
    api, cut, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(io_jobs, "IMPORT_INLINE_MAX_BYTES", 1024)
    rows = "".join(f"c{i},Patron {i},Comment {i}\n" for i in range(200))

    with django_capture_on_commit_callbacks(execute=True):
        response = _import(api, cut, "csv", "id,author,text\n" + rows + "c0,Zed,again\n")

    assert response.status_code == 202
    job = api.get(response["Location"]).json()
    assert (job["status"], job["phase"], job["added"]) == ("failed", "finished", 0)
    assert job["error"].startswith("line 202: the id 'c0' appears twice in the file")
    assert not Comment.objects.exists()


def test_import_jobs_list_newest_first_and_filter_by_cut_and_status(api, cut, video, creator):
    other_cut = factories.CutFactory(video=video, number=2)
    old = factories.ImportJobFactory(cut=cut, created_by=creator, status="done")
    new = factories.ImportJobFactory(cut=cut, created_by=creator, status="failed", error="x")
    elsewhere = factories.ImportJobFactory(cut=other_cut, status="queued")

    listed = api.get("/api/import-jobs/").json()["results"]
    of_cut = api.get("/api/import-jobs/", {"cut": cut.pk}).json()["results"]
    failed = api.get("/api/import-jobs/", {"status": "failed"}).json()["results"]

    assert [j["id"] for j in listed] == [elsewhere.pk, new.pk, old.pk]
    assert [j["id"] for j in of_cut] == [new.pk, old.pk]
    assert [j["id"] for j in failed] == [new.pk]


# --- Exports -----------------------------------------------------------------------------------


@pytest.fixture
def reported(cut, creator) -> dict:
    """A cut with two scenes on its timeline, an accepted typo to re-render (reported by Ada and
    Bob) and a misspoken line to re-record."""
    intro = factories.SceneFactory(video=cut.video, name="Intro", source_path="_2017/nn/part1.py")
    name = factories.SceneFactory(
        video=cut.video, name="BreakDownName", source_path="_2017/nn/part1.py"
    )
    factories.SceneSpanFactory(cut=cut, scene=intro, start_s=0, end_s=300)
    factories.SceneSpanFactory(cut=cut, scene=name, start_s=300, end_s=420)
    typo = [
        factories.FindingFactory(
            comment=factories.CommentFactory(cut=cut, author_name=who, reviewer=None, text=text),
            timestamp_s=at,
        )
        for who, text, at in [("Ada", "mabye at 5:58", 358), ("Bob", "6:00 mabye", 360)]
    ]
    misspoken = factories.FindingFactory(
        comment=factories.CommentFactory(cut=cut, author_name="Carol", reviewer=None),
        suggested_category="narration",
        timestamp_s=61,
    )
    return {
        "typo": erratum_create_from_findings(
            finding_ids=[f.pk for f in typo],
            actor=creator,
            title="'mabye' should read 'maybe'",
            category="typo",
            scene_id=name.pk,
            timestamp_s=358,
        ),
        "narration": erratum_create_from_findings(
            finding_ids=[misspoken.pk],
            actor=creator,
            title="Says 'weight' for 'bias'",
            category="narration",
            timestamp_s=61,
        ),
    }


def _export(client, cut, fmt: str):
    return client.get(f"/api/cuts/{cut.pk}/export/", {"format": fmt})


def _check_md(body: str) -> None:
    assert "### 1. BreakDownName · `_2017/nn/part1.py` · 5:00\u20137:00" in body
    assert "- [ ] 5:58 · typo · 'mabye' should read 'maybe' · 2 reports" in body
    assert "## Narration to re-record\n\n- [ ] 1:01 · Intro · Says 'weight' for 'bias'" in body


def _check_csv(body: str) -> None:
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted(r["title"] for r in rows) == [
        "'mabye' should read 'maybe'",
        "Says 'weight' for 'bias'",
    ]


def _check_json(body: str) -> None:
    document = json.loads(body)
    assert document["video"]["slug"] == "nn" and len(document["errata"]) == 2


def _check_sh(body: str) -> None:
    assert "manimgl _2017/nn/part1.py BreakDownName -w" in body.splitlines()


def _check_edl(body: str) -> None:
    timeline = otio.adapters.read_from_string(body, adapter_name="cmx_3600", rate=30)
    markers = [m for clip in timeline.find_clips() for m in clip.markers]
    assert len(markers) == 2


def _marker_check(adapter_name: str):
    def check(body: str) -> None:
        timeline = otio.adapters.read_from_string(body, adapter_name=adapter_name)
        markers = [m for clip in timeline.find_clips() for m in clip.markers]
        assert sorted(m.marked_range.start_time.to_seconds() for m in markers) == [61, 358]

    return check


def _check_corrections(body: str) -> None:
    assert "5:58" in body and "mabye" in body


def _check_credits(body: str) -> None:
    assert "Ada, Bob and Carol" in body


XML = "application/xml; charset=utf-8"
EXPORTS = [
    ("md", "text/markdown; charset=utf-8", "nn-cut1-checklist.md", _check_md),
    ("csv", "text/csv; charset=utf-8", "nn-cut1-errata.csv", _check_csv),
    ("json", "application/json", "nn-cut1-errata.json", _check_json),
    ("sh", "text/x-shellscript; charset=utf-8", "nn-cut1-rerender.sh", _check_sh),
    ("edl", "text/plain; charset=us-ascii", "nn-cut1-markers.edl", _check_edl),
    ("fcp7", XML, "nn-cut1-markers-fcp7.xml", _marker_check("fcp_xml")),
    ("fcpxml", XML, "nn-cut1-markers.fcpxml", _marker_check("fcpx_xml")),
    ("otio", "application/json", "nn-cut1-markers.otio", _marker_check("otio_json")),
    ("corrections", "text/plain; charset=utf-8", "nn-cut1-corrections.txt", _check_corrections),
    ("credits", "text/plain; charset=utf-8", "nn-cut1-credits.txt", _check_credits),
]


@pytest.mark.parametrize(
    ("fmt", "content_type", "filename", "check"), EXPORTS, ids=[e[0] for e in EXPORTS]
)
def test_each_export_format_comes_out_as_a_file(
    api, cut, reported, fmt, content_type, filename, check
):
    response = _export(api, cut, fmt)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    check(response.content.decode())
    assert not ExportJob.objects.exists()


def test_an_export_is_the_file_whatever_the_accept_header_asks_for(api, cut, reported):
    response = api.get(f"/api/cuts/{cut.pk}/export/", {"format": "csv"}, HTTP_ACCEPT="text/html")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("query", [{}, {"format": "pdf"}, {"format": ""}])
def test_an_export_without_a_known_format_is_a_400_on_format(api, cut, query):
    response = api.get(f"/api/cuts/{cut.pk}/export/", query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()["fields"]) == ["format"]


def test_a_render_script_the_videos_command_cannot_make_is_a_409(api, cut, reported):
    cut.video.render_command = "manim render"
    cut.video.save()

    response = _export(api, cut, "sh")

    assert response.status_code == 409
    assert "must contain {source} and {scenes}" in response.json()["detail"]


# --- Large exports: a job and its download -----------------------------------------------------


def test_a_large_export_goes_through_a_job_and_downloads_when_done(
    api, cut, reported, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(io_jobs, "EXPORT_INLINE_MAX_ERRATA", 1)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = _export(api, cut, "csv")

    assert response.status_code == 202
    job = response.json()
    assert response["Location"] == job["url"] and job["url"].endswith(
        f"/api/export-jobs/{job['id']}/"
    )
    assert (job["status"], job["format"], job["download_url"]) == ("queued", "csv", None)
    not_yet = api.get(f"/api/export-jobs/{job['id']}/download/")
    assert not_yet.status_code == 409 and "queued, not done" in not_yet.json()["detail"]

    for callback in queued:
        callback()  # the worker runs errata.export_checklist

    done = api.get(response["Location"]).json()
    assert (done["status"], done["filename"]) == ("done", "nn-cut1-errata.csv")
    assert done["download_url"].endswith(f"/api/export-jobs/{job['id']}/download/")
    download = api.get(done["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == 'attachment; filename="nn-cut1-errata.csv"'
    _check_csv(b"".join(download.streaming_content).decode())


def test_asking_again_for_a_large_export_while_it_runs_answers_the_same_job(
    api, cut, reported, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(io_jobs, "EXPORT_INLINE_MAX_ERRATA", 1)
    with django_capture_on_commit_callbacks(execute=False):
        first = _export(api, cut, "md").json()
        again = _export(api, cut, "md").json()
        other_format = _export(api, cut, "sh").json()

    assert again["id"] == first["id"] != other_format["id"]
    assert ExportJob.objects.count() == 2


def test_an_export_job_lost_long_ago_is_not_joined_but_started_again(
    api, cut, reported, monkeypatch
):
    monkeypatch.setattr(io_jobs, "EXPORT_INLINE_MAX_ERRATA", 1)
    lost = factories.ExportJobFactory(
        cut=cut, status="running", created_at=timezone.now() - timedelta(hours=2)
    )

    response = _export(api, cut, "md")

    assert response.status_code == 202 and response.json()["id"] != lost.pk


def test_a_failed_export_job_shows_its_error_and_has_no_download(api, cut, creator):
    job = factories.ExportJobFactory(cut=cut, created_by=creator, status="failed", error="Bad")

    shown = api.get(f"/api/export-jobs/{job.pk}/").json()
    download = api.get(f"/api/export-jobs/{job.pk}/download/")

    assert (shown["status"], shown["error"], shown["download_url"]) == ("failed", "Bad", None)
    assert download.status_code == 409


def test_an_export_whose_file_is_gone_answers_404_in_the_error_shape(api, cut, creator):
    job = factories.ExportJobFactory(cut=cut, created_by=creator, done=True)
    job.file.delete(save=False)

    response = api.get(f"/api/export-jobs/{job.pk}/download/")

    assert response.status_code == 404
    assert "no longer kept" in response.json()["detail"]


def test_another_teams_creator_cannot_see_or_download_an_export_job(cut, creator, outsider):
    job = factories.ExportJobFactory(cut=cut, created_by=creator, done=True)
    client = token_client(outsider)

    assert client.get(f"/api/export-jobs/{job.pk}/").status_code == 404
    assert client.get(f"/api/export-jobs/{job.pk}/download/").status_code == 404
    assert client.get("/api/export-jobs/").json()["results"] == []
