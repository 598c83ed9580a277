"""The review page in headless Chromium: play to a time, press the key, comment, see it listed
there without a reload; click a time and the player seeks; me-too; a revoked link refused.

Every wait is for a condition (the player's time, an element, a row in the database), never a
fixed sleep.
"""

from __future__ import annotations

import shutil

import pytest

from errata.models import Comment, MeToo
from errata.reviews.services import comment_create, review_link_revoke
from tests import factories
from tests.paths import TEST_VIDEO

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media_link(settings, tmp_path, video):
    """A link to a cut whose media is the 8-second test video, uploaded."""
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "cuts").mkdir()
    shutil.copy(TEST_VIDEO, tmp_path / "cuts" / TEST_VIDEO.name)
    cut = factories.CutFactory(video=video, number=5, duration_s=8.0, label="Early view")
    cut.media_file.name = f"cuts/{TEST_VIDEO.name}"
    cut.save()
    factories.CutMediaFactory(cut=cut)
    return factories.ReviewLinkFactory(cut=cut)


@pytest.fixture
def console_errors(page):
    """Errors the page logs (a script error, a Content-Security-Policy violation)."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _open(page, live_server, link):
    response = page.goto(f"{live_server.url}{link.get_absolute_url()}")
    # Marks this document: still there after posting means the page did not reload.
    page.evaluate("window.__sameDocument = true")
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    return response


def _play_to(page, seconds: float) -> None:
    # Muted playback needs no user gesture in Chromium.
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; v.play(); }")
    page.wait_for_function(
        f"() => document.querySelector('video').currentTime >= {seconds}", timeout=15_000
    )


def test_a_patron_plays_presses_the_key_comments_and_sees_it_listed_without_reload(
    page, live_server, media_link, console_errors
):
    factories.CommentFactory(cut=media_link.cut, text="Right at the start", timestamp_s=0.5)
    factories.CommentFactory(cut=media_link.cut, text="Near the end", timestamp_s=7.5)
    _open(page, live_server, media_link)
    _play_to(page, 2.0)

    page.keyboard.press("c")
    form = page.locator("#comment-form")
    form.wait_for(state="visible")
    assert page.evaluate("document.querySelector('video').paused") is True
    paused_at = page.evaluate("document.querySelector('video').currentTime")
    chip = page.locator("#comment-time").input_value()
    assert chip in {f"0:{int(paused_at):02d}", f"0:{round(paused_at):02d}"}
    # The name field comes first for a new guest; the key opened the box with focus in it.
    assert page.evaluate("document.activeElement.id") == "comment-name"

    page.keyboard.type("Ada Lovelace")
    page.locator("#comment-text").fill("The grid lines shimmer here")
    page.locator("#comment-form button[type=submit]").click()

    posted = page.locator("#comment-list li.comment", has_text="The grid lines shimmer here")
    posted.wait_for()
    assert posted.locator("a.time").first.inner_text() == chip
    texts = page.locator("#comment-list li.comment .text").all_inner_texts()
    assert texts == ["Right at the start", "The grid lines shimmer here", "Near the end"]
    assert page.locator("#comment-box .status").inner_text().startswith("Thank you")
    assert page.evaluate("window.__sameDocument") is True
    assert form.is_hidden()

    comment = Comment.objects.get(text="The grid lines shimmer here")
    assert comment.author_name == "Ada Lovelace"
    assert abs(comment.timestamp_s - paused_at) <= 1

    # The name is remembered for this link (no name field now), and only for this link.
    page.keyboard.press("c")
    form.wait_for(state="visible")
    assert page.locator("#comment-name").count() == 0
    other = factories.ReviewLinkFactory(cut=media_link.cut)
    page.goto(f"{live_server.url}{other.get_absolute_url()}")
    assert page.locator("#comment-name").count() == 1
    assert console_errors == []


def test_escape_closes_the_box_and_returns_focus_to_the_comment_button(
    page, live_server, media_link
):
    _open(page, live_server, media_link)
    page.locator("#comment-open").click()
    page.locator("#comment-form").wait_for(state="visible")
    page.keyboard.press("Escape")
    page.locator("#comment-form").wait_for(state="hidden")
    assert page.evaluate("document.activeElement.id") == "comment-open"


def test_clicking_a_time_seeks_the_player(page, live_server, media_link, console_errors):
    factories.CommentFactory(cut=media_link.cut, text="Look at the circle", timestamp_s=5)
    _open(page, live_server, media_link)
    assert page.evaluate("document.querySelector('video').currentTime") < 1
    page.locator("#comment-list a.time", has_text="0:05").click()
    page.wait_for_function(
        "() => Math.abs(document.querySelector('video').currentTime - 5) < 0.5", timeout=15_000
    )
    # The list marks the comment at the playhead.
    page.locator("#comment-list li.comment.is-current", has_text="Look at the circle").wait_for()
    assert console_errors == []


def test_a_time_typed_in_the_comment_moves_the_chip_and_places_the_comment(
    page, live_server, media_link
):
    _open(page, live_server, media_link)
    page.locator("#comment-open").click()
    page.locator("#comment-name").fill("Bo")
    page.locator("#comment-text").fill("at 0:06 the label overlaps")
    page.wait_for_function("() => document.querySelector('#comment-time').value === '0:06'")
    page.keyboard.press("Control+Enter")
    page.locator("#comment-list li.comment", has_text="the label overlaps").wait_for()
    assert Comment.objects.get().timestamp_s == 6


def test_a_patron_says_me_too_instead_of_reporting_it_again(
    page, live_server, media_link, console_errors
):
    cut = media_link.cut
    comment_create(
        cut=cut,
        text='at 0:04, it should be "maybe" instead of "mabye".',
        reviewer=factories.ReviewerFactory(display_name="Early Bird"),
    )
    comment_create(
        cut=cut,
        text="at 0:05 you misspelled 'maybe' as 'mabye.'",
        reviewer=factories.ReviewerFactory(display_name="Second"),
    )
    first = cut.findings.order_by("pk").first()
    assert first is not None and first.duplicate_group_id is not None

    _open(page, live_server, media_link)
    _play_to(page, 3.0)
    page.keyboard.press("c")
    page.locator("#comment-name").fill("Carol")
    page.locator("#comment-text").fill("typo: 'mabye' should be 'maybe'")
    similar = page.locator("#preview .similar")
    similar.wait_for()
    assert "Early Bird" in similar.inner_text()
    similar.get_by_role("button", name="Me too").first.click()
    similar.get_by_text("You said me too").wait_for()

    metoo = MeToo.objects.get()
    assert metoo.finding == first
    assert metoo.reviewer.display_name == "Carol"
    assert Comment.objects.filter(text__contains="should be 'maybe'").count() == 0
    assert console_errors == []


def test_a_revoked_link_is_refused_in_the_browser(page, live_server, media_link):
    review_link_revoke(review_link=media_link)
    response = page.goto(f"{live_server.url}{media_link.get_absolute_url()}")
    assert response.status == 410
    assert "revoked" in page.locator("h1").inner_text()
    assert page.locator("video").count() == 0


# The video hosts' player APIs cannot be reached from tests; these stand-ins answer at the same
# addresses with the few calls the page makes, so the page's adapters and its
# Content-Security-Policy are exercised as they would be with the real scripts.
FAKE_YOUTUBE_API = """
window.YT = { Player: function (element, options) {
  var frame = document.createElement("iframe");
  frame.id = element.id;
  element.replaceWith(frame);
  window.__fake = { time: 42, seeks: [], paused: false, options: options };
  this.getCurrentTime = function () { return window.__fake.time; };
  this.seekTo = function (t) { window.__fake.seeks.push(t); window.__fake.time = t; };
  this.pauseVideo = function () { window.__fake.paused = true; };
  setTimeout(options.events.onReady, 0);
} };
window.onYouTubeIframeAPIReady();
"""
FAKE_VIMEO_API = """
window.Vimeo = { Player: function (element, options) {
  var handlers = {};
  window.__fake = { seeks: [], paused: false, options: options,
                    emit: function (name, seconds) { handlers[name]({ seconds: seconds }); } };
  this.on = function (name, handler) { handlers[name] = handler; };
  this.ready = function () { return Promise.resolve(); };
  this.setCurrentTime = function (t) { window.__fake.seeks.push(t); return Promise.resolve(t); };
  this.pause = function () { window.__fake.paused = true; return Promise.resolve(); };
} };
"""


@pytest.mark.parametrize(
    ("media_url", "api_url", "fake"),
    [
        (
            "https://www.youtube.com/watch?v=aircAruvnKk",
            "https://www.youtube.com/iframe_api",
            FAKE_YOUTUBE_API,
        ),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/api/player.js", FAKE_VIMEO_API),
    ],
)
def test_youtube_and_vimeo_cuts_play_through_their_player_apis(
    page, live_server, cut, media_url, api_url, fake, console_errors
):
    cut.media_url = media_url
    cut.save()
    factories.CommentFactory(cut=cut, text="Look here", timestamp_s=75)
    link = factories.ReviewLinkFactory(cut=cut)
    page.route(
        api_url, lambda route: route.fulfill(body=fake, content_type="application/javascript")
    )
    page.goto(f"{live_server.url}{link.get_absolute_url()}")
    page.wait_for_function("() => window.__fake !== undefined")
    if "vimeo" in media_url:
        assert page.evaluate("window.__fake.options.url") == "https://vimeo.com/76979871"
        page.evaluate("window.__fake.emit('timeupdate', 42)")
    else:
        assert page.evaluate("window.__fake.options.videoId") == "aircAruvnKk"
        page.wait_for_function("() => document.querySelector('#now').textContent === '0:42'")

    page.keyboard.press("c")
    page.locator("#comment-form").wait_for(state="visible")
    assert page.evaluate("window.__fake.paused") is True
    assert page.locator("#comment-time").input_value() == "0:42"

    page.locator("#comment-list a.time", has_text="1:15").click()
    page.wait_for_function("() => window.__fake.seeks.includes(75)")
    assert console_errors == []


def test_the_list_follows_the_playhead_beyond_its_window(page, live_server, media_link):
    from errata.models import Comment as CommentModel

    CommentModel.objects.bulk_create(
        [
            CommentModel(cut=media_link.cut, text=f"Point {n}", timestamp_s=n * 0.08)
            for n in range(100)
        ]
    )
    _open(page, live_server, media_link)
    # The first window ends long before 7 s.
    assert page.locator("#comment-list li.comment", has_text="Point 90").count() == 0
    page.evaluate("window.errataPlayer.seek(7.3)")
    # The window around 7.3 s was loaded and the comment at the playhead is marked.
    page.wait_for_function(
        """() => {
            const current = document.querySelector('#comment-list li.comment.is-current');
            return current && Math.abs(parseFloat(current.dataset.t) - 7.3) <= 0.5;
        }"""
    )
    assert page.locator("#comment-list li.comment", has_text="Point 91").count() == 1
    assert page.evaluate("window.__sameDocument") is True


def test_a_patron_replies_to_a_comment_and_sees_the_reply_under_it(page, live_server, media_link):
    first = factories.CommentFactory(cut=media_link.cut, text="Is the grid skewed?", timestamp_s=3)
    _open(page, live_server, media_link)
    page.locator(f"#comment-{first.pk} .reply-button").click()
    page.locator("#replying-to").wait_for(state="visible")
    assert page.locator("#replying-to-name").inner_text() == first.author_name
    page.locator("#comment-name").fill("Bo")
    page.locator("#comment-text").fill("Yes, slightly")
    page.keyboard.press("Control+Enter")
    page.locator(f"#comment-{first.pk} .replies", has_text="Yes, slightly").wait_for()
    assert Comment.objects.get(text="Yes, slightly").parent == first


@pytest.mark.parametrize("failure", ["youtube blocked", "broken file"])
def test_when_the_player_does_not_load_the_page_says_so_and_comments_have_no_time(
    page, live_server, cut, settings, tmp_path, failure
):
    """Offline, a blocked iframe, a file the browser cannot play: no silent 0:00."""
    if failure == "youtube blocked":
        cut.media_url = "https://www.youtube.com/watch?v=aircAruvnKk"
        cut.save()
        page.route("https://www.youtube.com/**", lambda route: route.abort())
        opened_elsewhere = "https://www.youtube.com/watch?v=aircAruvnKk"
    else:
        settings.MEDIA_ROOT = tmp_path
        (tmp_path / "cuts").mkdir()
        (tmp_path / "cuts" / "broken.webm").write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 4096)
        cut.media_file.name = "cuts/broken.webm"
        cut.save()
        factories.CutMediaFactory(cut=cut)
        opened_elsewhere = None
    link = factories.ReviewLinkFactory(cut=cut)
    page.goto(f"{live_server.url}{link.get_absolute_url()}")
    notice = page.locator("#player-failed")
    notice.wait_for(state="visible")
    assert "did not load here" in notice.inner_text()
    if opened_elsewhere:
        assert notice.get_by_role("link").get_attribute("href") == opened_elsewhere
    assert page.locator("#now-label").is_hidden()

    page.keyboard.press("c")
    page.locator("#comment-form").wait_for(state="visible")
    assert page.locator("#comment-time").input_value() == ""
    page.keyboard.type("Ada")
    page.locator("#comment-text").fill("The caption overlaps the formula")
    page.get_by_role("button", name="Post comment").click()
    page.locator("#comment-box .status").wait_for()
    assert Comment.objects.get(text="The caption overlaps the formula").timestamp_s is None

    # A time the patron types is still taken.
    page.keyboard.press("c")
    page.locator("#comment-text").fill("And at 2:05 the axis label is cut off")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#comment-list li.comment').length >= 2"
    )
    assert Comment.objects.get(text__startswith="And at 2:05").timestamp_s == 125
