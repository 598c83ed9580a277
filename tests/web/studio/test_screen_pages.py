"""Frame checks on the studio pages: the box over the frame grab and the pinned time in the
inbox and on the erratum page, "not on screen" as a narration hint, "fixed in cut N" as a
suggestion with both crops, and the board's "still on screen" flag. The rows are made here as
the task stores them (tests/media/test_screen.py runs the task itself)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from errata.models import FixCheck, FrameGrab, ScreenSighting
from tests import factories

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0 a crop \xff\xd9"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _saved(name: str) -> str:
    from django.core.files.storage import default_storage

    return default_storage.save(name, ContentFile(JPEG))


@pytest.fixture
def typo(cut):
    comment = factories.CommentFactory(cut=cut, text='at 5:58, "maybe" instead of "mabye"')
    finding = factories.FindingFactory(comment=comment, cut=cut, timestamp_s=358.0)
    factories.CutMediaFactory(cut=cut, status="ready", proxy="proxies/p.mp4")
    FrameGrab.objects.create(cut=cut, at_ms=361500, status="ready", image=_saved("frames/f.jpg"))
    sighting = ScreenSighting.objects.create(
        finding=finding,
        cut=cut,
        status=ScreenSighting.Status.FOUND,
        text="mabye",
        right_text="maybe",
        window_start_s=353,
        window_end_s=363,
        window_basis="precise",
        start_s=358.0,
        end_s=364.9,
        frame_s=361.5,
        box={"x": 0.5, "y": 0.625, "w": 0.155, "h": 0.08},
        seen_text="mabye",
        confidence=96,
    )
    return finding, sighting


def test_the_inbox_draws_the_box_over_the_frame_and_suggests_the_pinned_time(signed_in, cut, typo):
    page = signed_in.get(f"/studio/videos/{cut.video.slug}/cuts/1/inbox/").content.decode()
    assert 'src="/studio/videos/nn/cuts/1/frames/361500.jpg"' in page
    assert "left: 50.0%; top: 62.5%; width: 15.5%; height: 8.0%" in page
    assert "seen on screen 5:58\u20136:05" in page and "suggested time 5:58" in page


def test_a_quote_not_on_screen_is_shown_as_a_narration_hint(signed_in, cut):
    comment = factories.CommentFactory(cut=cut, text='@59: "between 0 and 10"')
    finding = factories.FindingFactory(comment=comment, cut=cut, timestamp_s=59.0)
    ScreenSighting.objects.create(
        finding=finding,
        cut=cut,
        status=ScreenSighting.Status.NOT_FOUND,
        text="between 0 and 10",
        window_start_s=54,
        window_end_s=64,
        window_basis="precise",
    )
    page = signed_in.get(f"/studio/videos/{cut.video.slug}/cuts/1/inbox/").content.decode()
    assert "is not on screen between 0:54 and 1:04: perhaps something said" in page
    assert "seen on screen" not in page


def _erratum_with_check(video, cut, typo, outcome):
    finding, _ = typo
    second = factories.CutFactory(video=video, number=2, duration_s=1155)
    erratum = factories.ErratumFactory(video=video, cut=cut, found_in_cut=cut)
    finding.erratum, finding.state = erratum, "accepted"
    finding.save()
    check = FixCheck.objects.create(
        erratum=erratum,
        cut=second,
        from_cut=cut,
        outcome=outcome,
        wrong_text="mabye",
        right_text="maybe",
        from_s=361.0,
        at_s=363.0,
        before_crop=_saved("screen/before.jpg"),
        after_crop=_saved("screen/after.jpg"),
    )
    return erratum, check


def test_the_erratum_page_suggests_the_fix_with_both_crops_and_changes_nothing(
    signed_in, video, cut, typo
):
    erratum, check = _erratum_with_check(video, cut, typo, FixCheck.Outcome.FIXED)
    url = f"/studio/videos/{video.slug}/errata/{erratum.pk}/"
    page = signed_in.get(url).content.decode()
    assert "Fixed in cut 2" in page and "suggested: confirm by marking it fixed" in page
    assert "6:01 in cut 1 → 6:03 in cut 2" in page
    assert 'src="/studio/videos/nn/cuts/1/frames/361500.jpg"' in page
    for which in ("before", "after"):
        assert f'src="{url}checks/{check.pk}/{which}.jpg"' in page
        crop = signed_in.get(f"{url}checks/{check.pk}/{which}.jpg")
        assert crop.status_code == 200 and b"".join(crop.streaming_content) == JPEG
    assert signed_in.get(f"{url}checks/{check.pk}/other.jpg").status_code == 404
    erratum.refresh_from_db()
    assert erratum.status == "open" and erratum.fixed_in_cut is None


def test_another_team_gets_no_crop(client, outsider, video, cut, typo):
    erratum, check = _erratum_with_check(video, cut, typo, FixCheck.Outcome.FIXED)
    client.force_login(outsider)
    response = client.get(
        f"/studio/videos/{video.slug}/errata/{erratum.pk}/checks/{check.pk}/before.jpg"
    )
    assert response.status_code == 404


def test_the_board_flags_an_erratum_still_on_screen_in_a_later_cut(signed_in, video, cut, typo):
    erratum, _ = _erratum_with_check(video, cut, typo, FixCheck.Outcome.STILL_THERE)
    fixed = factories.ErratumFactory(video=video, cut=cut, found_in_cut=cut, title="Other")
    page = signed_in.get(f"/studio/videos/{video.slug}/cuts/1/board/").content.decode()
    row = page.split(f'id="erratum-row-{erratum.pk}"')[1].split("</tr>")[0]
    other = page.split(f'id="erratum-row-{fixed.pk}"')[1].split("</tr>")[0]
    assert "still on screen in cut 2" in row
    assert "still on screen" not in other
    erratum_page = signed_in.get(f"/studio/videos/{video.slug}/errata/{erratum.pk}/")
    assert "Still on screen in cut 2" in erratum_page.content.decode()
