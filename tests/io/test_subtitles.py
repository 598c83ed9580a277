"""A caption fix carries the corrected line; the corrected subtitle export puts it in place."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from errata.catalog.services import transcript_import
from errata.catalog.transcripts import transcript_read
from errata.findings.services import findings_triage
from errata.fixes.services import erratum_update
from errata.io.exports import export_render
from errata.models import Finding
from tests import factories
from tests.catalog.test_transcripts import VTT

pytestmark = pytest.mark.django_db


def test_the_corrected_subtitles_carry_each_caption_fix_in_place(cut, creator):
    transcript_import(cut=cut, cues=transcript_read(VTT), source="vtt")
    fix = factories.ErratumFactory(
        cut=cut, timestamp_s=989.0, remedy="caption", category="narration"
    )
    erratum_update(erratum=fix, actor=creator, corrected_line="and I've been a little slow")
    # Closed as not an error: its line is left as said.
    factories.ErratumFactory(
        cut=cut,
        timestamp_s=994.0,
        remedy="caption",
        status="not_an_error",
        corrected_line="WRONG",
        resolution_reason="It is right.",
    )

    for fmt in ("srt", "vtt"):
        cues = transcript_read(export_render(cut=cut, fmt=fmt).content)
        assert [c.text for c in cues] == [
            "and I've been a little slow",
            "to explain <i>what</i> the weights do",
            "the bias is just a number",
        ]
        assert [c.start_s for c in cues] == [988.0, 990.5, 993.25]
    result = export_render(cut=cut, fmt="srt")
    assert result.filename == "nn-cut1-corrected.srt"
    assert result.content.startswith("1\n00:16:28,000 --> 00:16:30,500\n")


def test_without_a_transcript_the_subtitle_export_says_what_to_do(cut):
    with pytest.raises(ValidationError, match="no transcript"):
        export_render(cut=cut, fmt="vtt")


def test_triage_reads_a_quoted_spoken_line_as_narration_at_its_time(cut):
    transcript_import(cut=cut, cues=transcript_read(VTT), source="vtt")
    comment = factories.CommentFactory(
        cut=cut, text='At 16:30 you say "I\'ve been a little flow" - I think you meant slow'
    )
    findings_triage(comment_id=comment.pk)
    finding = Finding.objects.get(comment=comment)
    assert (finding.suggested_category, finding.timestamp_s, finding.timestamp_source) == (
        "narration",
        988.0,
        "spoken",
    )


def test_an_imported_comment_quoting_a_spoken_line_is_narration_at_its_time(cut):
    import io

    from errata.io.services import comments_import

    transcript_import(cut=cut, cues=transcript_read(VTT), source="vtt")
    csv_file = (
        b"author,text,timestamp\n"
        b'Ada,"At 16:30 you say ""I\'ve been a little flow"" - slow?",\n'
        b"Ben,The sigma at 16:31 is upside down,16:31\n"
    )
    comments_import(cut=cut, fmt="csv", open_file=lambda: io.BytesIO(csv_file), creator_name="")
    ada = Finding.objects.get(comment__author_name="Ada")
    ben = Finding.objects.get(comment__author_name="Ben")
    assert (ada.suggested_category, ada.timestamp_s, ada.timestamp_source) == (
        "narration",
        988.0,
        "spoken",
    )
    assert ben.timestamp_source != "spoken"
