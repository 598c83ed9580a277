from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from errata.catalog.services import timeline_import
from errata.catalog.timelines import TimelineFileError, scene_name_from_clip, timeline_entries_read
from errata.models import Scene, SceneSpan
from tests import factories
from tests.paths import DATA

DEMO_EDL = DATA / "nn-part1-demo-timeline.edl"


def test_the_demo_edl_reads_as_41_scenes_in_timeline_order():
    entries = timeline_entries_read(DEMO_EDL.read_text(), filename="demo.edl", fps=30)
    assert len(entries) == 41
    assert entries[0].scene_name == "ExampleThrees"
    assert entries[14].scene_name == "BreakUpMacroPatterns"
    assert (entries[14].start_s, entries[14].end_s) == (330, 420)
    assert entries[-1].end_s == 1153
    starts = [e.start_s for e in entries]
    assert starts == sorted(starts)


@pytest.mark.parametrize(
    ("clip", "scene"),
    [
        ("BreakDownName.mp4", "BreakDownName"),
        ("renders/part1/IntroduceWeights.MOV", "IntroduceWeights"),
        ("C:\\renders\\Scene1.mkv", "Scene1"),
        ("NoSuffix", "NoSuffix"),
        ("Version.2", "Version.2"),
    ],
)
def test_clip_names_map_to_scene_names(clip, scene):
    assert scene_name_from_clip(clip) == scene


def test_a_csv_timeline_reads_seconds_and_minutes():
    text = "name,start,end\nIntro.mp4,0,12.5\nMain,0:12.5,1:30\n\nOutro,1:30,2:00\n"
    entries = timeline_entries_read(text, filename="spans.csv", fps=30)
    assert [(e.scene_name, e.start_s, e.end_s) for e in entries] == [
        ("Intro", 0, 12.5),
        ("Main", 12.5, 90),
        ("Outro", 90, 120),
    ]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("name,start,end\nIntro,0,10\nMain,10\n", 3, "found 2 column"),
        ("Intro,0,10\nMain,ten,20\n", 2, "not a time"),
        ("Intro,0,10\nMain,30,20\n", 2, "ends (20) before it starts (30)"),
        ("Intro,0,10\n,10,20\n", 2, "scene name is empty"),
    ],
)
def test_a_malformed_csv_timeline_names_the_line_at_fault(text, line, words):
    with pytest.raises(TimelineFileError) as error:
        timeline_entries_read(text, filename="spans.csv", fps=30)
    assert error.value.line == line
    assert f"line {line}:" in str(error.value)
    assert words in str(error.value)


def test_a_malformed_edl_names_the_line_at_fault():
    lines = DEMO_EDL.read_text().splitlines()
    lines[6] = "002  AX       V     C        00:00:00:00 00:00:10"
    with pytest.raises(TimelineFileError) as error:
        timeline_entries_read("\n".join(lines), filename="demo.edl", fps=30)
    assert error.value.line == 7
    assert "malformed EDL event" in str(error.value)


@pytest.mark.parametrize(
    ("filename", "text", "words"),
    [
        ("spans.txt", "a,0,1", "unknown timeline format"),
        ("spans.csv", "   \n", "is empty"),
        ("spans.csv", "name,start,end\n", "places no clips"),
        ("cut.otio", "{not json", "could not read the timeline"),
    ],
)
def test_unreadable_timeline_files_are_refused_with_a_reason(filename, text, words):
    with pytest.raises(TimelineFileError, match=words):
        timeline_entries_read(text, filename=filename, fps=30)


@pytest.mark.django_db
def test_importing_a_timeline_replaces_the_cuts_spans_and_reuses_scenes(cut):
    kept = factories.SceneFactory(video=cut.video, name="Intro")
    factories.SceneSpanFactory(cut=cut, scene=kept, start_s=0, end_s=5)
    entries = timeline_entries_read("Intro,0,10\nMain,10,20\n", filename="t.csv", fps=30)
    result = timeline_import(cut=cut, entries=entries)
    assert result.spans == 2
    assert result.scenes_created == 1
    assert list(cut.spans.order_by("start_s").values_list("scene__name", "start_s", "end_s")) == [
        ("Intro", 0, 10),
        ("Main", 10, 20),
    ]
    assert Scene.objects.filter(video=cut.video).count() == 2


@pytest.mark.django_db
def test_a_timeline_past_the_cuts_end_is_refused_and_nothing_is_written(cut):
    factories.SceneSpanFactory(cut=cut, start_s=0, end_s=5)
    before = list(SceneSpan.objects.values_list("pk", "start_s", "end_s"))
    scenes_before = Scene.objects.count()
    entries = timeline_entries_read("Intro,0,10\nMain,10,1200\n", filename="t.csv", fps=30)
    with pytest.raises(ValidationError, match="line 2: Main ends at 20:00, past the end"):
        timeline_import(cut=cut, entries=entries)
    assert list(SceneSpan.objects.values_list("pk", "start_s", "end_s")) == before
    assert Scene.objects.count() == scenes_before
