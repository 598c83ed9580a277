"""The patron review page over HTTP: opening a link, commenting, replies, "before you post",
me-too, and every refusal (with nothing stored where something was refused)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from errata.models import Comment, MeToo, Reviewer
from errata.reviews.services import COMMENT_MAX_LENGTH, comment_create, review_link_revoke
from errata.web.review.views import REVIEWER_COOKIE
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(link, suffix: str = "") -> str:
    return f"{link.get_absolute_url()}{suffix}"


def _post_comment(client, link, *, text: str, htmx: bool = True, **fields):
    data = {"text": text, "time": "", "time_source": "player", "player_time": ""}
    data.update(fields)
    return client.post(_url(link, "comments/new/"), data, **(HTMX if htmx else {}))


def _stored() -> tuple[int, int]:
    return Comment.objects.count(), Reviewer.objects.count()


# --- Opening a link -----------------------------------------------------------------------------


def test_a_patron_opens_a_link_and_sees_the_cut_and_its_comments(client, review_link, cut):
    factories.CommentFactory(cut=cut, text="The 'mabye' at 6:03", timestamp_s=363)
    response = client.get(_url(review_link))
    assert response.status_code == 200
    page = response.content.decode()
    assert cut.video.title in page
    assert "The &#x27;mabye&#x27;" in page
    assert 'data-seek="363"' in page
    # Only our scripts and the one video host this cut uses may run.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_the_demo_cuts_youtube_url_plays_through_the_youtube_player(client, review_link, cut):
    cut.media_url = "https://www.youtube.com/watch?v=aircAruvnKk"
    cut.save()
    response = client.get(_url(review_link))
    assert '"videoId": "aircAruvnKk"' in response.content.decode()
    assert "https://www.youtube.com" in response["Content-Security-Policy"]


def test_an_unknown_token_gets_a_404_page_that_says_so(client, cut):
    response = client.get("/r/not-a-real-token/")
    assert response.status_code == 404
    assert "does not exist" in response.content.decode()
    assert cut.video.title not in response.content.decode()


def test_a_revoked_link_is_refused_at_once_with_410_and_no_video(client, review_link, cut):
    assert client.get(_url(review_link)).status_code == 200
    assert review_link_revoke(review_link=review_link) is True
    response = client.get(_url(review_link))
    assert response.status_code == 410
    page = response.content.decode()
    assert "was revoked" in page
    assert cut.video.title not in page
    assert "<video" not in page
    assert client.get(_url(review_link, "media/")).status_code == 410


def test_an_expired_link_is_refused_with_410(client, cut):
    link = factories.ReviewLinkFactory(cut=cut, expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(_url(link))
    assert response.status_code == 410
    assert "has expired" in response.content.decode()


@pytest.mark.parametrize(
    ("state", "status"),
    [("unknown", 404), ("expired", 410), ("revoked", 410)],
)
def test_posting_through_a_closed_or_unknown_link_stores_nothing(client, cut, state, status):
    link = factories.ReviewLinkFactory(cut=cut)
    if state == "expired":
        link.expires_at = timezone.now() - timedelta(seconds=1)
        link.save()
    elif state == "revoked":
        review_link_revoke(review_link=link)
    url = "/r/unknown-token/" if state == "unknown" else _url(link)
    before = _stored()
    for suffix, data in [
        ("comments/new/", {"text": "Typo at 1:00", "name": "Ada"}),
        ("preview/", {"text": "Typo at 1:00"}),
        ("forget/", {}),
    ]:
        response = client.post(f"{url}{suffix}", data, **HTMX)
        assert response.status_code == status
    assert _stored() == before


def test_a_watch_only_link_shows_no_comment_box_and_refuses_posts(client, cut):
    link = factories.ReviewLinkFactory(cut=cut, can_comment=False)
    page = client.get(_url(link)).content.decode()
    assert 'id="comment-form"' not in page
    assert "Commenting is turned off" in page
    before = _stored()
    response = _post_comment(client, link, text="Typo at 1:00", name="Ada")
    assert response.status_code == 403
    assert _stored() == before


# --- Commenting ---------------------------------------------------------------------------------


def test_a_patron_comments_at_the_player_time_and_the_list_shows_it_there(
    client, review_link, cut, django_capture_on_commit_callbacks
):
    factories.CommentFactory(cut=cut, text="Earlier one", timestamp_s=10)
    later = factories.CommentFactory(cut=cut, text="Later one", timestamp_s=900)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_comment(
            client,
            review_link,
            text="The neuron at the top flickers",
            time="2:05",
            player_time="125.4",
            name="Ada Lovelace",
            email="ada@example.com",
        )
    assert response.status_code == 200, response.content.decode()
    comment = Comment.objects.get(text="The neuron at the top flickers")
    assert comment.timestamp_s == 125
    assert (comment.author_name, comment.source, comment.review_link) == (
        "Ada Lovelace",
        "web",
        review_link,
    )
    assert comment.reviewer.email == "ada@example.com"
    body = response.content.decode()
    # The box comes back closed with a thank-you, and (out of band) the new comment alone, to
    # go in the list between the two others (before the later one), marked as just posted.
    assert "posted at 2:05" in body
    order = [int(x) for x in re.findall(r'<li id="comment-(\d+)" class="comment', body)]
    assert order == [comment.pk]
    assert f'hx-swap-oob="beforebegin:#comment-{later.pk}"' in body
    assert "just-posted" in body
    # The browser remembers the guest, for this link only.
    cookie = response.cookies[REVIEWER_COOKIE]
    assert cookie["path"] == review_link.get_absolute_url()
    assert cookie["httponly"]


def test_a_comment_after_every_other_goes_at_the_end_of_the_list(client, review_link, cut):
    factories.CommentFactory(cut=cut, text="Earlier one", timestamp_s=10)
    body = _post_comment(client, review_link, text="Late", time="9:00", name="Bo").content.decode()
    assert 'hx-swap-oob="beforeend:#comment-list ol.comments"' in body
    assert '<span id="comment-count" hx-swap-oob="true">2</span>' in body


def test_the_browser_remembers_the_guest_for_that_link(client, review_link):
    _post_comment(client, review_link, text="First", name="Ada")
    _post_comment(client, review_link, text="Second, no name needed now")
    assert Reviewer.objects.count() == 1
    assert Comment.objects.filter(reviewer__display_name="Ada").count() == 2
    page = client.get(_url(review_link)).content.decode()
    assert "Commenting as <strong>Ada</strong>" in page
    # (Only for this link: the cookie's path is the link's, see the test above. Django's test
    # client ignores cookie paths, so the browser test checks another link asks again.)


def test_a_forged_reviewer_cookie_is_ignored(client, review_link, patron):
    client.cookies[REVIEWER_COOKIE] = str(patron.key)  # not signed by us
    page = client.get(_url(review_link)).content.decode()
    assert 'id="comment-name"' in page


def test_a_guest_without_a_name_is_asked_for_one_and_nothing_is_stored(client, review_link):
    before = _stored()
    response = _post_comment(client, review_link, text="A typo at 1:00")
    assert response.status_code == 400
    assert "Tell us your name" in response.content.decode()
    assert _stored() == before


def test_a_time_typed_in_the_text_places_the_comment_there(client, review_link):
    _post_comment(
        client,
        review_link,
        text="at 6:03 'mabye' should be 'maybe'",
        time="5:40",
        player_time="340",
        name="Ada",
    )
    assert Comment.objects.get().timestamp_s == 363


def test_a_time_set_by_hand_wins_over_the_text(client, review_link):
    _post_comment(
        client,
        review_link,
        text="at 6:03 'mabye' should be 'maybe'",
        time="6:00",
        time_source="manual",
        name="Ada",
    )
    assert Comment.objects.get().timestamp_s == 360


def test_a_comment_without_a_time_is_listed_after_the_timed_ones(client, review_link, cut):
    factories.CommentFactory(cut=cut, text="Timed", timestamp_s=1000)
    _post_comment(client, review_link, text="Great video overall!", time_source="manual", name="B")
    assert Comment.objects.get(text__startswith="Great").timestamp_s is None
    page = client.get(_url(review_link)).content.decode()
    assert page.index("Timed") < page.index("Great video overall!")
    assert "no time" in page


@pytest.mark.parametrize(
    ("time", "message"),
    [
        ("25:00", "past the end of this cut"),
        ("soon", "is not a time"),
        ("-5", "is not a time"),
    ],
)
def test_a_time_outside_the_cut_is_refused_and_nothing_is_stored(
    client, review_link, time, message
):
    before = _stored()
    response = _post_comment(
        client, review_link, text="Something", time=time, time_source="manual", name="Ada"
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _stored() == before


def test_a_comment_over_the_length_limit_is_refused_with_a_clear_message(client, review_link):
    before = _stored()
    text = "x" * (COMMENT_MAX_LENGTH + 1)
    response = _post_comment(client, review_link, text=text, name="Ada")
    assert response.status_code == 400
    assert "at most 10,000 characters; this one has 10001" in response.content.decode()
    assert _stored() == before
    # Exactly at the limit is fine.
    ok = _post_comment(client, review_link, text="y" * COMMENT_MAX_LENGTH, name="Ada")
    assert ok.status_code == 200


def test_an_empty_comment_is_refused(client, review_link):
    before = _stored()
    response = _post_comment(client, review_link, text="   \n ", name="Ada")
    assert response.status_code == 400
    assert "Write something first" in response.content.decode()
    assert _stored() == before


def test_a_viewer_posting_too_fast_is_answered_429_with_a_message(client, review_link, settings):
    settings.REVIEW_POSTS_PER_MINUTE = 2
    assert _post_comment(client, review_link, text="one", name="Ada").status_code == 200
    assert _post_comment(client, review_link, text="two").status_code == 200
    before = _stored()
    response = _post_comment(client, review_link, text="three")
    assert response.status_code == 429
    assert "faster than we can take it" in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 60
    assert _stored() == before


def test_viewers_behind_one_address_share_a_looser_limit(review_link, settings):
    settings.REVIEW_POSTS_PER_MINUTE = 5
    settings.REVIEW_POSTS_PER_MINUTE_PER_IP = 3
    statuses = [
        _post_comment(Client(), review_link, text=f"from guest {n}", name=f"Guest {n}").status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert Comment.objects.count() == 3


def test_the_forwarded_address_counts_only_behind_a_trusted_proxy(review_link, settings):
    settings.REVIEW_POSTS_PER_MINUTE_PER_IP = 1

    def post(address: str) -> int:
        return (
            Client(HTTP_X_FORWARDED_FOR=address)
            .post(_url(review_link, "comments/new/"), {"text": "hi", "name": "G"}, **HTMX)
            .status_code
        )

    # Untrusted, the header is ignored: both requests come from 127.0.0.1.
    assert [post("10.0.0.1"), post("10.0.0.2")] == [200, 429]
    settings.RATE_LIMIT_TRUST_X_FORWARDED_FOR = True
    assert [post("10.0.0.3"), post("10.0.0.4")] == [200, 200]


def test_posting_needs_the_csrf_token(review_link):
    client = Client(enforce_csrf_checks=True)
    before = _stored()
    response = _post_comment(client, review_link, text="Typo at 1:00", name="Ada")
    assert response.status_code == 403
    assert _stored() == before


def test_a_script_in_a_comment_is_stored_as_written_and_rendered_escaped(client, review_link):
    text = '<script>alert("x")</script> <img src=x onerror=alert(1)> at 1:00'
    _post_comment(client, review_link, text=text, name="<b>Mallory</b>")
    comment = Comment.objects.get()
    assert comment.text == text
    page = client.get(_url(review_link)).content.decode()
    assert '<script>alert("x")' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "<b>Mallory</b>" not in page
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in page


def test_the_seeds_raw_link_shows_as_a_sanitised_nofollow_link(client, review_link, cut):
    text = (
        'See this: <a href="https://www.youtube.com/watch?v=bLqJHjXihK8&amp;feature=youtu.be" '
        'rel="nofollow noopener" target="_blank">Information Theory of Deep Learning</a> '
        'and <a href="javascript:alert(1)" onclick="steal()">this</a>'
    )
    factories.CommentFactory(cut=cut, text=text)
    page = client.get(_url(review_link)).content.decode()
    assert (
        '<a href="https://www.youtube.com/watch?v=bLqJHjXihK8&amp;feature=youtu.be" '
        'target="_blank" rel="nofollow noopener">Information Theory of Deep Learning</a>'
    ) in page
    assert "javascript:" not in page
    assert "steal()" not in page


def test_without_htmx_a_post_redirects_back_to_the_page(client, review_link):
    response = _post_comment(client, review_link, text="No JavaScript here", htmx=False, name="A")
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{review_link.get_absolute_url()}#comment-{comment.pk}"


def test_a_signed_in_creator_comments_as_themselves_with_the_creator_role(
    client, review_link, creator
):
    client.force_login(creator)
    response = _post_comment(client, review_link, text="Thanks, fixing it!")
    assert response.status_code == 200
    comment = Comment.objects.get()
    assert comment.reviewer.user == creator
    assert comment.author_role == "creator"
    assert comment.author_name == "3blue1brown"


def test_a_signed_in_outsider_comments_as_a_patron(client, review_link, outsider):
    client.force_login(outsider)
    _post_comment(client, review_link, text="Nice")
    assert Comment.objects.get().author_role == "patron"


# --- Replies ------------------------------------------------------------------------------------


def test_a_reply_joins_its_thread_and_comes_back_in_place(client, review_link, cut):
    first = factories.CommentFactory(cut=cut, text="Is 'mabye' a typo?", timestamp_s=363)
    reply_to_reply = factories.CommentFactory(cut=cut, text="Yes", parent=first)
    response = _post_comment(
        client, review_link, text="Agreed, it is", parent=str(reply_to_reply.pk), name="Bo"
    )
    assert response.status_code == 200
    reply = Comment.objects.get(text="Agreed, it is")
    assert reply.parent == first
    assert reply.timestamp_s is None
    body = response.content.decode()
    assert f'<li id="comment-{first.pk}" class="comment' in body
    assert 'hx-swap-oob="true"' in body
    assert "your reply was posted" in body


def test_a_reply_to_a_comment_on_another_cut_is_refused(client, review_link, video):
    elsewhere = factories.CommentFactory(cut=factories.CutFactory(video=video, number=2))
    before = _stored()
    response = _post_comment(client, review_link, text="hi", parent=str(elsewhere.pk), name="A")
    assert response.status_code == 400
    assert _stored() == before


# --- Who sees what ------------------------------------------------------------------------------


def test_a_link_that_hides_others_shows_a_viewer_only_their_own_and_the_creators(client, cut):
    link = factories.ReviewLinkFactory(cut=cut, show_others_comments=False)
    factories.CommentFactory(cut=cut, text="Someone else's secret", timestamp_s=5)
    factories.CommentFactory(cut=cut, text="Creator's note", author_role="creator", reviewer=None)
    _post_comment(client, link, text="My own remark", name="Ada")
    page = client.get(_url(link)).content.decode()
    assert "My own remark" in page
    assert "Creator&#x27;s note" in page
    assert "Someone else" not in page


# --- Before you post, and me-too ----------------------------------------------------------------


@pytest.fixture
def mabye_reports(cut, django_capture_on_commit_callbacks):
    """Two patrons already reported the misspelling near 6:00 (triaged, so grouped)."""
    first_reporter = factories.ReviewerFactory(display_name="Early Bird")
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(
            cut=cut,
            text='at 5:58, it should be "maybe" instead of "mabye".',
            reviewer=first_reporter,
        )
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(
            cut=cut,
            text="at around 6:03 you misspelled 'maybe' as 'mabye.'",
            reviewer=factories.ReviewerFactory(display_name="Second"),
        )
    return list(cut.findings.order_by("pk"))


def _preview(client, link, text: str, **fields):
    data = {"text": text, "time": "6:01", "time_source": "player", "player_time": "361"}
    data.update(fields)
    return client.post(_url(link, "preview/"), data, **HTMX)


def test_before_posting_a_patron_sees_the_same_problem_already_reported(
    client, review_link, mabye_reports
):
    response = _preview(client, review_link, "typo: 'mabye' should be 'maybe'")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Already reported near here?" in body
    assert "Early Bird" in body
    assert "2 voices" in body
    assert f"/metoo/{mabye_reports[0].pk}/" in body
    assert 'class="badge cat-typo"' in body


def test_before_posting_unrelated_text_shows_no_reports(client, review_link, mabye_reports):
    body = _preview(client, review_link, "Lovely music!", time="0:30", player_time="30")
    assert "Already reported" not in body.content.decode()


def test_the_preview_moves_the_time_chip_to_a_time_typed_in_the_text(client, review_link):
    body = _preview(client, review_link, "at 6:03 there is a typo").content.decode()
    assert 'id="time-chip" class="chip" hx-swap-oob="true"' in body
    assert 'value="6:03"' in body
    assert 'name="time_source" id="time-source" value="text"' in body
    untouched = _preview(client, review_link, "at 6:03 typo", time_source="manual")
    assert "time-chip" not in untouched.content.decode()


def test_a_link_that_hides_others_never_previews_their_reports(client, cut, mabye_reports):
    link = factories.ReviewLinkFactory(cut=cut, show_others_comments=False)
    body = _preview(client, link, "typo: 'mabye' should be 'maybe'").content.decode()
    assert "Early Bird" not in body


def test_me_too_is_counted_on_the_finding_and_credited_to_the_viewer(
    client, review_link, mabye_reports
):
    finding = mabye_reports[0]
    assert MeToo.objects.filter(finding=finding).count() == 0
    response = client.post(
        _url(review_link, f"metoo/{finding.pk}/"),
        {"name": "Carol", "email": "", "prefix": "similar-"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "You said me too" in response.content.decode()
    metoo = MeToo.objects.get(finding=finding)
    assert metoo.reviewer.display_name == "Carol"
    assert REVIEWER_COOKIE in response.cookies
    # Saying it again counts once.
    again = client.post(_url(review_link, f"metoo/{finding.pk}/"), {}, **HTMX)
    assert again.status_code == 200
    assert MeToo.objects.filter(finding=finding).count() == 1
    # The list shows it, and the preview now knows this viewer already added their voice.
    assert "You said me too" in client.get(_url(review_link)).content.decode()
    body = _preview(client, review_link, "typo: 'mabye' should be 'maybe'").content.decode()
    assert "You already added your voice" in body


def test_me_too_without_a_name_asks_for_one_and_stores_nothing(client, review_link, mabye_reports):
    response = client.post(_url(review_link, f"metoo/{mabye_reports[0].pk}/"), {}, **HTMX)
    assert response.status_code == 400
    assert response["HX-Trigger"] == "review:needs-name"
    assert "Tell us your name" in response.content.decode()
    assert (MeToo.objects.count(), Reviewer.objects.filter(display_name="").count()) == (0, 0)


def test_me_too_on_ones_own_report_is_refused(
    client, review_link, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _post_comment(client, review_link, text="typo: 'mabye' at 6:03", name="Ada")
    finding = Comment.objects.get().findings.get()
    response = client.post(_url(review_link, f"metoo/{finding.pk}/"), {}, **HTMX)
    assert response.status_code == 400
    assert "your own report" in response.content.decode()
    assert MeToo.objects.count() == 0


def test_me_too_through_a_watch_only_or_revoked_link_is_refused(client, cut, mabye_reports):
    finding = mabye_reports[0]
    watch_only = factories.ReviewLinkFactory(cut=cut, can_comment=False)
    response = client.post(_url(watch_only, f"metoo/{finding.pk}/"), {"name": "A"}, **HTMX)
    assert response.status_code == 403
    revoked = factories.ReviewLinkFactory(cut=cut, revoked_at=timezone.now())
    response = client.post(_url(revoked, f"metoo/{finding.pk}/"), {"name": "A"}, **HTMX)
    assert response.status_code == 410
    assert MeToo.objects.count() == 0


def test_me_too_is_rate_limited_like_comments(client, review_link, mabye_reports, settings):
    settings.REVIEW_POSTS_PER_MINUTE = 1
    _post_comment(client, review_link, text="hello", name="Ada")
    response = client.post(_url(review_link, f"metoo/{mabye_reports[0].pk}/"), {}, **HTMX)
    assert response.status_code == 429
    assert MeToo.objects.count() == 0


def test_me_too_on_a_finding_of_another_cut_is_refused(client, review_link, video):
    other = factories.FindingFactory(
        comment=factories.CommentFactory(cut=factories.CutFactory(video=video, number=2))
    )
    response = client.post(_url(review_link, f"metoo/{other.pk}/"), {"name": "A"}, **HTMX)
    assert response.status_code == 400
    assert MeToo.objects.count() == 0


def test_not_you_forgets_the_guest_on_this_browser(client, review_link):
    _post_comment(client, review_link, text="hello", name="Ada")
    response = client.post(_url(review_link, "forget/"))
    assert response.status_code == 302
    assert 'id="comment-name"' in client.get(_url(review_link)).content.decode()


# --- The demo -----------------------------------------------------------------------------------


def test_the_demo_has_a_review_link_showing_the_seed_comments_at_their_times(
    client, capsys, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from errata.models import ReviewLink

    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--no-video", password="errata-demo")
    link = ReviewLink.objects.get()
    assert f"Patron review page: http://127.0.0.1:8000/r/{link.token}/" in capsys.readouterr().out
    call_command("load_demo", "--no-video", password="errata-demo")
    assert ReviewLink.objects.get() == link

    response = client.get(link.get_absolute_url())
    page = response.content.decode()
    assert '"videoId": "aircAruvnKk"' in page
    assert '<span id="comment-count">43</span>' in page
    # The seed's pasted <a href> is a sanitised link; its text is not live HTML otherwise.
    assert 'rel="nofollow noopener">Information Theory of Deep Learning' in page
    # Imported comments carry no player time: each is listed at the first time its text names.
    ben = link.cut.comments.get(external_id="c15")
    assert re.search(rf'<li id="comment-{ben.pk}" class="comment[^"]*" data-t="363"', page), (
        "Ben's 'at around 6:03' places his comment at 6:03"
    )
