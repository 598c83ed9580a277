"""Every endpoint, called by every member of the cast: the creator (session), a teammate
(token), another team's creator (token), a patron with a review link, a patron whose link was
revoked, and an anonymous visitor. Each call runs in a savepoint that is rolled back, so every
actor meets the same world."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from errata.models import UndoRecord
from tests.api.conftest import ACTORS, World
from tests.paths import TEST_VIDEO

pytestmark = pytest.mark.django_db


def members(ok: int, *, outsider: int = 404, patron: int = 403) -> dict[str, int]:
    """Team members may; another team's creator finds nothing; a review link may not; bad or
    missing credentials are 401."""
    return {
        "creator": ok,
        "teammate": ok,
        "outsider": outsider,
        "patron": patron,
        "revoked_patron": 401,
        "anonymous": 401,
    }


def owners(ok: int, *, outsider: int = 404) -> dict[str, int]:
    return {**members(ok, outsider=outsider), "teammate": 403}


@dataclass
class Call:
    name: str
    method: str
    path: Callable[[World], str]
    expected: dict[str, int]
    body: Callable[[World], dict] | None = None
    is_list: bool = False
    overrides: dict[str, int] = field(default_factory=dict)
    format: str = "json"


LIST = {"is_list": True}


def _accepted_finding(w: World) -> int:
    return w.erratum_open.findings.get().pk


def _creator_undo(w: World) -> int:
    """An undoable action of the creator's (nothing to restore: its undo only marks it)."""
    record, _ = UndoRecord.objects.get_or_create(
        video=w.video, actor=w.creator_token.user, kind="dismiss", steps=[]
    )
    return record.pk


def _comment_file() -> SimpleUploadedFile:
    csv = "external_id,author,text,timestamp\na1,Ada,Typo at 5:58: mabye,5:58\n"
    return SimpleUploadedFile("comments.csv", csv.encode(), content_type="text/csv")


def _video_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("v2.webm", TEST_VIDEO.read_bytes(), content_type="video/webm")


