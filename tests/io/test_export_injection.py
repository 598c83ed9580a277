"""Every export is an injection boundary: no scene name, source path or patron text changes the
syntax of the file it lands in. The script is checked by bash itself (`bash -n`, then run with
no PATH so that any second command fails loudly), the checklist by a real CommonMark parser,
the EDL by OpenTimelineIO reading it back."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import opentimelineio as otio
import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from errata.io.exports import export_render
from errata.io.exports.checklist import Checklist, Row, one_line
from errata.io.exports.markdown import md_code, md_escape
from errata.io.exports.script import render_script
from errata.models import Cut, Erratum, Scene, Video
from tests import factories

BASH = shutil.which("bash")

# What people and files send that shells and Markdown read as syntax.
HOSTILE = [
    "NoSrc\ntouch owned\n#",
    "x; touch owned",
    "$(touch owned)",
    "`touch owned`",
    "a' ; touch owned ; echo 'b",
    'a" ; touch owned ; echo "b',
    "{scenes}",
    "{source}",
    "-rf",
    "* ? [a-z] ~root",
    "line\rbreak",
    "tab\there",
    "\u202etxt.exe",
    "x\x85y\u2028z\u2029w",
    "&& touch owned || true",
    "> owned",
    "\\",
    "'",
]

text_strategy = st.text(
    alphabet=st.characters(exclude_characters="\x00", codec="utf-8"), min_size=1, max_size=40
)


def _checklist(*, template: str, scenes: list[tuple[str, str]]) -> Checklist:
    """A checklist in memory: one open typo to re-render in each (name, source path) scene."""
    video = Video(pk=1, slug="nn", title="T", render_command=template)
    cut = Cut(pk=1, video=video, number=1, duration_s=600)
    rows = []
    for index, (name, source) in enumerate(scenes, start=1):
        scene = Scene(pk=index, video=video, name=name, source_path=source)
        erratum = Erratum(pk=index, title="t", category="typo", status="open", remedy="rerender")
        rows.append(Row(erratum, scene, []))
    return Checklist(cut=cut, rows=rows, spans=[])


# The command every test script runs: printf (a bash builtin) writes each argument it gets
# followed by a NUL, so the output shows exactly which words the shell passed.
PRINT_WORDS = "printf '%s\\0' {source} {scenes}"


def _run_script(script: str, workdir: Path) -> list[str]:
    """Check the script's syntax with `bash -n`, then run it with no PATH in an empty folder:
    only builtins work, so an injected command fails and an injected redirection leaves a file.
    Returns the words printed."""
    path = workdir / "rerender.sh"
    path.write_text(script)
    checked = subprocess.run([BASH, "-n", str(path)], capture_output=True, check=False)
    assert checked.returncode == 0, checked.stderr.decode()
    ran = subprocess.run(
        [BASH, str(path)],
        cwd=workdir,
        env={"PATH": "/nonexistent"},
        capture_output=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr.decode()
    assert ran.stderr == b""
    assert sorted(p.name for p in workdir.iterdir()) == ["rerender.sh"]
    return ran.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1]


def _expected_words(scenes: list[tuple[str, str]]) -> list[str]:
    """The words one render command per source file passes, scenes in the script's order (by
    name, as none of them is on the cut's timeline)."""
    by_source: dict[str, list[str]] = {}
    for name, source in sorted(scenes, key=lambda scene: scene[0]):
        if source:
            by_source.setdefault(source, []).append(name)
    words: list[str] = []
    for source, names in by_source.items():
        words += [source, *names]
    return words


pytestmark = pytest.mark.skipif(BASH is None, reason="bash is needed to check the script")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_scene_name_or_source_path_never_becomes_a_second_command(hostile, tmp_path):
    scenes = [(hostile, "scenes/a.py"), ("Plain", hostile), (hostile, "")]
    script = render_script(_checklist(template=PRINT_WORDS, scenes=scenes))
    assert _run_script(script, tmp_path) == _expected_words(scenes)


def test_the_reported_scene_name_stays_on_its_comment_line(tmp_path):
    """The reported attack: a scene with no source file, named to end the comment line."""
    scenes = [("NoSrc\ntouch owned\n#", "")]
    script = render_script(_checklist(template=PRINT_WORDS, scenes=scenes))
    assert "\ntouch owned" not in script
    assert [line for line in script.splitlines() if "touch" in line] == [
        "# No source file is recorded for these scenes (set it on each scene): NoSrc touch owned #"
    ]
    assert _run_script(script, tmp_path) == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    scenes=st.lists(
        st.tuples(text_strategy, st.one_of(st.just(""), text_strategy)), min_size=1, max_size=4
    )
)
def test_no_generated_scene_name_or_source_path_changes_the_scripts_commands(scenes, tmp_path):
    workdir = tmp_path / f"run{abs(hash(tuple(scenes)))}"
    workdir.mkdir()
    script = render_script(_checklist(template=PRINT_WORDS, scenes=scenes))
    assert _run_script(script, workdir) == _expected_words(scenes)


