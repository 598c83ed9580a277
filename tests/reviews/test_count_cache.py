"""The review page's comment count on a link showing everyone's comments is counted once per
TIMELINE_CACHE_SECONDS for the whole cut (a COUNT reads every comment of it); a post adds its
own comment to it, so the patron who posted, and everyone after, sees it counted."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from errata.reviews.selectors import review_comment_count_key
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _count(body: str) -> int:
    found = re.search(r'<span id="comment-count"[^>]*>(\d+)</span>', body)
    assert found, body[:500]
    return int(found.group(1))


def _count_queries(client, link) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(link.get_absolute_url())
    counts = [q for q in captured.captured_queries if "COUNT(*)" in q["sql"]]
    return _count(response.content.decode()), len(counts)


def test_a_post_is_counted_at_once_and_the_next_page_reuses_the_count(review_link, cut):
    for n in range(3):
        factories.CommentFactory(cut=cut, text=f"comment {n}")

    first, counted = _count_queries(Client(), review_link)
    assert (first, counted) == (3, 1)
    again, counted = _count_queries(Client(), review_link)
    assert (again, counted) == (3, 0)  # the cut's count, from the cache

    response = Client().post(
        f"{review_link.get_absolute_url()}comments/new/",
        {"text": "At 1:00 'mabye'", "name": "Ada"},
        **HTMX,
    )
    assert response.status_code == 200
    assert _count(response.content.decode()) == 4
    assert _count_queries(Client(), review_link) == (4, 0)


def test_a_reply_does_not_change_the_count(review_link, cut):
    parent = factories.CommentFactory(cut=cut, text="first")
    assert _count_queries(Client(), review_link)[0] == 1
    response = Client().post(
        f"{review_link.get_absolute_url()}comments/new/",
        {"text": "thanks", "name": "Ada", "parent": parent.pk},
        **HTMX,
    )
    assert response.status_code == 200
    assert cache.get(review_comment_count_key(cut.pk)) == 1


def test_a_link_hiding_others_comments_counts_the_viewers_own_each_time(cut):
    private = factories.ReviewLinkFactory(cut=cut, show_others_comments=False)
    for n in range(3):
        factories.CommentFactory(cut=cut, text=f"someone else's {n}")
    assert _count_queries(Client(), private) == (0, 1)
    assert cache.get(review_comment_count_key(cut.pk)) is None
