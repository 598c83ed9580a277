"""The demo as a fresh `make run` serves it, in headless Chromium, offline: the review page plays
the demo's own video, `C` comments at the playhead, the studio inbox shows the finding's frame,
and once a corrected cut 2 is uploaded the erratum page shows the moment in cut 1 and in cut 2
side by side.

Every wait is for a condition (the player's time, an element, a row in the database). The demo
video is made once by ffmpeg and kept between runs; processing it (in-process here, as in
`make run`) takes most of this test's time.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from errata.catalog.timelines import TimelineEntry, timeline_entries_read
from errata.management.commands.load_demo import (
    FIXED_CUT_EXTRA_S,
    FIXED_CUT_LONGER_SCENE,
    TIMELINE_FILE,
    Command,
)
from errata.models import Comment, Cut, CutMedia, Erratum, ReviewLink
from tests.media.videos import needs_ffmpeg

pytestmark = [needs_ffmpeg, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Processing a 19-minute video in the request thread (eager tasks, as `make run` does).
SLOW_MS = 180_000


def _fixed_cut_files(tmp_path) -> tuple:
    """Cut 2 as an editor would deliver it: its video (made as load_demo --fixed-cut makes it)
    and its timeline as a CSV file."""
    entries = timeline_entries_read(
        TIMELINE_FILE.read_text(encoding="utf-8"), filename=TIMELINE_FILE.name, fps=30.0
    )
    shifted, shift = [], 0.0
    for entry in entries:
        extra = FIXED_CUT_EXTRA_S if entry.scene_name == FIXED_CUT_LONGER_SCENE else 0.0
        shifted.append(
            TimelineEntry(entry.scene_name, entry.start_s + shift, entry.end_s + shift + extra)
        )
        shift += extra
    video = Command()._demo_file(shifted, typo_word="maybe")
    timeline = tmp_path / "cut2-timeline.csv"
    timeline.write_text(
        "name,start,end\n" + "".join(f"{e.scene_name},{e.start_s:g},{e.end_s:g}\n" for e in shifted)
    )
    return video, timeline


def _sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("creator")
    page.get_by_label("Password").fill("errata-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Videos").wait_for()


def test_the_demo_plays_offline_comments_at_the_playhead_and_shows_frames_before_and_after(
    settings, tmp_path, live_server, page
):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", password="errata-demo")
    cut1 = Cut.objects.get(video__slug="nn-part1", number=1)
    assert cut1.media.status == CutMedia.Status.READY, cut1.media.error
    link = ReviewLink.objects.get(cut=cut1)

    # The review page plays the demo's own video (no network needed), from the app.
    page.goto(f"{live_server.url}{link.get_absolute_url()}")
    video = page.locator("video#player-video")
    assert video.get_attribute("src") == f"{link.get_absolute_url()}media/"
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    assert page.evaluate("document.querySelector('video').duration") == pytest.approx(1153, abs=1)
    page.evaluate(
        "() => { const v = document.querySelector('video'); v.muted = true;"
        " v.currentTime = 359; v.play(); }"
    )
    page.wait_for_function("() => document.querySelector('video').currentTime >= 360")
    assert page.locator("#player-failed").is_hidden()

    # `C` pauses and opens the comment box at the playhead; no time is typed.
    page.keyboard.press("c")
    page.locator("#comment-form").wait_for(state="visible")
    paused_at = page.evaluate("document.querySelector('video').currentTime")
    page.keyboard.type("Grace Patron")
    page.locator("#comment-text").fill("The word on the card is misspelled: mabye")
    page.get_by_role("button", name="Post comment").click()
    page.locator("#comment-box .status").wait_for()
    comment = Comment.objects.get(author_name="Grace Patron")
    assert comment.timestamp_s == pytest.approx(paused_at, abs=1.0)
    assert 359 <= comment.timestamp_s <= 363

    # The studio inbox shows the finding's frame (grabbed by a task the page asked for).
    page.set_default_timeout(SLOW_MS)
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/studio/videos/nn-part1/cuts/1/inbox/")
    group = page.locator("article.group").filter(has=page.locator("mark", has_text="mabye"))
    ours = group.locator(".finding", has_text="misspelled: mabye")
    frame = ours.locator(".frame img")
    frame.wait_for()
    assert re.search(r"/studio/videos/nn-part1/cuts/1/frames/\d+\.jpg$", frame.get_attribute("src"))
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=frame.element_handle()
    )

    # Accepted as an erratum; then cut 2, corrected, is uploaded with its timeline and carries it.
    group.get_by_role("button", name="Accept as erratum").click()
    page.locator("#inbox-list .notice", has_text="created from").wait_for()
    erratum = Erratum.objects.get(title__icontains="mabye")
    video_file, timeline_file = _fixed_cut_files(tmp_path)
    page.goto(f"{live_server.url}/studio/videos/nn-part1/cuts/new/")
    page.get_by_label("Label").fill("Fixed")
    page.get_by_label("Duration").fill("")
    page.get_by_label("Media file").set_input_files(str(video_file))
    page.get_by_label("Timeline").set_input_files(str(timeline_file))
    page.get_by_label("Then carry open errata from").select_option(label="cut 1 (Early view)")
    page.get_by_role("button", name="Add the cut").click()
    # Carrying is shown first and waits for a confirmation.
    page.get_by_role("button", name="Carry them to cut 2").click()
    page.get_by_role("heading", name=re.compile(r"^Cut 2\b")).wait_for()
    cut2 = Cut.objects.get(video=cut1.video, number=2)
    assert cut2.media.status == CutMedia.Status.READY, cut2.media.error
    assert cut2.duration_s == 1155

    # Marked fixed in cut 2, the erratum's page shows the same moment in both cuts.
    page.goto(f"{live_server.url}/studio/videos/nn-part1/errata/{erratum.pk}/")
    page.locator("input[name=status][value=fixed]").check()
    page.get_by_role("button", name="Change status").click()
    page.locator("#erratum-body .notice", has_text="fixed in cut 2").wait_for()
    page.reload()
    figures = page.locator("figure.moment")
    assert figures.count() == 2
    found, fixed = figures.nth(0), figures.nth(1)
    erratum.refresh_from_db()
    assert erratum.cut_id == cut2.pk and erratum.fixed_in_cut_id == cut2.pk
    found_caption, fixed_caption = found.locator("figcaption"), fixed.locator("figcaption")
    assert re.fullmatch(r"Found in cut 1 at 6:0[0-3]", found_caption.inner_text().strip())
    assert re.fullmatch(r"Fixed in cut 2 at 6:0[2-5]", fixed_caption.inner_text().strip())
    for figure, cut_number in ((found, 1), (fixed, 2)):
        image = figure.locator(".frame img")
        image.wait_for()
        assert f"/cuts/{cut_number}/frames/" in image.get_attribute("src")
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
    page.screenshot(path=str(tmp_path / "erratum-before-after.png"), full_page=True)
