"""Transcripts: SubRip and WebVTT read (real files ffmpeg writes included), hostile files refused
by line, stored per cut, shown at a finding's time, and written back with caption fixes."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError

from errata.catalog.selectors import cut_transcript, spoken_lines_at
from errata.catalog.services import transcript_import
from errata.catalog.transcripts import (
    TranscriptFileError,
    cue_plain_text,
    transcript_read,
    transcript_write,
)
from errata.models import TranscriptLine

# The narration of the seed video around 16:30, as its captions have it.
VTT = """WEBVTT
Kind: captions
Language: en

NOTE written for the test, in the shape YouTube's captions have

00:16:28.000 --> 00:16:30.500 align:start position:0%
<v Grant>and I've been a little flow</v>

00:16:30.500 --> 00:16:33.250
to explain <i>what</i> the weights do

00:16:33.250 --> 00:16:36.000
the bias is just a number
"""

SRT = """1
00:00:01,000 --> 00:00:03,500
This is a three layer network.

2
00:00:03,500 --> 00:00:06,000
Each neuron holds a number
between zero and one.

"""


def test_a_webvtt_file_gives_its_cues_in_time_order_tags_kept_out_of_the_plain_text():
    cues = transcript_read(VTT)
    assert [(c.start_s, c.end_s) for c in cues] == [
        (988.0, 990.5),
        (990.5, 993.25),
        (993.25, 996.0),
    ]
    assert cue_plain_text(cues[0].text) == "and I've been a little flow"
    assert cue_plain_text(cues[1].text) == "to explain what the weights do"


def test_a_subrip_file_keeps_multi_line_cues():
    cues = transcript_read(SRT)
    assert len(cues) == 2
    assert cues[1].text == "Each neuron holds a number\nbetween zero and one."
    assert cues[1].start_s == 3.5


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_a_subrip_file_ffmpeg_writes_is_read(tmp_path):
    (tmp_path / "in.vtt").write_text(VTT)
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(tmp_path / "in.vtt"), str(tmp_path / "out.srt")],
        check=True,
    )
    cues = transcript_read((tmp_path / "out.srt").read_text())
    assert [round(c.start_s, 2) for c in cues] == [988.0, 990.5, 993.25]
    assert "little flow" in cue_plain_text(cues[0].text)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1\n00:00:01,000 -> 00:00:02,000\nhi\n", "line 1: expected a cue's times"),
        ("1\n00:00:05,000 --> 00:00:02,000\nhi\n", "line 2: the cue ends before it starts"),
        ("WEBVTT\n\n00:00:01.000 --> 00:99:02.000\nhi\n", "line 3: '00:00:01.000 --> 00:99"),
        ("", "holds no subtitle cues"),
        ("WEBVTT\n", "holds no subtitle cues"),
        ("1\n00:00:01,000 --> 00:00:02,000\n" + "x" * 3000 + "\n", "at most 2,000"),
        ("hello\x00world", "not a text file"),
    ],
)
def test_a_malformed_subtitle_file_is_refused_naming_the_line(text, says):
    with pytest.raises(TranscriptFileError) as refused:
        transcript_read(text)
    assert says in str(refused.value)


def test_written_subtitles_read_back_the_same():
    cues = transcript_read(SRT)
    for fmt in ("srt", "vtt"):
        again = transcript_read(transcript_write(cues, fmt=fmt))
        assert again == cues


@pytest.mark.django_db
def test_an_import_replaces_the_cuts_transcript_and_refuses_another_cuts_file(cut):
    transcript_import(cut=cut, cues=transcript_read(SRT), source="srt")
    result = transcript_import(cut=cut, cues=transcript_read(VTT), source="vtt")
    assert (result.lines, result.replaced) == (3, 2)
    assert cut_transcript(cut=cut)[0].text == "and I've been a little flow"

    long = "1\n05:00:00,000 --> 05:00:02,000\nfrom a feature film\n"
    with pytest.raises(ValidationError, match="past the end"):
        transcript_import(cut=cut, cues=transcript_read(long), source="srt")
    assert TranscriptLine.objects.filter(cut=cut).count() == 3


@pytest.mark.django_db
def test_the_line_said_at_each_time_in_one_query(cut, django_assert_num_queries):
    transcript_import(cut=cut, cues=transcript_read(VTT), source="vtt")
    with django_assert_num_queries(1):
        spoken = spoken_lines_at(cut_id=cut.pk, times=[989.0, 994.0, 997.5, 5.0])
    assert spoken == {
        989.0: "and I've been a little flow",
        994.0: "the bias is just a number",
        997.5: "the bias is just a number",  # a second and a half after the last line ended
    }