CALLS = [
    Call("teams list", "get", lambda w: "/api/teams/", members(200, outsider=200), **LIST),
    # Videos
    Call("videos list", "get", lambda w: "/api/videos/", members(200, outsider=200), **LIST),
    Call(
        "videos create",
        "post",
        lambda w: "/api/videos/",
        members(201, outsider=400),
        body=lambda w: {"slug": "nn-part2", "team": w.video.team.slug, "title": "Part 2"},
    ),
    Call("videos retrieve", "get", lambda w: f"/api/videos/{w.video.slug}/", members(200)),
    Call(
        "videos update",
        "patch",
        lambda w: f"/api/videos/{w.video.slug}/",
        members(200),
        body=lambda w: {"title": "Neural networks, part 1"},
    ),
    # Cuts
    Call("cuts list", "get", lambda w: "/api/cuts/", members(200, outsider=200), **LIST),
    Call(
        "cuts create",
        "post",
        lambda w: "/api/cuts/",
        members(201, outsider=400),
        body=lambda w: {"video": w.video.slug, "number": 3, "duration_s": 1170.5},
    ),
    Call(
        "cuts retrieve (the link's cut)",
        "get",
        lambda w: f"/api/cuts/{w.cut.pk}/",
        members(200, patron=200),
    ),
    Call(
        "cuts retrieve (another cut)",
        "get",
        lambda w: f"/api/cuts/{w.cut2.pk}/",
        members(200, patron=404),
    ),
    Call(
        "cuts update",
        "patch",
        lambda w: f"/api/cuts/{w.cut.pk}/",
        members(200),
        body=lambda w: {"label": "Early view v1"},
    ),
    Call(
        "cuts carry",
        "post",
        lambda w: f"/api/cuts/{w.cut.pk}/carry/",
        members(200),
        body=lambda w: {"to_cut": w.cut2.pk},
    ),
    Call(
        "cuts timeline",
        "put",
        lambda w: f"/api/cuts/{w.cut.pk}/timeline/",
        members(200),
        body=lambda w: {"spans": [{"scene": "Intro", "start_s": 0, "end_s": 100}]},
    ),
    # Imports and exports of a cut, and their jobs: team members only
    Call(
        "cuts media (its processing)", "get", lambda w: f"/api/cuts/{w.cut.pk}/media/", members(200)
    ),
    Call(
        "cuts media upload",
        "put",
        lambda w: f"/api/cuts/{w.cut.pk}/media/",
        members(202),
        body=lambda w: {"file": _video_file()},
        format="multipart",
    ),
    Call(
        "cuts media: the browser copy (a review link may play it)",
        "get",
        lambda w: f"/api/cuts/{w.cut.pk}/media/video/",
        members(200, patron=200),
    ),
    Call(
        "cuts media: the original (team only)",
        "get",
        lambda w: f"/api/cuts/{w.cut.pk}/media/original/",
        members(200, patron=404),
    ),
    Call(
        "cuts import (a small file, at once)",
        "post",
        lambda w: f"/api/cuts/{w.cut.pk}/import/",
        members(201),
        body=lambda w: {"format": "csv", "file": _comment_file()},
        format="multipart",
    ),
    Call(
        "cuts export (a small one, the file)",
        "get",
        lambda w: f"/api/cuts/{w.cut.pk}/export/?format=md",
        members(200),
    ),
    Call(
        "import jobs list", "get", lambda w: "/api/import-jobs/", members(200, outsider=200), **LIST
    ),
    Call(
        "import jobs retrieve",
        "get",
        lambda w: f"/api/import-jobs/{w.import_job.pk}/",
        members(200),
    ),
    Call(
        "export jobs list", "get", lambda w: "/api/export-jobs/", members(200, outsider=200), **LIST
    ),
    Call(
        "export jobs retrieve",
        "get",
        lambda w: f"/api/export-jobs/{w.export_job.pk}/",
        members(200),
    ),
    Call(
        "export jobs download",
        "get",
        lambda w: f"/api/export-jobs/{w.export_job.pk}/download/",
        members(200),
    ),
    # The world's jobs are done, so they can be neither cancelled nor retried: members get past
    # the permissions to the job's own answer (tests/io/test_jobs.py has the rest).
    Call(
        "import jobs cancel",
        "post",
        lambda w: f"/api/import-jobs/{w.import_job.pk}/cancel/",
        members(409),
    ),
    Call(
        "import jobs retry",
        "post",
        lambda w: f"/api/import-jobs/{w.import_job.pk}/retry/",
        members(409),
    ),
    Call(
        "export jobs cancel",
        "post",
        lambda w: f"/api/export-jobs/{w.export_job.pk}/cancel/",
        members(409),
    ),
    Call(
        "export jobs retry",
        "post",
        lambda w: f"/api/export-jobs/{w.export_job.pk}/retry/",
        members(409),
    ),
    # Scenes and spans
    Call("scenes list", "get", lambda w: "/api/scenes/", members(200, outsider=200), **LIST),
    Call(
        "scenes create",
        "post",
        lambda w: "/api/scenes/",
        members(201, outsider=400),
        body=lambda w: {"video": w.video.slug, "name": "Outro"},
    ),
    Call("scenes retrieve", "get", lambda w: f"/api/scenes/{w.scenes[0].pk}/", members(200)),
    Call(
        "scenes update",
        "patch",
        lambda w: f"/api/scenes/{w.scenes[0].pk}/",
        members(200),
        body=lambda w: {"source_path": "_2017/nn/part1.py"},
    ),
    Call("spans list", "get", lambda w: "/api/spans/", members(200, outsider=200), **LIST),
    Call("spans retrieve", "get", lambda w: f"/api/spans/{w.spans[0].pk}/", members(200)),
    # Review links
    Call(
        "review links list",
        "get",
        lambda w: "/api/review-links/",
        members(200, outsider=200),
        **LIST,
    ),
    Call(
        "review links create",
        "post",
        lambda w: "/api/review-links/",
        members(201, outsider=400),
        body=lambda w: {"cut": w.cut.pk, "label": "Discord"},
    ),
    Call(
        "review links retrieve",
        "get",
        lambda w: f"/api/review-links/{w.cut.review_links.first().pk}/",
        members(200),
    ),
    Call(
        "review links update",
        "patch",
        lambda w: f"/api/review-links/{w.cut.review_links.first().pk}/",
        members(200),
        body=lambda w: {"show_others_comments": False},
    ),
    Call(
        "review links revoke",
        "post",
        lambda w: f"/api/review-links/{w.cut.review_links.first().pk}/revoke/",
        members(200),
    ),
    # Comments: the one resource a review link reaches
    Call(
        "comments list",
        "get",
        lambda w: "/api/comments/",
        members(200, outsider=200, patron=200),
        **LIST,
    ),
    Call(
        "comments create",
        "post",
        lambda w: "/api/comments/",
        members(201, outsider=400, patron=201),
        body=lambda w: {
            "cut": w.cut.pk,
            "text": "At 1:00 the label is cut off.",
            "author_name": "Ada",
        },
    ),
    Call(
        "comments retrieve",
        "get",
        lambda w: f"/api/comments/{w.comment.pk}/",
        members(200, patron=200),
    ),
    # A comment is changed only by its author through their link (tests/api/test_comments_api.py);
    # a team member never, a link without the author's reviewer key neither.
    Call(
        "comments update",
        "patch",
        lambda w: f"/api/comments/{w.comment.pk}/",
        members(403, outsider=403),
        body=lambda w: {"text": "changed"},
    ),
    Call(
        "comments destroy",
        "delete",
        lambda w: f"/api/comments/{w.comment.pk}/",
        members(403, outsider=403),
    ),
    # Findings
    Call("findings list", "get", lambda w: "/api/findings/", members(200, outsider=200), **LIST),
    Call(
        "findings retrieve", "get", lambda w: f"/api/findings/{w.findings_new[0].pk}/", members(200)
    ),
    Call(
        "findings update",
        "patch",
        lambda w: f"/api/findings/{w.findings_new[0].pk}/",
        members(200),
        body=lambda w: {"category": "typo", "timestamp_s": 359.5},
    ),
    Call(
        "findings dismiss",
        "post",
        lambda w: "/api/findings/dismiss/",
        members(200, outsider=400),
        body=lambda w: {"finding_ids": [w.findings_new[0].pk], "category": "none"},
    ),
    Call(
        "findings restore",
        "post",
        lambda w: f"/api/findings/{w.finding_dismissed.pk}/restore/",
        members(200),
    ),
    Call(
        "findings split",
        "post",
        lambda w: f"/api/findings/{w.finding_grouped.pk}/split/",
        members(200),
    ),
    Call(
        "findings remove from erratum",
        "post",
        lambda w: f"/api/findings/{_accepted_finding(w)}/remove-from-erratum/",
        members(200),
    ),
    # Errata
    Call("errata list", "get", lambda w: "/api/errata/", members(200, outsider=200), **LIST),
    Call(
        "errata create (accept a group)",
        "post",
        lambda w: "/api/errata/",
        members(201, outsider=400),
        body=lambda w: {"finding_ids": [f.pk for f in w.findings_new]},
    ),
    Call("errata retrieve", "get", lambda w: f"/api/errata/{w.erratum_open.pk}/", members(200)),
    Call(
        "errata update",
        "patch",
        lambda w: f"/api/errata/{w.erratum_open.pk}/",
        members(200),
        body=lambda w: {"severity": "high"},
    ),
    Call(
        "errata add findings",
        "post",
        lambda w: f"/api/errata/{w.erratum_open.pk}/findings/",
        members(200),
        body=lambda w: {"finding_ids": [w.findings_new[0].pk]},
    ),
    Call(
        "errata merge",
        "post",
        lambda w: f"/api/errata/{w.erratum_dup.pk}/merge/",
        members(200),
        body=lambda w: {"into": w.erratum_open.pk},
    ),
    Call(
        "errata accept", "post", lambda w: f"/api/errata/{w.erratum_open.pk}/accept/", members(200)
    ),
    Call(
        "errata fix",
        "post",
        lambda w: f"/api/errata/{w.erratum_open.pk}/fix/",
        members(200),
        body=lambda w: {"fixed_in_cut": w.cut2.pk, "fix_note": "Re-rendered"},
    ),
    Call(
        "errata verify", "post", lambda w: f"/api/errata/{w.erratum_fixed.pk}/verify/", members(200)
    ),
    Call(
        "errata wontfix",
        "post",
        lambda w: f"/api/errata/{w.erratum_open.pk}/wontfix/",
        members(200),
        body=lambda w: {"reason": "Nobody will notice."},
    ),
    Call(
        "errata not an error",
        "post",
        lambda w: f"/api/errata/{w.erratum_open.pk}/not-an-error/",
        members(200),
        body=lambda w: {"reason": "Both spellings are used."},
    ),
    Call(
        "errata reopen",
        "post",
        lambda w: f"/api/errata/{w.erratum_wontfix.pk}/reopen/",
        members(200),
    ),
    Call(
        "errata events", "get", lambda w: f"/api/errata/{w.erratum_open.pk}/events/", members(200)
    ),
    # Personal tokens: each person sees only their own
    Call("tokens list", "get", lambda w: "/api/tokens/", members(200, outsider=200), **LIST),
    Call(
        "tokens create",
        "post",
        lambda w: "/api/tokens/",
        members(201, outsider=201),
        body=lambda w: {"name": "laptop"},
    ),
    Call(
        "tokens retrieve",
        "get",
        lambda w: f"/api/tokens/{w.creator_token.pk}/",
        {**members(200), "teammate": 404},
    ),
    Call(
        "tokens revoke",
        "post",
        lambda w: f"/api/tokens/{w.creator_token.pk}/revoke/",
        {**members(200), "teammate": 404},
    ),
    # Undo: only the one who acted sees and undoes the record
    Call(
        "undo retrieve",
        "get",
        lambda w: f"/api/undo/{_creator_undo(w)}/",
        {**members(200), "teammate": 404},
    ),
    Call(
        "undo undo",
        "post",
        lambda w: f"/api/undo/{_creator_undo(w)}/undo/",
        {**members(200), "teammate": 404},
    ),
    # Webhooks: members read, owners change
    Call("webhooks list", "get", lambda w: "/api/webhooks/", members(200, outsider=200), **LIST),
    Call(
        "webhooks create",
        "post",
        lambda w: "/api/webhooks/",
        owners(201, outsider=400),
        body=lambda w: {
            "team": w.video.team.slug,
            "url": "https://hooks.example.com/errata",
            "events": ["comment.created"],
        },
    ),
    Call("webhooks retrieve", "get", lambda w: f"/api/webhooks/{w.endpoint.pk}/", members(200)),
    Call(
        "webhooks update",
        "patch",
        lambda w: f"/api/webhooks/{w.endpoint.pk}/",
        owners(200),
        body=lambda w: {"events": ["erratum.fixed"]},
    ),
    Call("webhooks delete", "delete", lambda w: f"/api/webhooks/{w.endpoint.pk}/", owners(204)),
    Call(
        "webhooks rotate secret",
        "post",
        lambda w: f"/api/webhooks/{w.endpoint.pk}/rotate-secret/",
        owners(200),
    ),
    Call(
        "webhook deliveries list",
        "get",
        lambda w: "/api/webhook-deliveries/",
        members(200, outsider=200),
        **LIST,
    ),
    Call(
        "webhook deliveries retrieve",
        "get",
        lambda w: f"/api/webhook-deliveries/{w.delivery.pk}/",
        members(200),
    ),
    Call(
        "webhook deliveries replay",
        "post",
        lambda w: f"/api/webhook-deliveries/{w.delivery.pk}/replay/",
        owners(202),
    ),
]


