"""No text a patron, a timeline file or a teammate writes changes the syntax of an export: for
generated titles, scene names, source paths and reporter names, every format still parses to
exactly the records it should hold (the script under `bash -n` and shlex, the checklist under
CommonMark, CSV and JSON by their readers, the EDL by OpenTimelineIO)."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import opentimelineio as otio
import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from errata.io.exports import export_render
from errata.io.exports.checklist import one_line
from errata.models import Scene
from tests import factories
from tests.fuzz.conftest import EXAMPLES, fuzz_settings, tried
from tests.fuzz.corpus import HOSTILE_STRINGS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("bash") is None, reason="bash checks the script"),
]

# PostgreSQL text holds no NUL (the pages and the API refuse it before it is stored), and no
# more than a column's length (150 characters is the shortest, a reporter's name).
text = st.one_of(
    st.text(alphabet=st.characters(exclude_characters="\x00"), min_size=1, max_size=60),
    st.sampled_from([v[:150] for v in HOSTILE_STRINGS.values() if v and "\x00" not in v]),
)
commonmark = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _check_every_format(cut, *, name: str, source: str, author: str) -> None:
    script = export_render(cut=cut, fmt="sh").content
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rerender.sh"
        path.write_text(script)
        assert subprocess.run(["bash", "-n", str(path)], check=False).returncode == 0
    words = shlex.split(script, comments=True)
    assert words == ["set", "-e", "manimgl", source, name, "-w"], script

    html = commonmark.render(export_render(cut=cut, fmt="md").content)
    assert set(re.findall(r"<([a-z0-9]+)", html)) <= {"h1", "h2", "h3", "p", "ul", "li", "code"}
    assert html.count("<li>") == 1
    assert html.count("<code>") == (1 if one_line(source) else 0)

    csv.field_size_limit(10**7)  # a description may be long
    exported = export_render(cut=cut, fmt="csv").content
    rows = list(csv.reader(io.StringIO(exported, newline="")))
    assert len(rows) == 2 and len(rows[1]) == len(rows[0])
    assert len(json.loads(export_render(cut=cut, fmt="json").content)["errata"]) == 1

    edl = export_render(cut=cut, fmt="edl").content
    assert re.fullmatch(r"[\x20-\x7e\n]*", edl)
    clip = next(iter(otio.adapters.read_from_string(edl, "cmx_3600", rate=30).find_clips()))
    assert len(clip.markers) == 1

    corrections = export_render(cut=cut, fmt="corrections").content
    assert len(corrections.splitlines()) == 2
    credits = export_render(cut=cut, fmt="credits").content
    # The thank-you line, a blank line and the name; or "one more" when no name is left.
    assert len(credits.splitlines()) == (3 if one_line(author) else 2)


def test_no_generated_text_changes_the_syntax_of_any_export(cut):
    @fuzz_settings(max(20, EXAMPLES // 3))
    @given(title=text, name=text, source=text, author=text)
    def run(title: str, name: str, source: str, author: str) -> None:
        # Each example in a savepoint rolled back at its end: the next one starts clean.
        with transaction.atomic():
            scene = Scene.objects.create(video=cut.video, name=name, source_path=source)
            factories.SceneSpanFactory(cut=cut, scene=scene, start_s=0, end_s=60)
            erratum = factories.ErratumFactory(
                cut=cut, scene=scene, title=title, description=title, fix_note=title, timestamp_s=5
            )
            comment = factories.CommentFactory(cut=cut, reviewer=None, author_name=author)
            factories.FindingFactory(comment=comment, erratum=erratum, state="accepted")
            try:
                _check_every_format(cut, name=name, source=source, author=author)
            finally:
                transaction.set_rollback(True)
        tried("exports, 7 formats (generated)")

    run()
