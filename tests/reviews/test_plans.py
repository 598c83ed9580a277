"""The review page's comment list reads a window of a cut, never all of it: checked on
PostgreSQL's own plans (EXPLAIN ANALYZE), so a change that makes a list query walk or sort
every comment of the cut (a computed ordering, an offset) fails here before a big cut shows it.
Skipped on SQLite; CI runs it on PostgreSQL."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from errata.models import Comment, Finding, Reviewer
from errata.reviews.selectors import (
    COMMENT_PAGE_SIZE,
    Cursor,
    _after,
    _before,
    review_comments_visible,
)
from errata.reviews.services import comments_list_time_refresh
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="reads PostgreSQL's EXPLAIN output"
    ),
]

CUT_COMMENTS = 4000
# A window reads its rows and the ties at its edge; all of a cut is a hundred times more.
MOST_ROWS_READ = 4 * COMMENT_PAGE_SIZE


def _fill(cut, count: int) -> None:
    reviewer = Reviewer.objects.create(display_name="Patron")
    comments = Comment.objects.bulk_create(
        Comment(
            cut=cut,
            reviewer=reviewer,
            text=f"Comment {n}",
            # A third name their time only in the text, a few none at all.
            timestamp_s=None if n % 3 == 0 else float(n % 500),
        )
        for n in range(count)
    )
    Finding.objects.bulk_create(
        Finding(
            comment=comment,
            cut=cut,
            text=comment.text,
            timestamp_s=None if n % 30 == 0 else float((n * 7) % 500),
        )
        for n, comment in enumerate(comments)
    )
    comments_list_time_refresh(cut_id=cut.pk)


def _comment_rows_read(queryset) -> int:
    """Rows PostgreSQL read from the comment table to answer the query (every scan node on it,
    times its loops)."""
    plan = json.loads(queryset.explain(format="json", analyze=True))[0]["Plan"]
    total = 0
    stack = [plan]
    while stack:
        node = stack.pop()
        if node.get("Relation Name") == "errata_comment":
            total += node["Actual Rows"] * node.get("Actual Loops", 1)
            # Rows a filter threw away were read too.
            total += node.get("Rows Removed by Filter", 0) * node.get("Actual Loops", 1)
        stack.extend(node.get("Plans", []))
    return total


@pytest.fixture
def crowded_cut(review_link, cut):
    _fill(cut, CUT_COMMENTS)
    # Another cut's comments share the table and its index.
    other = factories.CutFactory(video=cut.video, number=cut.number + 1)
    _fill(other, CUT_COMMENTS // 2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE errata_comment")
        cursor.execute("ANALYZE errata_finding")
        # A table this small fits in a few pages, where a sequential scan is cheaper than the
        # index; the question here is whether the query can be answered from the index range
        # at all, which it must be on a cut a hundred times larger.
        cursor.execute("SET LOCAL enable_seqscan = off")
    return review_link


@pytest.mark.parametrize(
    "where",
    ["first", "after the middle", "before the middle", "after the end", "before the start"],
)
def test_a_window_of_the_comment_list_reads_a_window_not_the_cut(crowded_cut, where):
    comments = review_comments_visible(review_link=crowded_cut, reviewer_id=None)
    middle = Cursor(250.0, comments.order_by("pk")[CUT_COMMENTS // 2].pk)
    queries = {
        "first": comments.order_by("list_time", "pk"),
        "after the middle": _after(comments, middle),
        "before the middle": _before(comments, middle),
        "after the end": _after(comments, Cursor(499.0, 0)),
        "before the start": _before(comments, Cursor(15.0, 10**12)),
    }
    window = queries[where][: COMMENT_PAGE_SIZE + 1]
    assert len(list(window)) == COMMENT_PAGE_SIZE + 1
    assert _comment_rows_read(window) <= MOST_ROWS_READ


def test_the_check_catches_a_list_ordered_by_something_unindexed(crowded_cut):
    # The check itself: ordering by the text (no index) must read the whole cut.
    comments = review_comments_visible(review_link=crowded_cut, reviewer_id=None)
    window = comments.order_by("text", "pk")[: COMMENT_PAGE_SIZE + 1]
    assert _comment_rows_read(window) >= CUT_COMMENTS


def test_an_api_comment_page_by_cursor_reads_a_page_not_the_cut(crowded_cut, cut):
    # What `?cut=N&cursor=` runs (errata.api.pagination) for its first page: the default
    # order, no COUNT and no OFFSET. (A page deep in the cut still reads the rows before its
    # cursor in the index: the nullable player time makes the keyset condition an OR that is
    # not one index range; see the note.)
    from django.db.models import F

    ordered = Comment.objects.filter(cut_id=cut.pk).order_by(
        F("cut_id").asc(nulls_last=True), F("timestamp_s").asc(nulls_last=True), F("id").asc()
    )
    page = ordered[:51]
    assert len(list(page)) == 51
    assert _comment_rows_read(page) <= MOST_ROWS_READ
