"""Scenes and timelines in the studio, and the fix loop's new cut: importing a timeline (EDL,
CSV; a malformed file refused with its line and nothing written), spans edited by hand moving
findings, scenes read from manim source, and a v2 that open errata are carried to by scene."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from errata.catalog.services import cut_create, scene_span_update
from errata.fixes.services import erratum_create_from_findings, erratum_transition
from errata.models import Cut, Erratum, Finding, Scene, SceneSpan
from tests import factories
from tests.paths import DATA
from tests.studio_scenario import mabye_reports, report, scenes_on

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
DEMO_EDL = DATA / "nn-part1-demo-timeline.edl"


def _upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/octet-stream")


def _spans(cut) -> list[tuple[str, float, float]]:
    return list(cut.spans.order_by("start_s").values_list("scene__name", "start_s", "end_s"))


def test_importing_the_demo_edl_places_41_scenes_and_moves_findings(signed_in, cut):
    finding = report(cut, 'at 5:58 it says "mabye"', 358)
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/1/timeline/",
        {"timeline": _upload("nn-part1.edl", DEMO_EDL.read_text())},
    )
    assert response.status_code == 302
    spans = _spans(cut)
    assert len(spans) == 41
    assert spans[0] == ("ExampleThrees", 0, 38)
    assert Finding.objects.get(pk=finding.pk).suggested_scene.name == "BreakUpMacroPatterns"
    page = signed_in.get(response["Location"]).content.decode()
    assert "Imported 41 spans from nn-part1.edl (41 new scenes); 1 finding now points" in page


def test_importing_a_csv_timeline_replaces_the_spans(signed_in, cut):
    scenes_on(cut)
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/1/timeline/",
        {"timeline": _upload("spans.csv", "name,start,end\nIntro.mp4,0,1:00\nMain,1:00,10:00\n")},
    )
    assert response.status_code == 302
    assert _spans(cut) == [("Intro", 0, 60), ("Main", 60, 600)]


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("spans.csv", "Intro,0,10\nMain,10\nRest,20,30\n", "line 2: expected name,start,end"),
        ("spans.csv", "Intro,0,10\nMain,10,2000\n", "line 2: Main ends at 33:20, past the end"),
        ("cut.edl", "TITLE: x\n\n001  AX  V  C  00:00:00:00 00:00:10\n", "line 3: malformed EDL"),
        ("cut.mov", "whatever", "unknown timeline format"),
    ],
)
def test_a_malformed_timeline_is_refused_with_the_line_at_fault_and_nothing_written(
    signed_in, cut, name, text, words
):
    scenes_on(cut)
    before = _spans(cut)
    scenes_before = Scene.objects.count()
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/1/timeline/", {"timeline": _upload(name, text)}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body
    assert words in body
    assert _spans(cut) == before
    assert Scene.objects.count() == scenes_before


def test_moving_a_span_by_hand_moves_the_findings_inside_it(signed_in, cut):
    scenes = scenes_on(cut)
    inside = report(cut, "at 5:20 the label", 320, scene=scenes["Intro"])
    span = SceneSpan.objects.get(cut=cut, scene=scenes["BreakUpMacroPatterns"])
    form = signed_in.get(
        f"/studio/videos/{cut.video.slug}/cuts/1/timeline/spans/{span.pk}/", headers=HTMX
    )
    assert 'value="5:30"' in form.content.decode()
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/1/timeline/spans/{span.pk}/",
        {"scene": "BreakUpMacroPatterns", "start": "5:10", "end": "7:00"},
        headers=HTMX,
    )
    body = response.content.decode()
    assert (
        "BreakUpMacroPatterns is now 5:10 to 7:00. 1 finding now points at another scene." in body
    )
    assert Finding.objects.get(pk=inside.pk).suggested_scene == scenes["BreakUpMacroPatterns"]


def test_a_span_past_the_cuts_end_is_refused(signed_in, cut):
    scenes = scenes_on(cut)
    span = SceneSpan.objects.get(cut=cut, scene=scenes["Rest"])
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/1/timeline/spans/{span.pk}/",
        {"scene": "Rest", "start": "7:00", "end": "20:00"},
        headers=HTMX,
    )
    assert response.status_code == 400
    assert "Rest ends at 20:00, past the end of nn cut 1 (19:13)" in response.content.decode()
    assert SceneSpan.objects.get(pk=span.pk).end_s == 1153


def test_adding_and_removing_spans_by_hand(signed_in, cut):
    finding = report(cut, "at 0:30 the title", 30)
    added = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/1/timeline/spans/",
        {"scene": "TitleCard", "start": "0", "end": "0:45"},
        headers=HTMX,
    )
    assert "Added TitleCard. 1 finding now points at another scene." in added.content.decode()
    assert Finding.objects.get(pk=finding.pk).suggested_scene.name == "TitleCard"
    span = SceneSpan.objects.get(cut=cut)
    removed = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/1/timeline/spans/{span.pk}/delete/", headers=HTMX
    )
    assert "Removed TitleCard from the timeline." in removed.content.decode()
    assert Finding.objects.get(pk=finding.pk).suggested_scene is None


def test_a_finding_whose_scene_the_creator_set_keeps_it_when_spans_move(cut):
    scenes = scenes_on(cut)
    finding = report(cut, "at 5:20 the label", 320, scene=scenes["Intro"])
    Finding.objects.filter(pk=finding.pk).update(scene=scenes["Rest"])
    span = SceneSpan.objects.get(cut=cut, scene=scenes["BreakUpMacroPatterns"])
    scene_span_update(span=span, start_s=310, end_s=420)
    finding.refresh_from_db()
    assert (finding.scene, finding.suggested_scene) == (
        scenes["Rest"],
        scenes["BreakUpMacroPatterns"],
    )
    assert finding.effective_scene_id == scenes["Rest"].pk


MANIM_SOURCE = """\
from manimlib import *


