"""The transcript in the studio: imported on the cut page, shown at each finding's time in the
inbox and on an erratum's page, the corrected line edited there."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from errata.catalog.services import transcript_import
from errata.catalog.transcripts import transcript_read
from errata.models import Erratum, TranscriptLine
from tests import factories
from tests.catalog.test_transcripts import SRT, VTT
from tests.studio_scenario import report

pytestmark = pytest.mark.django_db


def _upload(client, cut, name: str, content: bytes):
    return client.post(
        f"/studio/videos/{cut.video.slug}/cuts/{cut.number}/transcript/",
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_a_member_imports_the_cuts_subtitles(client, creator, cut):
    client.force_login(creator)
    page = _upload(client, cut, "nn.vtt", VTT.encode()).content.decode()
    assert "Transcript imported: 3 lines from nn.vtt." in page
    assert "3 lines of what is said" in page
    assert TranscriptLine.objects.filter(cut=cut, source="vtt").count() == 3
    _upload(client, cut, "nn.srt", SRT.encode())
    assert TranscriptLine.objects.filter(cut=cut, source="srt").count() == 2


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"1\n00:00:01,000 -> 00:00:02,000\nhi\n", "bad.srt: line 1: expected a cue"),
        (b"\x00\x01binary", "not a text file"),
        (b"1\n09:00:00,000 --> 09:00:02,000\nhi\n", "past the end of"),
    ],
)
def test_a_bad_subtitle_file_changes_nothing_and_says_why(client, creator, cut, content, says):
    transcript_import(cut=cut, cues=transcript_read(SRT), source="srt")
    client.force_login(creator)
    page = _upload(client, cut, "bad.srt", content).content.decode()
    assert says in page
    assert TranscriptLine.objects.filter(cut=cut).count() == 2


def test_the_inbox_and_the_erratum_page_show_the_line_said_at_the_time(
    client, creator, cut, django_assert_max_num_queries
):
    transcript_import(cut=cut, cues=transcript_read(VTT), source="vtt")
    report(cut, "At 16:29 the word 'flow' should be 'slow'", 989.0, category="narration")
    for i in range(60):
        report(cut, f"Typo number {i} here", 1000.0 + i)
    client.force_login(creator)
    with django_assert_max_num_queries(25):
        page = client.get(f"/studio/videos/{cut.video.slug}/cuts/1/inbox/").content.decode()
    assert "“and I&#x27;ve been a little flow”" in page

    erratum = factories.ErratumFactory(cut=cut, timestamp_s=994.0, remedy="caption")
    page = client.get(f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/").content.decode()
    assert "“the bias is just a number”" in page


def test_the_corrected_line_is_edited_on_the_erratum_page(client, creator, cut):
    erratum = factories.ErratumFactory(cut=cut, timestamp_s=994.0, remedy="caption")
    client.force_login(creator)
    response = client.post(
        f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/edit/",
        {
            "title": erratum.title,
            "category": "narration",
            "severity": "medium",
            "remedy": "caption",
            "timestamp": "16:34",
            "corrected_line": "the bias is just one number",
            "version": erratum.version,
        },
    )
    assert response.status_code in (200, 302)
    assert Erratum.objects.get(pk=erratum.pk).corrected_line == "the bias is just one number"
