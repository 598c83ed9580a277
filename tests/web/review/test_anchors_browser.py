"""Range comments and drawing on the frame in headless Chromium, at desktop and phone sizes:
mark a range with I and O and post it; draw a box and an arrow on the paused frame, post, and
see them over the frame in the creator's inbox. Waits are for conditions, never fixed sleeps."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from errata.models import Comment
from tests.web.review import test_browser as review_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The review page's browser tests' cut with the 8-second test video, and their console watch.
media_link = review_browser.media_link
console_errors = review_browser.console_errors
_open, _play_to = review_browser._open, review_browser._play_to

SIZES = [(1440, 900), (390, 844)]
ARTIFACTS = Path("test-artifacts")


def _shot(page, what: str, width: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"anchors-{what}-{width}.png"), full_page=True)
    # Taking a screenshot leaves style="" on the page's inputs, which htmx's settle would copy
    # onto swapped-in inputs against the CSP: the page is put back as it was.
    page.evaluate(
        "document.querySelectorAll('[style=\"\"]').forEach(e => e.removeAttribute('style'))"
    )


def _stored(text: str, timeout_s: float = 30) -> Comment:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        comment = Comment.objects.filter(text=text).first()
        if comment is not None:
            return comment
        time.sleep(0.1)
    raise AssertionError(f"no comment {text!r} was stored")


def _pause(page) -> None:
    page.evaluate("() => document.querySelector('video').pause()")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_patron_marks_a_range_with_i_and_o_and_posts_it(
    page,
    live_server,
    media_link,
    console_errors,
    width,
    height,
):
    page.set_viewport_size({"width": width, "height": height})
    _open(page, live_server, media_link)
    _play_to(page, 1.0)
    page.locator("body").press("i")
    page.locator("#range-pending").wait_for(state="visible")
    assert page.locator(".timeline-bar .range-mark").count() == 1
    _play_to(page, 3.2)
    page.locator("body").press("o")
    page.locator("#comment-form").wait_for(state="visible")
    assert page.evaluate("document.querySelector('video').paused") is True
    start = page.locator("#comment-time").input_value()
    end = float(page.locator("#comment-end-time").input_value())
    assert start in {"0:01", "0:02"} and end >= 3.2
    page.locator("#range-row").wait_for(state="visible")
    assert "\u2013" in page.locator("#range-label").inner_text()
    page.locator("#comment-name").fill("Ada Lovelace")
    page.locator("#comment-text").fill(f"The grid shimmers all along {width}")
    _shot(page, "range", width)

    page.locator("#comment-form button[type=submit]").click()
    page.locator("#comment-list li.comment", has_text=f"shimmers all along {width}").wait_for(
        timeout=30_000
    )

    comment = _stored(f"The grid shimmers all along {width}")
    assert comment.timestamp_s in (1, 2)
    assert comment.timestamp_end_s == pytest.approx(end, abs=0.01)
    # The posted comment took its range with it: the next one is a single moment again.
    assert page.locator("#range-row").is_hidden()
    assert console_errors == []
    _shot(page, "range-posted", width)


def _drag(page, box, start, end) -> None:
    page.mouse.move(box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    page.mouse.down()
    for step in range(1, 6):
        x = start[0] + (end[0] - start[0]) * step / 5
        y = start[1] + (end[1] - start[1]) * step / 5
        page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * y)
    page.mouse.up()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_patron_draws_a_box_and_an_arrow_and_the_creator_sees_them_in_the_inbox(
    page,
    live_server,
    media_link,
    console_errors,
    creator,
    client,
    width,
    height,
):
    page.set_viewport_size({"width": width, "height": height})
    _open(page, live_server, media_link)
    _play_to(page, 2.0)
    _pause(page)
    page.locator("#draw-open").click()
    canvas = page.locator("#draw-canvas")
    canvas.wait_for(state="visible")
    box = canvas.bounding_box()

    page.locator("#draw-toolbar").get_by_label("Box").check()
    _drag(page, box, (0.2, 0.2), (0.5, 0.6))
    page.locator("#draw-toolbar").get_by_label("Arrow").check()
    page.locator("#draw-toolbar").get_by_label("Yellow").check()
    _drag(page, box, (0.9, 0.9), (0.55, 0.65))
    # A stray third stroke, undone.
    page.locator("#draw-toolbar").get_by_label("Freehand").check()
    _drag(page, box, (0.1, 0.9), (0.3, 0.8))
    page.locator("#draw-undo").click()
    _shot(page, "drawing", width)
    page.locator("#draw-done").click()

    page.locator("#comment-form").wait_for(state="visible")
    page.locator("#drawing-row").wait_for(state="visible")
    page.locator("#comment-name").fill("Ada Lovelace")
    page.locator("#comment-text").fill(f"This neuron is mislabelled {width}")
    page.locator("#comment-form button[type=submit]").click()
    page.locator("#comment-list li.comment", has_text=f"mislabelled {width}").wait_for(
        timeout=30_000
    )

    comment = _stored(f"This neuron is mislabelled {width}")
    shapes = comment.drawing["shapes"]
    assert [(s["kind"], s["color"]) for s in shapes] == [("box", "red"), ("arrow", "yellow")]
    (x1, _y1), (_x2, y2) = shapes[0]["points"]
    assert x1 == pytest.approx(0.2, abs=0.03) and y2 == pytest.approx(0.6, abs=0.03)
    assert shapes[1]["points"][1] == [pytest.approx(0.55, abs=0.03), pytest.approx(0.65, abs=0.03)]
    assert comment.drawing["t"] == pytest.approx(comment.timestamp_s, abs=1)

    assert console_errors == []

    # The studio (which has no icon link: Chromium asks for /favicon.ico) shows it to the creator.
    client.force_login(creator)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    cut = media_link.cut
    page.goto(f"{live_server.url}/studio/videos/{cut.video.slug}/cuts/{cut.number}/inbox/")
    drawn = page.locator(".finding", has_text=f"mislabelled {width}").locator("svg.drawing")
    drawn.wait_for()
    assert drawn.locator("rect").count() == 1 and drawn.locator("path").count() == 1
    drawn.scroll_into_view_if_needed()
    _shot(page, "inbox", width)
    assert [e for e in console_errors if "favicon" not in e and "404" not in e] == []