@pytest.mark.parametrize(
    "template",
    [
        'manimgl "{source}" {scenes}',  # inside double quotes $(...) would still run
        "manimgl '{source}' {scenes}",
        "manimgl x{source} {scenes}",
        "manimgl {source} {scenes}\ntouch owned",
        "manimgl {source} {scenes} 'unclosed",
    ],
)
def test_a_render_command_that_would_splice_or_quote_a_value_is_refused(template):
    with pytest.raises(ValidationError, match="render command"):
        render_script(_checklist(template=template, scenes=[("A", "a.py")]))


# --- Markdown ---------------------------------------------------------------------------------

commonmark = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _tags(html: str) -> list[str]:
    return re.findall(r"<([a-z0-9]+)", html)


MARKDOWN_ATTACKS = [
    "[x](https://evil.example/)",
    "![](https://tracker.example/pixel.gif)",
    "<img src=x onerror=alert(1)>",
    "<https://evil.example/>",
    "*bold* _em_ **strong** ~~gone~~",
    "`code` and ``more``",
    "[ref]: https://evil.example/",
    "&lt;script&gt; &#x3C;b&#x3E;",
    "line one\n# heading\n- list\n> quote",
    "back\\slash \\[not a link\\](x)",
]


@pytest.mark.django_db
@pytest.mark.parametrize("attack", MARKDOWN_ATTACKS)
def test_patron_text_in_the_checklist_makes_no_link_image_emphasis_or_code(attack, cut):
    scene = factories.SceneFactory(video=cut.video, name=attack, source_path="we`ird``.py")
    factories.SceneSpanFactory(cut=cut, scene=scene, start_s=0, end_s=60)
    factories.ErratumFactory(cut=cut, scene=scene, title=attack, timestamp_s=5)
    markdown = export_render(cut=cut, fmt="md").content
    html = commonmark.render(markdown)
    # Only what the checklist itself writes: headings, paragraphs, the list, the source path.
    assert set(_tags(html)) <= {"h1", "h2", "h3", "p", "ul", "li", "code"}
    assert re.findall(r"<code>(.*?)</code>", html) == ["we`ird``.py"]
    item = next(line for line in markdown.splitlines() if line.startswith("- [ ] 0:05"))
    rendered = commonmark.renderInline(item)
    assert (
        " ".join(attack.split())
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        in rendered
    )


@settings(max_examples=200, deadline=None)
@given(text=text_strategy)
def test_no_generated_text_adds_markup_and_every_character_shows_as_typed(text):
    html = commonmark.renderInline(md_escape(text))
    assert _tags(html) == []
    assert unescape(html) == one_line(text).strip()


def test_source_paths_with_backticks_stay_one_code_span():
    for path in ["a.py", "we`ird.py", "``x``", "`", " padded ", "a\nb"]:
        span = md_code(path)
        html = commonmark.renderInline(span)
        assert html.startswith("<code>") and html.endswith("</code>"), (path, html)
        assert html.count("<code>") == 1


# --- EDL, corrections, credits ----------------------------------------------------------------


@pytest.mark.django_db
def test_edl_markers_are_one_line_of_printable_ascii_whatever_the_title(cut):
    for index, attack in enumerate(HOSTILE + MARKDOWN_ATTACKS):
        factories.ErratumFactory(cut=cut, title=attack + "\x1b[31m\x07", timestamp_s=index + 1)
    edl = export_render(cut=cut, fmt="edl").content
    assert re.fullmatch(r"[\x20-\x7e\n]*", edl)
    timeline = otio.adapters.read_from_string(edl, adapter_name="cmx_3600", rate=30)
    markers = next(iter(timeline.find_clips())).markers
    assert len(markers) == len(HOSTILE) + len(MARKDOWN_ATTACKS)


@pytest.mark.django_db
def test_corrections_and_credits_keep_one_line_per_entry(cut, patron):
    for index, attack in enumerate(HOSTILE):
        factories.ErratumFactory(
            cut=cut, title=attack, fix_note=attack, status="open", timestamp_s=index + 1
        )
    corrections = export_render(cut=cut, fmt="corrections").content
    assert len(corrections.splitlines()) == 1 + len(HOSTILE)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e]", corrections)


@pytest.mark.django_db
def test_a_carriage_return_in_a_title_stays_inside_its_csv_cell(cut):
    """Found by `make fuzz`: with "\n" line ends the csv module left a lone "\r" unquoted, and
    spreadsheets start a new row there."""
    import csv
    import io

    factories.ErratumFactory(cut=cut, title="first\r=HYPERLINK(1)", timestamp_s=1)
    content = export_render(cut=cut, fmt="csv").content
    rows = list(csv.reader(io.StringIO(content, newline="")))
    assert len(rows) == 2
    assert rows[1][1] == "first\r=HYPERLINK(1)"