def _ids(response) -> set:
    return {row.get("id", row.get("slug")) for row in response.json()["results"]}


@pytest.mark.parametrize("call", CALLS, ids=[c.name for c in CALLS])
def test_every_endpoint_answers_each_actor_as_the_matrix_says(call: Call, clients, world):
    seen_by_creator: set | None = None
    for actor in ACTORS:
        with transaction.atomic():
            client = clients[actor]
            kwargs = {"format": call.format}
            if call.body is not None:
                kwargs["data"] = call.body(world)
            response = getattr(client, call.method)(call.path(world), **kwargs)
            expected = call.expected[actor]
            assert response.status_code == expected, (
                f"{call.name} as {actor}: {response.status_code} {getattr(response, 'data', '')}"
            )
            if response.status_code >= 400:
                body = response.json()
                assert set(body) == {"status", "code", "detail", "fields"}, body
                assert body["status"] == response.status_code
            if call.is_list and actor == "creator":
                seen_by_creator = _ids(response)
                assert seen_by_creator, f"{call.name}: the creator should see rows"
            if call.is_list and actor == "outsider":
                # Another team's creator sees their own rows at most, never ours.
                assert not (_ids(response) & seen_by_creator), call.name
            transaction.set_rollback(True)


def test_the_matrix_covers_every_operation_in_the_schema(world):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {(method, path) for path, item in schema["paths"].items() for method in item}
    patterns = {
        path: re.compile("^" + re.sub(r"\{(id|slug|kind)\}", "[^/]+", path) + "$")
        for path in schema["paths"]
    }
    covered = set()
    for call in CALLS:
        url = call.path(world).split("?")[0]
        matches = [path for path, pattern in patterns.items() if pattern.match(url)]
        # /api/findings/dismiss/ also fits /api/findings/{id}/: the literal path wins.
        path = min(matches, key=lambda p: p.count("{"))
        covered.add((call.method, path))
    assert operations == covered, sorted(operations ^ covered)
