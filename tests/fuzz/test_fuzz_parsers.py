"""Every reader of untrusted files, on the hostile corpus and on generated input: it answers
with entries or with its own error naming the problem, never another exception, a hang or a
crash (the sandboxed readers' children may die; the caller must not)."""

from __future__ import annotations

import contextlib
import io

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from errata.catalog.manim import ManimSourceError, manim_scenes_read
from errata.catalog.timelines import TIMELINE_SUFFIXES, TimelineFileError, timeline_entries_read
from errata.core.errors import ErrataConflict
from errata.io.readers import COMMENT_FORMATS, CommentFileError
from errata.io.services import comments_import
from errata.triage import triage_comment
from errata.triage.timestamps import extract_timestamps, parse_time
from tests.fuzz.conftest import EXAMPLES, SANDBOXED_EXAMPLES, fuzz_settings, tried
from tests.fuzz.corpus import HOSTILE_STRINGS, hostile_files

pytestmark = pytest.mark.django_db

FILES = hostile_files()

text_bytes = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


def _import(cut, fmt: str, data: bytes) -> None:
    with contextlib.suppress(CommentFileError, ValidationError, ErrataConflict):
        comments_import(cut=cut, fmt=fmt, open_file=lambda: io.BytesIO(data), creator_name="C")


@pytest.mark.parametrize("fmt", COMMENT_FORMATS)
def test_comment_importers_survive_the_corpus(cut, fmt):
    for data in FILES.values():
        _import(cut, fmt, data)
    tried(f"import {fmt} (corpus)", len(FILES))


@pytest.mark.parametrize("fmt", COMMENT_FORMATS)
def test_comment_importers_survive_generated_files(cut, fmt):
    @fuzz_settings()
    @given(data=text_bytes)
    def run(data: bytes) -> None:
        _import(cut, fmt, data)
        tried(f"import {fmt} (generated)")

    run()


CSV_ROWS = st.lists(
    st.lists(st.text(max_size=40), min_size=1, max_size=7), min_size=1, max_size=6
).map(
    lambda rows: (
        "external_id,parent_id,author,text,timestamp,created_at\n"
        + "\n".join(",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows)
    )
)


def test_the_csv_importer_survives_generated_rows(cut):
    @fuzz_settings()
    @given(text=CSV_ROWS)
    def run(text: str) -> None:
        _import(cut, "csv", text.encode("utf-8", "surrogatepass"))
        tried("import csv (generated rows)")

    run()


def _timeline(data: bytes, suffix: str) -> None:
    text = data.decode("utf-8", "replace")
    with contextlib.suppress(TimelineFileError):
        timeline_entries_read(text, filename=f"t{suffix}", fps=30)


@pytest.mark.parametrize("suffix", sorted(TIMELINE_SUFFIXES))
def test_timeline_readers_survive_the_corpus(suffix):
    for data in FILES.values():
        _timeline(data, suffix)
    tried(f"timeline {suffix} (corpus)", len(FILES))


@pytest.mark.parametrize("suffix", sorted(TIMELINE_SUFFIXES))
def test_timeline_readers_survive_generated_files(suffix):
    examples = EXAMPLES if suffix in (".csv", ".edl") else SANDBOXED_EXAMPLES

    @fuzz_settings(examples)
    @given(data=text_bytes)
    def run(data: bytes) -> None:
        _timeline(data, suffix)
        tried(f"timeline {suffix} (generated)")

    run()


def _manim(text: str) -> None:
    with contextlib.suppress(ManimSourceError):
        manim_scenes_read(text, filename="scenes.py")


def test_the_manim_reader_survives_the_corpus():
    for data in FILES.values():
        _manim(data.decode("utf-8", "replace"))
    tried("manim source (corpus)", len(FILES))


def test_the_manim_reader_survives_generated_sources():
    python_ish = st.text(alphabet="class ():[]{}-+*'\"\\\n\t=SceneAB.#", max_size=3000)

    @fuzz_settings(SANDBOXED_EXAMPLES)
    @given(text=st.one_of(python_ish, st.text(max_size=500)))
    def run(text: str) -> None:
        _manim(text)
        tried("manim source (generated)")

    run()


def test_the_triage_engine_and_time_parser_survive_any_text():
    for value in HOSTILE_STRINGS.values():
        triage_comment(value, duration_s=600.0, player_time_s=1.0)
        parse_time(value)
    tried("triage (corpus)", len(HOSTILE_STRINGS))

    @fuzz_settings(EXAMPLES * 3)
    @given(text=st.text(max_size=600))
    def run(text: str) -> None:
        for finding in triage_comment(text, duration_s=600.0, player_time_s=1.0):
            assert text[finding.start : finding.end] == finding.text
        for stamp in extract_timestamps(text):
            assert 0 <= stamp.seconds < 1e12
        seconds = parse_time(text)
        assert seconds is None or 0 <= seconds < 1e9
        tried("triage and parse_time (generated)")

    run()
