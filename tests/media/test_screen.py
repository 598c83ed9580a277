"""Frame checks on short cuts made by ffmpeg (demo-style title cards with a misspelling and its
correction at known times): a report's text is located with a box and a pinned range, a text
only said is not claimed as seen, and a later cut is checked: fixed, still on screen, or (for an
erratum that is not text) a changed or unchanged picture. Nothing changes status by itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from errata.catalog.services import timeline_import
from errata.catalog.timelines import TimelineEntry
from errata.fixes.services import erratum_create_from_findings
from errata.management.demo_video import CardLine, DemoCard, text_cards_make
from errata.media import screen
from errata.media.services import cut_create_with_media, cut_media_attach
from errata.models import Erratum, Finding, FixCheck, ScreenSighting
from errata.reviews.services import comment_create
from tests import factories
from tests.media.videos import needs_ffmpeg

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None,
    reason="Tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)",
)
pytestmark = [pytest.mark.django_db, needs_ffmpeg, needs_tesseract]

INTRO, MACRO = "IntroCard", "MacroPatterns"
WRONG = "The network mabye learns"
RIGHT = "The network maybe learns"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _entries(intro_s: float) -> list[TimelineEntry]:
    return [TimelineEntry(INTRO, 0.0, intro_s), TimelineEntry(MACRO, intro_s, intro_s + 5.0)]


def _clip(folder, name: str, *, intro_s: float, line: str, extra: list[CardLine] = ()):
    """Intro then Macro; `line` on Macro from 1 s to 4 s into it."""
    entries = _entries(intro_s)
    cards = [DemoCard(e.scene_name, e.start_s, e.end_s) for e in entries]
    lines = [CardLine(line, intro_s + 1.0, intro_s + 4.0), *extra]
    path = folder / name
    text_cards_make(path, cards=cards, lines=lines, duration_s=intro_s + 5.0)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="video/mp4")


@pytest.fixture
def first_cut(video, tmp_path, django_capture_on_commit_callbacks):
    """Cut 1 (7 s): "mabye" on screen from 3 s to 6 s; two reports, one of a spoken line."""
    cut = factories.CutFactory(video=video, number=1, duration_s=7.0, fps=10)
    timeline_import(cut=cut, entries=_entries(2.0))
    with django_capture_on_commit_callbacks(execute=True):
        cut_media_attach(cut=cut, upload=_clip(tmp_path, "cut1.mp4", intro_s=2.0, line=WRONG))
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(cut=cut, text='Typo at 0:04, it should be "maybe" instead of "mabye".')
        comment_create(cut=cut, text='@0:05: "between 0 and 10" should be "between 0 and 9"')
    return cut


def _finding(cut, word: str) -> Finding:
    return Finding.objects.get(cut=cut, text__contains=word)


def test_a_reported_typo_is_located_with_a_box_and_a_pinned_range(first_cut):
    sighting = ScreenSighting.objects.get(finding=_finding(first_cut, "mabye"))
    assert sighting.status == ScreenSighting.Status.FOUND, sighting.error
    assert (sighting.text, sighting.right_text) == ("mabye", "maybe")
    # A time to the second: looked for within 5 s of it.
    assert (sighting.window_start_s, sighting.window_end_s, sighting.window_basis) == (
        0.0,
        7.0,
        "precise",
    )
    # On screen from 3 s to 6 s (the last frame shown at 5.9 s at 10 fps).
    assert abs(sighting.start_s - 3.0) <= 0.2 and abs(sighting.end_s - 5.9) <= 0.2
    assert 3.0 <= sighting.frame_s <= 6.0
    box = sighting.box
    assert 0.4 < box["x"] + box["w"] / 2 < 0.75 and 0.55 < box["y"] < 0.75
    assert sighting.seen_text.casefold().startswith("mabye") and sighting.crop
    assert sighting.cpu_s > 0 and sighting.frames_read >= 2


def test_a_quoted_line_that_is_only_said_is_a_narration_hint_not_a_sighting(first_cut):
    sighting = ScreenSighting.objects.get(finding=_finding(first_cut, "between 0 and 10"))
    assert sighting.status == ScreenSighting.Status.NOT_FOUND
    assert sighting.start_s is None and sighting.box == {}


def test_reading_the_cut_again_reads_nothing_new(first_cut):
    before = list(ScreenSighting.objects.values_list("pk", "status"))
    assert screen.screen_read_cut(cut_id=first_cut.pk) == screen.ScreenReadResult()
    assert list(ScreenSighting.objects.values_list("pk", "status")) == before


def _next_cut(video, tmp_path, django_capture_on_commit_callbacks, *, name, line, extra=()):
    with django_capture_on_commit_callbacks(execute=True):
        return cut_create_with_media(
            video=video,
            duration_s=None,
            upload=_clip(tmp_path, name, intro_s=3.0, line=line, extra=list(extra)),
            timeline_entries=_entries(3.0),
        ).cut


def test_the_next_cut_is_suggested_as_the_fix_with_both_crops(
    first_cut, video, tmp_path, django_capture_on_commit_callbacks
):
    erratum = erratum_create_from_findings(finding_ids=[_finding(first_cut, "mabye").pk])
    second = _next_cut(
        video, tmp_path, django_capture_on_commit_callbacks, name="cut2.mp4", line=RIGHT
    )
    check = FixCheck.objects.get(erratum=erratum, cut=second)
    assert check.outcome == FixCheck.Outcome.FIXED, check.error
    assert check.from_cut == first_cut and check.before_crop and check.after_crop
    # The same moment of the scene: one second later, where the intro grew by one second.
    assert abs((check.at_s - check.from_s) - 1.0) < 0.5
    erratum.refresh_from_db()
    assert erratum.status == Erratum.Status.OPEN and erratum.fixed_in_cut is None


def test_a_typo_still_there_in_the_next_cut_is_flagged(
    first_cut, video, tmp_path, django_capture_on_commit_callbacks
):
    erratum = erratum_create_from_findings(finding_ids=[_finding(first_cut, "mabye").pk])
    second = _next_cut(
        video, tmp_path, django_capture_on_commit_callbacks, name="cut2.mp4", line=WRONG
    )
    check = FixCheck.objects.get(erratum=erratum, cut=second)
    assert check.outcome == FixCheck.Outcome.STILL_THERE
    assert check.after_crop


def test_errata_that_are_not_text_are_compared_as_pictures(
    first_cut, video, tmp_path, django_capture_on_commit_callbacks
):
    intro = first_cut.spans.get(scene__name=INTRO).scene
    macro = first_cut.spans.get(scene__name=MACRO).scene
    redrawn = factories.ErratumFactory(
        video=video,
        cut=first_cut,
        found_in_cut=first_cut,
        category="visual",
        timestamp_s=1.0,
        scene=intro,
    )
    untouched = factories.ErratumFactory(
        video=video,
        cut=first_cut,
        found_in_cut=first_cut,
        category="visual",
        timestamp_s=2.5,
        scene=macro,
    )
    said = factories.ErratumFactory(
        video=video,
        cut=first_cut,
        found_in_cut=first_cut,
        category="narration",
        timestamp_s=2.5,
        scene=macro,
    )
    # Cut 2 redraws the intro (a big new line over it) and leaves Macro's start as it was.
    second = _next_cut(
        video,
        tmp_path,
        django_capture_on_commit_callbacks,
        name="cut2.mp4",
        line=RIGHT,
        extra=[CardLine("A NEW DIAGRAM HERE", 0.0, 3.0, fontsize=30, dy=-100)],
    )
    changed = FixCheck.objects.get(erratum=redrawn, cut=second)
    same = FixCheck.objects.get(erratum=untouched, cut=second)
    assert changed.outcome == FixCheck.Outcome.CHANGED, (changed.difference, changed.error)
    assert same.outcome == FixCheck.Outcome.UNCHANGED, (same.difference, same.error)
    assert changed.difference > same.difference
    assert changed.before_crop and changed.after_crop
    assert not FixCheck.objects.filter(erratum=said).exists()


def test_nothing_is_read_without_tesseract(first_cut, settings):
    settings.TESSERACT_BINARY = "/nonexistent/tesseract"
    ScreenSighting.objects.all().delete()
    assert screen.screen_read_cut(cut_id=first_cut.pk) == screen.ScreenReadResult()
    settings.TESSERACT_BINARY = ""
    settings.FRAME_CHECKS = False
    assert screen.screen_read_cut(cut_id=first_cut.pk) == screen.ScreenReadResult()
    assert not ScreenSighting.objects.exists()


def test_a_new_upload_drops_the_old_files_frame_checks_and_their_crops(
    first_cut, tmp_path, settings, django_capture_on_commit_callbacks
):
    sighting = ScreenSighting.objects.get(finding=_finding(first_cut, "mabye"))
    crop_path = Path(sighting.crop.path)
    assert crop_path.exists()
    settings.FRAME_CHECKS = False  # (the new file is not read here)
    with django_capture_on_commit_callbacks(execute=True):
        cut_media_attach(
            cut=first_cut, upload=_clip(tmp_path, "again.mp4", intro_s=2.0, line=RIGHT)
        )
    assert not ScreenSighting.objects.filter(cut=first_cut).exists()
    assert not crop_path.exists()
