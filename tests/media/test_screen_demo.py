"""The demo, read by frame checks: the "mabye" card is found where patrons reported it, the
corrected cut 2 is suggested as its fix, and the spoken "between zero and ten" reports are not
claimed as seen on screen."""

from __future__ import annotations

import shutil

import pytest
from django.core.management import call_command

from errata.fixes.services import erratum_create_from_findings
from errata.models import Cut, Erratum, Finding, FixCheck, FrameGrab, ScreenSighting, User
from tests.media.videos import needs_ffmpeg

pytestmark = pytest.mark.django_db

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None,
    reason="Tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)",
)


@needs_ffmpeg
@needs_tesseract
def test_the_demo_typo_is_located_pinned_and_suggested_fixed_in_cut_2(
    settings, tmp_path, client, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", password="errata-demo")
    cut = Cut.objects.get(video__slug="nn-part1", number=1)

    # Both timed "mabye" reports (5:58 and "around 6:03") are seen on screen, with a box on the
    # card's yellow line and a range pinned to the card's 5:58-6:05 within a quarter second.
    typo = list(ScreenSighting.objects.filter(cut=cut, text="mabye").select_related("finding"))
    assert {s.finding.comment.external_id for s in typo} == {"c15", "c32"}
    for sighting in typo:
        assert sighting.status == ScreenSighting.Status.FOUND, sighting.error
        assert sighting.seen_text.casefold().startswith("mabye")
        assert abs(sighting.start_s - 358.0) <= 0.25 and abs(sighting.end_s - 365.0) <= 0.25
        box = sighting.box
        # The demo draws the line centred, below the middle of the 426x240 frame.
        assert 0.3 < box["x"] + box["w"] / 2 < 0.7 and 0.55 < box["y"] < 0.75
        assert 0 < box["w"] < 0.3 and sighting.confidence > 50
        assert sighting.crop and sighting.frames_read > 0 and sighting.cpu_s > 0
        grab = FrameGrab.objects.get(cut=cut, at_ms=round(sighting.frame_s * 1000))
        assert grab.status == FrameGrab.Status.READY and grab.image
    # "between 0 and 10" / "an output between zero and ten" were said, not written: looked for
    # and not seen, a hint for narration; nothing claims them on screen.
    spoken = ScreenSighting.objects.filter(finding__comment__external_id__in=["c09", "c24"])
    assert {s.status for s in spoken} == {ScreenSighting.Status.NOT_FOUND}
    assert spoken.count() == 2
    assert not ScreenSighting.objects.filter(
        status=ScreenSighting.Status.FOUND, text__icontains="ten"
    ).exists()
    assert not ScreenSighting.objects.filter(
        status=ScreenSighting.Status.FOUND, text__icontains="10"
    ).exists()

    # The creator accepts the typo reports as an erratum, then cut 2 (with "maybe") arrives.
    findings = Finding.objects.filter(cut=cut, comment__external_id__in=["c15", "c32"])
    erratum = erratum_create_from_findings(finding_ids=[f.pk for f in findings])
    assert not FixCheck.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--fixed-cut", password="errata-demo")
    fixed = Cut.objects.get(video=cut.video, number=2)
    check = FixCheck.objects.get(erratum=erratum)
    assert check.cut == fixed and check.from_cut == cut
    assert check.outcome == FixCheck.Outcome.FIXED, check.error
    assert (check.wrong_text, check.right_text) == ("mabye", "maybe")
    # Scene-relative: two seconds later in cut 2, where LayOutPlan grew by two seconds.
    assert abs(check.at_s - check.from_s - 2.0) < 0.6
    assert check.before_crop and check.after_crop
    # A suggestion: the status is the creator's to change.
    erratum.refresh_from_db()
    assert erratum.status == Erratum.Status.OPEN and erratum.fixed_in_cut is None
    # The erratum page says so, with both crops; the inbox draws the box over the frame.
    client.force_login(User.objects.get(username="creator"))
    url = f"/studio/videos/nn-part1/errata/{erratum.pk}/"
    page = client.get(url).content.decode()
    assert "Fixed in cut 2" in page and "suggested: confirm by marking it fixed" in page
    assert f'src="{url}checks/{check.pk}/before.jpg"' in page
    assert f'src="{url}checks/{check.pk}/after.jpg"' in page
    assert "sighting-box" in page and "seen on screen 5:58" in page
