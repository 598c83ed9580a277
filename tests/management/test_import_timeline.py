"""`python manage.py import_timeline --video SLUG --cut N PATH`."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from errata.models import Finding, Scene, SceneSpan
from tests import factories
from tests.paths import DATA
from tests.studio_scenario import report, scenes_on

pytestmark = pytest.mark.django_db

DEMO_EDL = DATA / "nn-part1-demo-timeline.edl"


def test_the_demo_edl_becomes_the_cuts_41_spans(cut, capsys):
    finding = report(cut, "at 0:56 you say ten", 56)
    call_command("import_timeline", "--video", "nn", "--cut", "1", str(DEMO_EDL))
    assert cut.spans.count() == 41
    assert Scene.objects.filter(video=cut.video).count() == 41
    assert Finding.objects.get(pk=finding.pk).suggested_scene.name == "WriteAProgram"
    out = capsys.readouterr().out
    assert "nn cut 1: 41 spans from nn-part1-demo-timeline.edl (41 new scenes)" in out
    assert "1 findings now point at another scene" in out


def test_a_csv_timeline_with_a_source_path_for_new_scenes(cut, tmp_path):
    path = tmp_path / "spans.csv"
    path.write_text("name,start,end\nIntro.mp4,0,30\nMain,0:30,5:00\n")
    call_command(
        "import_timeline",
        "--video",
        "nn",
        "--cut",
        "1",
        "--source-path",
        "nn/part1.py",
        str(path),
    )
    assert list(cut.spans.order_by("start_s").values_list("scene__name", "start_s", "end_s")) == [
        ("Intro", 0, 30),
        ("Main", 30, 300),
    ]
    assert set(Scene.objects.values_list("source_path", flat=True)) == {"nn/part1.py"}


def test_importing_again_replaces_the_spans_and_keeps_the_scenes(cut, tmp_path):
    scenes = scenes_on(cut)
    path = tmp_path / "spans.csv"
    path.write_text("Intro,0,100\nRest,100,1153\n")
    call_command("import_timeline", "--video", "nn", "--cut", "1", str(path))
    assert cut.spans.count() == 2
    assert Scene.objects.get(name="Intro").pk == scenes["Intro"].pk


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Intro,0,10\nMain,10\n", "line 2: expected name,start,end"),
        ("Intro,0,10\nMain,10,2000\n", "line 2: Main ends at 33:20, past the end"),
        ("Intro,0,10\nMain,20,15\n", r"line 2: the span of Main ends \(15\) before it starts"),
    ],
)
def test_a_malformed_file_is_refused_with_the_line_at_fault_and_nothing_written(
    cut, tmp_path, text, words
):
    scenes_on(cut)
    before = list(SceneSpan.objects.values_list("pk", "start_s", "end_s"))
    path = tmp_path / "spans.csv"
    path.write_text(text)
    with pytest.raises(CommandError, match=words):
        call_command("import_timeline", "--video", "nn", "--cut", "1", str(path))
    assert list(SceneSpan.objects.values_list("pk", "start_s", "end_s")) == before
    assert Scene.objects.count() == 3


def test_a_malformed_edl_names_its_line(cut, tmp_path):
    lines = DEMO_EDL.read_text().splitlines()
    lines[6] = "002  AX       V     C        00:00:00:00 00:00:10"
    path = tmp_path / "broken.edl"
    path.write_text("\n".join(lines))
    with pytest.raises(CommandError, match=r"broken\.edl: line 7: malformed EDL event"):
        call_command("import_timeline", "--video", "nn", "--cut", "1", str(path))
    assert not SceneSpan.objects.exists()


def test_an_unknown_video_cut_or_file_is_a_clear_error(cut, tmp_path):
    factories.CutFactory(video=cut.video, number=2)
    with pytest.raises(CommandError, match="no cut 1 of a video 'nope'"):
        call_command("import_timeline", "--video", "nope", "--cut", "1", str(DEMO_EDL))
    with pytest.raises(CommandError, match="no cut 9 of a video 'nn'"):
        call_command("import_timeline", "--video", "nn", "--cut", "9", str(DEMO_EDL))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_timeline", "--video", "nn", "--cut", "1", str(tmp_path / "no.edl"))
