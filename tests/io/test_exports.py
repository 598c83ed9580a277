"""Exports of a cut: the fix checklist, errata as CSV and JSON, the re-render script, EDL
markers (round-tripped through OpenTimelineIO), corrections and credits."""

from __future__ import annotations

import csv
import io
import json

import opentimelineio as otio
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from errata.catalog.services import transcript_import
from errata.catalog.transcripts import Cue
from errata.fixes.services import erratum_create_from_findings, erratum_transition, erratum_update
from errata.io.exports import ERRATUM_FIELDS, EXPORT_FORMATS, export_render, marker_note
from errata.models import Comment, Cut, Erratum, Finding, MeToo
from tests import factories

pytestmark = pytest.mark.django_db


def _finding(cut: Cut, external_id: str, position: int = 0) -> Finding:
    return Finding.objects.get(
        comment__cut=cut, comment__external_id=external_id, position=position
    )


@pytest.fixture
def demo(django_capture_on_commit_callbacks) -> dict:
    """The demo cut (41 scenes from the demo EDL, the 43 seed comments, triaged) with errata
    made the way a creator makes them, from the seed's findings."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--no-video", password="errata-demo", stdout=io.StringIO())
    cut = Cut.objects.get(video__slug="nn-part1", number=1)

    def erratum(ids, **fields) -> Erratum:
        findings = [_finding(cut, *i) if isinstance(i, tuple) else _finding(cut, i) for i in ids]
        return erratum_create_from_findings(finding_ids=[f.pk for f in findings], **fields)

    made = {
        "mabye": erratum(
            ["c03", ("c15", 0), "c32"],
            title="“mabye” should read “maybe”",
            category="typo",
            timestamp_s=363,
        ),
        "indices": erratum(
            [("c15", 1), "c33"],
            title="Matrix indices: w_{0,n} should be w_{0,k}",
            category="notation",
            timestamp_s=860,
        ),
        "pi": erratum(
            [("c04", 2)],
            title="Dark rectangle behind the pi creature",
            category="visual",
            timestamp_s=791,
        ),
        "code": erratum(
            [("c04", 3)],
            title="The loop assigns to a instead of appending",
            category="code",
            timestamp_s=889,
        ),
        "flow": erratum(
            [("c04", 4)], title="“I've been a little flow”", category="narration", timestamp_s=990
        ),
        "ten": erratum(
            ["c09", "c24", "c26"],
            title="Says “between zero and ten”, should be zero and nine",
            category="narration",
            timestamp_s=59,
        ),
        "gray": erratum(
            ["c02"], title="Neurons shown black/white and gray", category="color", timestamp_s=360
        ),
    }
    erratum_transition(erratum=made["gray"], status="not_an_error", reason="Intended")
    made["ten"] = erratum_update(erratum=made["ten"], fix_note="It is zero through nine.")
    return {"cut": cut, "errata": made}


def test_the_markdown_checklist_lists_errata_by_scene_in_timeline_order_then_narration(demo):
    text = export_render(cut=demo["cut"], fmt="md").content

    assert text.startswith("# Fix checklist: But what is a neural network?, cut 1 (Early view)")
    fix, rest = text.split("## Narration to re-record")
    narration, content = rest.split("## Open content suggestions")
    headings = [line for line in fix.splitlines() if line.startswith("### ")]
    assert headings == [
        "### 1. BreakUpMacroPatterns · `_2017/nn/part1.py` · 5:30\u20137:00",
        "### 2. EvenWhenItWorks · `_2017/nn/part1.py` · 13:10\u201313:20",
        "### 3. IntroduceWeightMatrix · `_2017/nn/part1.py` · 13:20\u201314:30",
        "### 4. FeedForwardCode · `_2017/nn/part1.py` · 14:45\u201315:30",
    ]
    assert "- [ ] 6:03 · typo · “mabye” should read “maybe” · 3 reports" in fix
    # Underscores are escaped (they could open emphasis); a Markdown reader shows them as typed.
    indices = "Matrix indices: w\\_{0,n} should be w\\_{0,k}"
    assert f"- [ ] 14:20 · notation · {indices} · 2 reports" in fix
    # Not an error: not on the checklist.
    assert "gray" not in text
    assert narration.strip().splitlines() == [
        "- [ ] 0:59 · WriteAProgram · Says “between zero and ten”, should be zero and nine · "
        "3 reports",
        "- [ ] 16:30 · ComplicationIsReassuring · “I've been a little flow” · 1 report",
    ]
    # Suggestions and questions nobody has triaged yet close the list, with who asked.
    assert "(Josh B.)" in content
    assert text.index("## Errata to fix") < text.index("## Narration") < text.index("## Open")


def test_patron_html_in_the_checklist_is_shown_as_text(cut, creator):
    factories.ErratumFactory(cut=cut, title='<script>alert("x")</script> label', timestamp_s=5)
    text = export_render(cut=cut, fmt="md").content
    assert "<script>" not in text
    assert '\\<script\\>alert("x")\\</script\\> label' in text


def test_the_render_script_names_exactly_the_scenes_to_re_render_per_source_file(demo):
    script = export_render(cut=demo["cut"], fmt="sh").content
    commands = [line for line in script.splitlines() if not line.startswith("#")]
    assert commands == [
        "set -e",
        "manimgl _2017/nn/part1.py BreakUpMacroPatterns EvenWhenItWorks IntroduceWeightMatrix "
        "FeedForwardCode -w",
    ]


def test_the_render_script_follows_the_videos_command_template(cut, creator):
    cut.video.render_command = "manim render -qh {source} {scenes}"
    cut.video.save()
    a = factories.SceneFactory(video=cut.video, name="Intro", source_path="scenes/intro.py")
    b = factories.SceneFactory(video=cut.video, name="Main Part", source_path="scenes/main.py")
    factories.SceneSpanFactory(cut=cut, scene=b, start_s=0, end_s=10)
    factories.SceneSpanFactory(cut=cut, scene=a, start_s=10, end_s=20)
    factories.ErratumFactory(cut=cut, scene=a, timestamp_s=12)
    factories.ErratumFactory(cut=cut, scene=b, timestamp_s=3)
    factories.ErratumFactory(cut=cut, scene=b, timestamp_s=4, remedy="caption")
    script = export_render(cut=cut, fmt="sh").content
    assert "manim render -qh scenes/main.py 'Main Part'\n" in script
    assert "manim render -qh scenes/intro.py Intro\n" in script
    assert script.index("scenes/main.py") < script.index("scenes/intro.py")


def test_a_render_command_without_placeholders_is_refused(cut, creator):
    cut.video.render_command = "manimgl render-everything"
    cut.video.save()
    with pytest.raises(ValidationError, match="must contain"):
        export_render(cut=cut, fmt="sh")


def test_the_edl_round_trips_through_opentimelineio_with_one_marker_per_erratum(demo):
    cut = demo["cut"]
    edl = export_render(cut=cut, fmt="edl").content
    edl.encode("ascii")  # editing software expects plain ASCII

    timeline = otio.adapters.read_from_string(edl, adapter_name="cmx_3600", rate=30)
    clips = list(timeline.find_clips())
    assert len(clips) == 1
    assert clips[0].source_range.duration.to_seconds() == cut.duration_s
    markers = sorted(
        (m.marked_range.start_time.to_seconds(), m.name, m.color) for m in clips[0].markers
    )
    open_errata = Erratum.objects.filter(cut=cut, status="open")
    assert open_errata.count() == 6
    assert [m[0] for m in markers] == sorted(e.timestamp_s for e in open_errata)
    mabye = next(m for m in markers if m[0] == 363)
    assert mabye[1] == 'TYPO: "MABYE" SHOULD READ "MAYBE" (3 REPORTS)'
    assert mabye[2] == "RED"
    assert {m[1] for m in markers} == {
        marker_note(row).upper() for row in _rows(cut) if row.erratum.status == "open"
    }


MARKER_ADAPTERS = {
    "edl": {"adapter_name": "cmx_3600", "rate": 30},
    "fcp7": {"adapter_name": "fcp_xml"},
    "fcpxml": {"adapter_name": "fcpx_xml"},
    "otio": {"adapter_name": "otio_json"},
}


@pytest.mark.parametrize("fmt", list(MARKER_ADAPTERS))
def test_marker_exports_read_back_by_opentimelineio_with_every_marker_time_and_name(demo, fmt):
    cut = demo["cut"]
    content = export_render(cut=cut, fmt=fmt).content

    timeline = otio.adapters.read_from_string(content, **MARKER_ADAPTERS[fmt])
    clips = list(timeline.find_clips())
    assert len(clips) == 1
    assert clips[0].source_range.start_time.to_seconds() == 0
    assert clips[0].source_range.duration.to_seconds() == cut.duration_s
    markers = sorted((m.marked_range.start_time.to_seconds(), m.name) for m in clips[0].markers)
    open_errata = Erratum.objects.filter(cut=cut, status="open")
    assert [at for at, _ in markers] == sorted(e.timestamp_s for e in open_errata)
    ascii_only = fmt == "edl"
    expected = {
        marker_note(row, ascii_only=ascii_only)
        for row in _rows(cut)
        if row.erratum.status == "open"
    }
    # The EDL adapter reads its comments back in capitals.
    assert {name for _, name in markers} == (
        {n.upper() for n in expected} if ascii_only else expected
    )
    mabye = dict(markers)[363]
    assert "mabye" in mabye.lower() and "(3 reports)" in mabye.lower()


def test_the_xml_marker_exports_keep_a_patrons_unicode_and_escape_markup(cut, creator):
    factories.ErratumFactory(cut=cut, timestamp_s=12, title="Typo: “Schrödinger” <b>&amp; 薛定谔")
    for fmt in ("fcp7", "fcpxml", "otio"):
        content = export_render(cut=cut, fmt=fmt).content
        timeline = otio.adapters.read_from_string(content, **MARKER_ADAPTERS[fmt])
        (marker,) = next(iter(timeline.find_clips())).markers
        assert marker.name == "typo: Typo: “Schrödinger” <b>&amp; 薛定谔 (0 reports)"
        assert marker.marked_range.start_time.to_seconds() == 12


def _rows(cut):
    from errata.io.exports.checklist import checklist_read

    return checklist_read(cut).rows


def test_the_csv_has_one_row_per_erratum_with_every_field(demo):
    rows = list(csv.DictReader(io.StringIO(export_render(cut=demo["cut"], fmt="csv").content)))
    assert list(rows[0]) == [name for name, _ in ERRATUM_FIELDS]
    assert len(rows) == 7
    mabye = next(r for r in rows if r["id"] == str(demo["errata"]["mabye"].pk))
    assert mabye["scene"] == "BreakUpMacroPatterns"
    assert mabye["source_path"] == "_2017/nn/part1.py"
    assert mabye["reporters"] == "3"
    assert mabye["time"] == "6:03"
    assert "Ben Granger" in mabye["reporter_names"]


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(cut, creator):
    factories.ErratumFactory(cut=cut, title='=HYPERLINK("http://x")', timestamp_s=1)
    rows = list(csv.DictReader(io.StringIO(export_render(cut=cut, fmt="csv").content)))
    assert rows[0]["title"] == '\'=HYPERLINK("http://x")'


def test_the_json_holds_the_video_the_cut_and_every_erratum(demo):
    document = json.loads(export_render(cut=demo["cut"], fmt="json").content)
    assert document["video"]["slug"] == "nn-part1"
    assert document["cut"] == {
        "number": 1,
        "label": "Early view",
        "duration_s": 1153.0,
        "fps": 30.0,
    }
    assert len(document["errata"]) == 7
    assert set(document["errata"][0]) == {name for name, _ in ERRATUM_FIELDS}
    gray = next(e for e in document["errata"] if e["id"] == demo["errata"]["gray"].pk)
    assert gray["status"] == "not_an_error" and gray["resolution_reason"] == "Intended"


def test_corrections_list_what_was_wrong_and_what_is_right_by_time(demo):
    text = export_render(cut=demo["cut"], fmt="corrections").content
    lines = text.splitlines()
    assert lines[0] == "Corrections:"
    # The correction the reports state says what is right; without one, the fix note does.
    assert lines[1] == (
        "0:59 \u2013 Narration: Says “between zero and ten”, should be zero and nine. "
        "Correct: “between 0 and 9” (not “between 0 and 10”)"
    )
    times = [line.split(" ", 1)[0] for line in lines[1:]]
    assert times == ["0:59", "6:03", "13:11", "14:20", "14:49", "16:30"]


def test_errata_fixed_in_a_later_cut_still_need_a_correction_in_this_one(cut, creator):
    later = factories.CutFactory(video=cut.video, number=2)
    fixed_later = factories.ErratumFactory(cut=cut, title="Wrong sign", timestamp_s=30)
    erratum_transition(erratum=fixed_later, status="fixed", fixed_in_cut=later)
    assert "Wrong sign" in export_render(cut=cut, fmt="corrections").content
    assert export_render(cut=later, fmt="corrections").content == "No corrections.\n"


def test_credits_name_the_patrons_whose_reports_became_errata(demo):
    text = export_render(cut=demo["cut"], fmt="credits").content
    thanks, names = text.split("\n\n")
    assert thanks.startswith("Thanks to ")
    # Named reporters of real errata (the gray neurons report was judged not an error).
    assert names.split("\n")[:-1] == [
        "Ben Granger",
        "Burt Humburg",
        "Max Goldstein",
        "Nicholas Sterling",
    ]
    assert "more who left no name" in thanks
    assert "3blue1brown" not in text


def test_me_too_reviewers_are_counted_and_credited(cut, creator, patron):
    # Two people: reporters are told apart by address (the fixture's patron is ada@example.com).
    writer = factories.ReviewerFactory(display_name="Ada", email="ada.l@example.com")
    comment = factories.CommentFactory(cut=cut, reviewer=writer)
    finding = factories.FindingFactory(comment=comment, timestamp_s=10)
    erratum = erratum_create_from_findings(finding_ids=[finding.pk], title="Typo")
    MeToo.objects.create(finding=finding, reviewer=patron)
    assert erratum.pk
    assert "· 1 report from 2 people" in export_render(cut=cut, fmt="md").content
    assert export_render(cut=cut, fmt="credits").content.endswith("Ada\nAda Patron\n")


def test_one_person_writing_as_two_guests_with_one_address_is_one_reporter(cut, patron):
    again = factories.ReviewerFactory(display_name="Ada P.", email="ADA@example.com")
    comment = factories.CommentFactory(cut=cut, reviewer=patron)
    finding = factories.FindingFactory(comment=comment, timestamp_s=10)
    erratum_create_from_findings(finding_ids=[finding.pk], title="Typo")
    MeToo.objects.create(finding=finding, reviewer=again)
    assert "· 1 report\n" in export_render(cut=cut, fmt="md").content


def test_the_command_writes_the_export_to_standard_output(demo):
    out = io.StringIO()
    call_command(
        "export_checklist", "--video", "nn-part1", "--cut", "1", "--format", "sh", stdout=out
    )
    assert out.getvalue() == export_render(cut=demo["cut"], fmt="sh").content


def test_export_costs_a_fixed_number_of_queries_however_many_errata(
    cut, creator, django_assert_max_num_queries
):
    scenes = [factories.SceneFactory(video=cut.video, name=f"Scene{i}") for i in range(20)]
    for i, scene in enumerate(scenes):
        factories.SceneSpanFactory(cut=cut, scene=scene, start_s=i * 50, end_s=i * 50 + 50)
    for i in range(120):
        comment = factories.CommentFactory(cut=cut)
        finding = factories.FindingFactory(comment=comment, timestamp_s=i * 8)
        erratum = factories.ErratumFactory(
            cut=cut,
            timestamp_s=i * 8,
            scene=scenes[i % 20],
            remedy="caption" if i % 2 else "rerender",
            corrected_line=f"corrected line {i}",
        )
        Finding.objects.filter(pk=finding.pk).update(state="accepted", erratum=erratum)
    # The subtitle exports need a transcript: a line every 4 seconds.
    transcript_import(
        cut=cut,
        cues=[Cue(start_s=t * 4.0, end_s=t * 4.0 + 4, text=f"line {t}") for t in range(240)],
        source="srt",
    )
    for fmt in EXPORT_FORMATS:
        with django_assert_max_num_queries(6):
            export_render(cut=cut, fmt=fmt)
    assert Comment.objects.count() == 120


def test_accepted_groups_carry_the_correction_their_reports_state_into_the_corrections(demo):
    # The demo's errata are made from the seed's findings with the correction left out: it
    # comes from what the patrons wrote ("it should be 'maybe' instead of 'mabye'").
    mabye, ten = demo["errata"]["mabye"], demo["errata"]["ten"]
    assert (mabye.correction_wrong, mabye.correction_right) == ("mabye", "maybe")
    assert "9" in ten.correction_right
    assert "10" in ten.correction_wrong
    lines = export_render(cut=demo["cut"], fmt="corrections").content.splitlines()
    assert "6:03 \u2013 Typo: “mabye” should read “maybe”. Correct: “maybe” (not “mabye”)" in lines
    zero_to_nine = next(line for line in lines if line.startswith("0:59 "))
    assert f"Correct: “{ten.correction_right}”" in zero_to_nine


def test_a_group_accepted_without_a_title_gets_one_naming_the_correction(demo):
    cut = demo["cut"]
    Finding.objects.update(state=Finding.State.NEW, erratum=None)
    Erratum.objects.all().delete()
    ids = [_finding(cut, "c03").pk, _finding(cut, "c15", 0).pk, _finding(cut, "c32").pk]
    erratum = erratum_create_from_findings(finding_ids=ids)
    assert erratum.title == "“mabye” should be “maybe”"


def test_without_a_correction_the_fix_note_says_what_is_right(cut, creator):
    factories.ErratumFactory(cut=cut, title="Wrong sign", timestamp_s=30, fix_note="Plus.")
    stated = factories.ErratumFactory(
        cut=cut, title="Wrong sign", timestamp_s=40, correction_wrong="-", correction_right="+"
    )
    lines = export_render(cut=cut, fmt="corrections").content.splitlines()
    assert lines[1].endswith("Wrong sign. Correct: Plus.")
    assert lines[2].endswith("Wrong sign. Correct: “+” (not “-”)")
    erratum_update(erratum=stated, correction_wrong="", correction_right="")
    assert export_render(cut=cut, fmt="corrections").content.splitlines()[2].endswith("Wrong sign.")
