"""The studio's actions over HTTP, each showing the state before and after."""

from __future__ import annotations

import pytest

from errata.models import Erratum, Finding, SceneSpan
from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(creator):
    return token_client(creator)


def test_accepting_a_group_makes_one_erratum_with_its_reports(api, world, creator):
    ids = [f.pk for f in world.findings_new]
    assert set(Finding.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"new"}
    response = api.post("/api/errata/", {"finding_ids": ids, "severity": "high"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["report_count"], body["severity"], body["status"]) == (2, "high", "open")
    assert response["ETag"] == '"1"'
    erratum = Erratum.objects.get(pk=body["id"])
    assert erratum.created_by == creator
    assert set(erratum.findings.values_list("state", flat=True)) == {"accepted"}


def test_merging_moves_the_reports_and_leaves_a_redirect(api, world):
    source, target = world.erratum_dup, world.erratum_open
    moved = list(source.findings.values_list("pk", flat=True))
    response = api.post(f"/api/errata/{source.pk}/merge/", {"into": target.pk})
    assert response.status_code == 200
    assert response.json()["id"] == target.pk
    assert set(moved) <= set(response.json()["findings"])
    assert api.get(f"/api/errata/{source.pk}/").json()["merged_into"] == target.pk
    # A merged erratum takes no more actions.
    assert api.post(f"/api/errata/{source.pk}/accept/").status_code == 409


def test_the_fix_loop_fix_in_a_cut_then_verify(api, world):
    url = f"/api/errata/{world.erratum_open.pk}/"
    fixed = api.post(f"{url}fix/", {"fixed_in_cut": world.cut2.pk, "fix_note": "Re-rendered"})
    assert (fixed.json()["status"], fixed.json()["fixed_in_cut"]) == ("fixed", world.cut2.pk)
    assert fixed.json()["fix_note"] == "Re-rendered"
    verified = api.post(f"{url}verify/")
    assert verified.json()["status"] == "verified"
    kinds = [e["kind"] for e in api.get(f"{url}events/").json()["results"]]
    assert kinds == ["status", "status"]


def test_fixing_in_a_cut_of_another_video_is_refused(api, world):

    elsewhere = factories.CutFactory(video=factories.VideoFactory(team=world.video.team))
    response = api.post(f"/api/errata/{world.erratum_open.pk}/fix/", {"fixed_in_cut": elsewhere.pk})
    assert response.status_code == 400
    assert "fixed_in_cut" in response.json()["fields"]


def test_wontfix_keeps_the_reason_and_reopen_clears_it(api, world):
    url = f"/api/errata/{world.erratum_open.pk}/"
    closed = api.post(f"{url}wontfix/", {"reason": "Nobody will notice."}).json()
    assert (closed["status"], closed["resolution_reason"]) == ("wontfix", "Nobody will notice.")
    reopened = api.post(f"{url}reopen/").json()
    assert (reopened["status"], reopened["resolution_reason"]) == ("open", "")


def test_dismissing_and_restoring_findings(api, world):
    finding = world.findings_new[0]
    response = api.post(
        "/api/findings/dismiss/",
        {"finding_ids": [finding.pk], "category": "content", "reason": "A suggestion"},
        format="json",
    )
    assert response.json() == {"count": 1}
    finding.refresh_from_db()
    assert (finding.state, finding.category, finding.dismissed_reason) == (
        "dismissed",
        "content",
        "A suggestion",
    )
    assert api.post(f"/api/findings/{finding.pk}/restore/").json()["state"] == "new"


def test_splitting_a_finding_from_its_group(api, world):
    finding = world.finding_grouped
    before = finding.duplicate_group_id
    after = api.post(f"/api/findings/{finding.pk}/split/").json()["duplicate_group"]
    assert after not in (None, before)
    assert Finding.objects.filter(duplicate_group_id=before).count() == 1


def test_correcting_a_findings_time_and_scene(api, world):
    finding = world.findings_new[0]
    response = api.patch(
        f"/api/findings/{finding.pk}/", {"timestamp_s": 100.0, "category": "notation"}
    )
    body = response.json()
    assert (body["timestamp_s"], body["timestamp_source"], body["category"]) == (
        100.0,
        "manual",
        "notation",
    )
    assert body["suggested_scene"] == world.scenes[0].pk  # Intro holds 1:40
    cleared = api.patch(f"/api/findings/{finding.pk}/", {"scene": None}, format="json").json()
    assert cleared["scene"] is None


def test_carrying_open_errata_to_the_next_cut_keeps_their_place_in_the_scene(api, world):
    # The sigma report at 2:00 lies in Intro (0:00-5:30 on cut 1, 0:00-5:35 on cut 2).
    Erratum.objects.filter(pk=world.erratum_open.pk).update(timestamp_s=120, scene=world.scenes[0])
    response = api.post(f"/api/cuts/{world.cut.pk}/carry/", {"to_cut": world.cut2.pk})
    assert response.status_code == 200
    assert response.json()["errata"] == 2  # the open ones; fixed and wontfix stay
    carried = Erratum.objects.get(pk=world.erratum_open.pk)
    assert (carried.cut_id, carried.timestamp_s) == (world.cut2.pk, 120)


def test_replacing_a_cuts_timeline(api, world):
    response = api.put(
        f"/api/cuts/{world.cut.pk}/timeline/",
        {
            "spans": [
                {"scene": "Intro", "start_s": 0, "end_s": 300},
                {"scene": "NewScene", "start_s": 300, "end_s": 1153},
            ],
            "source_path": "_2017/nn/part1.py",
        },
        format="json",
    )
    # Every finding with a time now has a suggested scene (the world made them without one).
    assert response.json() == {"spans": 2, "scenes_created": 1, "findings_moved": 6}
    names = list(
        SceneSpan.objects.filter(cut=world.cut)
        .order_by("start_s")
        .values_list("scene__name", flat=True)
    )
    assert names == ["Intro", "NewScene"]


def test_creating_a_video_cut_and_scene(api, team):
    assert (
        api.post("/api/videos/", {"slug": "nn-2", "team": team.slug, "title": "Part 2"}).status_code
        == 201
    )
    cut = api.post("/api/cuts/", {"video": "nn-2", "number": 1, "duration_s": 900, "fps": 30})
    assert (cut.status_code, cut.json()["fps"]) == (201, 30.0)
    again = api.post("/api/cuts/", {"video": "nn-2", "number": 1, "duration_s": 900})
    assert again.status_code == 400
    assert "already has cut 1" in again.json()["fields"]["number"][0]
    scene = api.post("/api/scenes/", {"video": "nn-2", "name": "Intro"})
    assert scene.status_code == 201
    duplicate = api.post("/api/scenes/", {"video": "nn-2", "name": "Intro"})
    assert "name" in duplicate.json()["fields"]


def test_a_cuts_video_is_fixed_and_its_duration_never_ends_before_what_lies_on_it(api, world):
    refused = api.patch(f"/api/cuts/{world.cut.pk}/", {"duration_s": 10, "label": "v1"})
    assert refused.status_code == 400
    assert (
        "cannot end at 0:10: a scene span ends at 19:13"
        in (refused.json()["fields"]["duration_s"][0])
    )
    world.cut.refresh_from_db()
    assert (world.cut.duration_s, world.cut.label) == (1153.0, world.cut.label)
    response = api.patch(
        f"/api/cuts/{world.cut.pk}/",
        {"duration_s": 1200.5, "fps": 25, "video": "elsewhere", "label": "v1"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["duration_s"], body["fps"], body["label"]) == (1200.5, 25.0, "v1")
    assert body["video"] == world.cut.video.slug