class NetworkScene(Scene):
    pass


class WriteAProgram(NetworkScene):
    def construct(self):
        pass


class NeuronDot(Circle):
    pass
"""


def test_reading_scenes_from_a_manim_source_file(signed_in, cut):
    existing = factories.SceneFactory(video=cut.video, name="WriteAProgram", source_path="")
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/scenes/",
        {"source": _upload("part1.py", MANIM_SOURCE), "source_path": "_2017/nn/part1.py"},
    )
    assert response.status_code == 302
    scenes = {s.name: s for s in Scene.objects.filter(video=cut.video)}
    assert set(scenes) == {"NetworkScene", "WriteAProgram"}
    assert (scenes["NetworkScene"].source_path, scenes["NetworkScene"].class_line) == (
        "_2017/nn/part1.py",
        4,
    )
    assert scenes["WriteAProgram"].pk == existing.pk
    assert scenes["WriteAProgram"].class_line == 8
    page = signed_in.get(response["Location"]).content.decode()
    assert "Read 2 scene classes from part1.py: 1 new, 1 updated." in page


def test_a_manim_file_with_a_syntax_error_is_reported_with_its_line_and_nothing_written(
    signed_in, cut
):
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/scenes/",
        {"source": _upload("part1.py", "class A(Scene):\n    pass\n\nclass B(Scene:\n    pass\n")},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "line 4: part1.py is not valid Python" in body
    assert "Traceback" not in body
    assert not Scene.objects.exists()


def test_adding_a_v2_with_its_timeline_carries_open_errata_by_scene(signed_in, cut, creator):
    scenes = scenes_on(cut)
    mabye = mabye_reports(cut, scenes)
    erratum = erratum_create_from_findings(finding_ids=[mabye[0].pk, mabye[1].pk], actor=creator)
    closed = erratum_create_from_findings(finding_ids=[mabye[2].pk], timestamp_s=100)
    erratum_transition(erratum=closed, status="wontfix", reason="fine")
    loose = report(cut, "the arrow at 12:00 overlaps", 720, category="visual")
    # v2: a new 20 s intro pushes everything later; BreakUpMacroPatterns now starts at 5:50.
    timeline = "Intro,0,5:50\nBreakUpMacroPatterns,5:50,7:20\nRest,7:20,19:33\n"
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/new/",
        {
            "label": "Fixed",
            "duration": "19:33",
            "fps": "30",
            "media_url": "https://example.com/v2.mp4",
            "timeline": _upload("v2.csv", timeline),
            "carry_from": cut.pk,
        },
    )
    v2 = Cut.objects.get(video=cut.video, number=2)
    # The cut is made, but carrying is shown first and waits for a confirmation.
    preview_url = f"/studio/videos/{cut.video.slug}/cuts/2/carry/?from_cut={cut.pk}"
    assert response["Location"] == preview_url
    assert (v2.duration_s, v2.label, v2.media_url) == (1173, "Fixed", "https://example.com/v2.mp4")
    assert _spans(v2)[1] == ("BreakUpMacroPatterns", 350, 440)
    assert Erratum.objects.get(pk=erratum.pk).cut == cut
    preview = signed_in.get(preview_url).content.decode()
    assert "Cut 2 added with 3 scene spans." in preview
    assert "<strong>1</strong> open erratum would move" in preview
    assert "<strong>3</strong> findings would move" in preview
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/2/carry/", {"from_cut": cut.pk, "confirm": "yes"}
    )
    assert response["Location"] == f"/studio/videos/{cut.video.slug}/cuts/2/"
    erratum.refresh_from_db()
    # 6:03 was 33 s into BreakUpMacroPatterns; it is still 33 s in, now at 6:23.
    assert (erratum.cut, erratum.timestamp_s, erratum.found_in_cut) == (v2, 383, cut)
    assert sorted(erratum.findings.values_list("timestamp_s", flat=True)) == [378, 383]
    loose.refresh_from_db()
    assert (loose.cut, loose.timestamp_s) == (v2, 740)
    assert Erratum.objects.get(pk=closed.pk).cut == cut
    page = signed_in.get(response["Location"]).content.decode()
    assert "Carried 1 open erratum and 3 findings" in page
    # v2's board now holds the carried erratum, ready to be marked fixed and verified.
    board = signed_in.get(f"/studio/videos/{cut.video.slug}/cuts/2/board/").content.decode()
    assert erratum.title in board
    assert "Fixed in cut 2" in board


def test_a_new_cut_whose_timeline_does_not_fit_is_refused_and_no_cut_is_left(signed_in, cut):
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/new/",
        {"duration": "10:00", "timeline": _upload("v2.csv", "Intro,0,5:00\nRest,5:00,12:00\n")},
    )
    assert response.status_code == 400
    assert "line 2: Rest ends at 12:00, past the end" in response.content.decode()
    assert Cut.objects.filter(video=cut.video).count() == 1
    assert not Scene.objects.filter(name="Rest").exists()


def test_a_new_cut_with_a_malformed_timeline_names_the_line(signed_in, cut):
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/new/",
        {"duration": "10:00", "timeline": _upload("v2.csv", "Intro,0,5:00\nRest,soon,6:00\n")},
    )
    assert response.status_code == 400
    assert "line 2: start &#x27;soon&#x27; is not a time" in response.content.decode()
    assert Cut.objects.filter(video=cut.video).count() == 1


def test_carrying_from_the_cut_page_after_the_cut_exists(signed_in, cut, creator):
    scenes = scenes_on(cut)
    mabye = mabye_reports(cut, scenes)
    erratum = erratum_create_from_findings(finding_ids=[mabye[0].pk], actor=creator)
    v2 = cut_create(video=cut.video, duration_s=1153).cut
    scenes_on(v2)
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/2/carry/", {"from_cut": cut.pk, "confirm": "yes"}
    )
    assert response.status_code == 302
    erratum.refresh_from_db()
    assert erratum.cut == v2
    assert erratum.events.filter(kind="carried", actor=creator).exists()


def test_each_new_cut_takes_the_next_number(cut):
    first = cut_create(video=cut.video, duration_s=600).cut
    second = cut_create(video=cut.video, duration_s=600).cut
    assert (first.number, second.number) == (2, 3)
