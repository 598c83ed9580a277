"""The review page's list at scale: 2,000 comments render in a fixed number of queries, the list
is a window (never the whole cut), and paging through it visits every comment once, in time
order."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from errata.findings.services import finding_update, findings_triage
from errata.models import Comment, Finding, MeToo, Reviewer
from errata.reviews.selectors import COMMENT_PAGE_SIZE, review_comment_window
from errata.reviews.services import comments_list_time_refresh
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# The page: link+cut+video, reviewer by cookie, the count, the window, its replies and findings,
# and the two grouped timeline queries.
PAGE_QUERIES = 8


def _many_comments(cut, count: int) -> list[Comment]:
    """`count` thread-starting comments: most at a player time, some whose time is only in the
    text (a finding has it), some with no time; each with a finding, some with a me-too and a
    reply."""
    reviewers = Reviewer.objects.bulk_create(
        [Reviewer(display_name=f"Patron {n}") for n in range(50)]
    )
    comments = Comment.objects.bulk_create(
        [
            Comment(
                cut=cut,
                reviewer=reviewers[n % 50],
                author_name=f"Patron {n % 50}",
                text=f"Comment {n}: the label at {n % 19}:{n % 60:02d} is misspelled",
                timestamp_s=None if n % 10 in (7, 8) else (n * 37) % int(cut.duration_s),
                triage_state="done" if n % 3 else "pending",
            )
            for n in range(count)
        ]
    )
    findings = Finding.objects.bulk_create(
        [
            Finding(
                comment=comment,
                cut=cut,
                text=comment.text,
                span_end=len(comment.text),
                timestamp_s=None if n % 10 == 8 else (n * 53) % int(cut.duration_s),
                suggested_category=("typo", "visual", "none", "notation")[n % 4],
                category_confidence=0.7,
            )
            for n, comment in enumerate(comments)
        ]
    )
    MeToo.objects.bulk_create(
        [
            MeToo(finding=finding, reviewer=reviewers[(n + 1) % 50])
            for n, finding in enumerate(findings)
            if n % 5 == 0
        ]
    )
    Comment.objects.bulk_create(
        [
            Comment(
                cut=cut,
                parent=comment,
                author_name="3blue1brown",
                author_role="creator",
                text="Thanks!",
            )
            for comment in comments[::20]
        ]
    )
    # Written in bulk, behind the services' back: their list times are brought up to date the
    # way a bulk writer must.
    comments_list_time_refresh(cut_id=cut.pk)
    return comments


def _page_queries(client, link) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_page_with_2000_comments_renders_in_a_fixed_number_of_queries(
    client, review_link, cut, django_assert_max_num_queries
):
    _many_comments(cut, 2000)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(review_link.get_absolute_url())
    page = response.content.decode()
    # A window, not the whole cut: the browser gets 40 comments and a way to the rest.
    assert len(re.findall(r'<li id="comment-\d+" class="comment', page)) == (COMMENT_PAGE_SIZE)
    assert "Show later comments" in page
    assert '<span id="comment-count">2000</span>' in page
    assert page.count('class="marker"') > 50


def test_the_query_count_does_not_grow_with_the_comments(client, review_link, cut, video):
    small_cut = factories.CutFactory(video=video, number=2, duration_s=1153)
    small_link = factories.ReviewLinkFactory(cut=small_cut)
    _many_comments(small_cut, 45)
    small, _ = _page_queries(client, small_link)
    _many_comments(cut, 2000)
    large, _ = _page_queries(client, review_link)
    assert small == large


def test_a_signed_in_viewers_page_costs_only_the_session_and_user_queries_more(
    client, review_link, cut, outsider, django_assert_max_num_queries
):
    _many_comments(cut, 2000)
    client.force_login(outsider)
    with django_assert_max_num_queries(PAGE_QUERIES + 2):
        assert client.get(review_link.get_absolute_url()).status_code == 200


def test_list_windows_cost_a_fixed_number_of_queries(
    client, review_link, cut, django_assert_max_num_queries
):
    _many_comments(cut, 2000)
    url = f"{review_link.get_absolute_url()}comments/"
    # Link, reviewer, two halves of the window, replies, findings.
    with django_assert_max_num_queries(6):
        response = client.get(url, {"around": "600"}, **HTMX)
    body = response.content.decode()
    times = [float(t) for t in re.findall(r'class="comment[^"]*" data-t="([\d.]+)"', body)]
    assert len(times) == COMMENT_PAGE_SIZE
    assert times == sorted(times)
    # A quarter of the window before the time, the rest from it on.
    assert sum(t < 600 for t in times) == COMMENT_PAGE_SIZE // 4
    assert "Show earlier comments" in body and "Show later comments" in body


def test_paging_later_visits_every_comment_once_in_time_order(client, review_link, cut):
    comments = _many_comments(cut, 130)
    url = f"{review_link.get_absolute_url()}comments/"
    body = client.get(review_link.get_absolute_url()).content.decode()
    seen: list[int] = []
    times: list[float] = []
    for _ in range(10):
        seen += [int(x) for x in re.findall(r'<li id="comment-(\d+)" class="comment', body)]
        times += [float(t) for t in re.findall(r'class="comment[^"]*" data-t="([\d.e+]+)"', body)]
        later = re.search(r'hx-get="[^"]*\?after=([^"]+)"', body)
        if later is None:
            break
        from urllib.parse import unquote

        body = client.get(url, {"after": unquote(later.group(1))}, **HTMX).content.decode()
    assert sorted(seen) == sorted(c.pk for c in comments)
    assert len(seen) == len(set(seen))
    assert times == sorted(times)


def test_paging_earlier_from_a_window_reaches_the_start(client, review_link, cut):
    comments = _many_comments(cut, 100)
    url = f"{review_link.get_absolute_url()}comments/"
    body = client.get(url, {"around": "1100"}, **HTMX).content.decode()
    seen = [int(x) for x in re.findall(r'<li id="comment-(\d+)" class="comment', body)]
    from urllib.parse import unquote

    for _ in range(10):
        earlier = re.search(r'hx-get="[^"]*\?before=([^"]+)"', body)
        if earlier is None:
            break
        body = client.get(url, {"before": unquote(earlier.group(1))}, **HTMX).content.decode()
        seen += [int(x) for x in re.findall(r'<li id="comment-(\d+)" class="comment', body)]
    assert sorted(seen) == sorted(c.pk for c in comments)


def test_a_comment_whose_time_is_only_in_its_text_is_listed_at_that_time(review_link, cut):
    early = factories.CommentFactory(cut=cut, text="first", timestamp_s=100)
    named = factories.CommentFactory(cut=cut, text="at 3:00 the arrow is wrong", timestamp_s=None)
    late = factories.CommentFactory(cut=cut, text="last", timestamp_s=200)
    # Before triage has read its text, it waits at the end.
    window = review_comment_window(review_link=review_link, reviewer_id=None)
    assert [c.pk for c in window.comments] == [early.pk, late.pk, named.pk]
    findings_triage(comment_id=named.pk)
    window = review_comment_window(review_link=review_link, reviewer_id=None)
    assert [c.pk for c in window.comments] == [early.pk, named.pk, late.pk]
    assert window.comments[1].list_time == 180


def test_a_corrected_finding_time_moves_its_comment_in_the_list(review_link, cut):
    early = factories.CommentFactory(cut=cut, text="first", timestamp_s=100)
    named = factories.CommentFactory(cut=cut, text="at 3:00 the arrow is wrong", timestamp_s=None)
    findings_triage(comment_id=named.pk)
    finding = Finding.objects.get(comment=named)
    finding_update(finding=finding, timestamp_s=50)
    window = review_comment_window(review_link=review_link, reviewer_id=None)
    assert [c.pk for c in window.comments] == [named.pk, early.pk]
    assert window.comments[0].list_time == 50


def test_a_player_time_wins_over_the_time_in_the_text(review_link, cut):
    comment = factories.CommentFactory(cut=cut, text="at 3:00 the arrow is wrong", timestamp_s=20)
    findings_triage(comment_id=comment.pk)
    comment.refresh_from_db()
    assert comment.list_time == 20


def test_preview_costs_a_bounded_number_of_queries_on_a_crowded_cut(
    client, review_link, cut, django_assert_max_num_queries
):
    _many_comments(cut, 2000)
    data = {"text": "the label at 6:03 is misspelled", "time_source": "player"}
    # Link, reviewer, two candidate reads per point of the draft, the matched groups.
    with django_assert_max_num_queries(6):
        response = client.post(f"{review_link.get_absolute_url()}preview/", data, **HTMX)
    assert response.status_code == 200
