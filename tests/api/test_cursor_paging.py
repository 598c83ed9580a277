"""Keyset paging (`cursor=`) on the API lists: every row once, in the list's order, with nulls
and ties, in either direction; no count; a cursor that is not one of this list's is a 400
naming the field; `page=` keeps working beside it."""

from __future__ import annotations

import base64
import json

import pytest

from errata.models import Comment
from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(creator):
    return token_client(creator)


def _walk(api, url: str) -> list[int]:
    seen = []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert "count" not in body
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    return seen


@pytest.fixture
def timed(cut) -> list[Comment]:
    """Comments with ties and without a time (nulls), created out of time order."""
    times = [30.0, None, 10.0, 30.0, None, 20.0, 30.0, 10.0]
    return [factories.CommentFactory(cut=cut, timestamp_s=t) for t in times]


def _expected(comments: list[Comment], *, descending: bool) -> list[int]:
    with_time = [c for c in comments if c.timestamp_s is not None]
    without = sorted((c for c in comments if c.timestamp_s is None), key=lambda c: c.pk)
    with_time.sort(key=lambda c: (c.timestamp_s, c.pk), reverse=descending)
    if descending:
        # Descending by time then id descending too: nulls first, as PostgreSQL sorts them.
        return [c.pk for c in reversed(without)] + [c.pk for c in with_time]
    return [c.pk for c in with_time] + [c.pk for c in without]


@pytest.mark.parametrize("page_size", [1, 2, 3, 50])
def test_a_cursor_walk_shows_every_comment_once_in_time_order_with_nulls_last(
    api, cut, timed, page_size
):
    seen = _walk(
        api, f"/api/comments/?cut={cut.pk}&ordering=timestamp_s&page_size={page_size}&cursor="
    )
    assert seen == _expected(timed, descending=False)


def test_a_cursor_walk_in_reverse_order(api, cut, timed):
    seen = _walk(api, f"/api/comments/?cut={cut.pk}&ordering=-timestamp_s,-id&page_size=2&cursor=")
    assert seen == _expected(timed, descending=True)


def test_the_default_order_pages_by_cursor_too(api, cut, timed):
    assert _walk(api, f"/api/comments/?cut={cut.pk}&page_size=3&cursor=") == _expected(
        timed, descending=False
    )


def test_other_lists_page_by_cursor_through_the_same_rows_as_by_page(api, world):
    # (The same order too, but for where rows without a time go: a cursor puts them last on
    # every database, as PostgreSQL does; SQLite's page= puts them first.)
    for path in ("/api/errata/", "/api/findings/", "/api/comments/", "/api/videos/"):
        paged = _walk(api, f"{path}?page_size=2&cursor=")
        listed = api.get(f"{path}?page_size=200").json()["results"]
        assert len(paged) == len(set(paged)) == len(listed) >= 1
        assert set(paged) == {row["id"] for row in listed}


def test_rows_added_behind_the_cursor_do_not_shift_the_next_page(api, cut, timed):
    first = api.get(f"/api/comments/?cut={cut.pk}&ordering=timestamp_s&page_size=3&cursor=").json()
    factories.CommentFactory(cut=cut, timestamp_s=1.0)  # sorts before the whole first page
    second = api.get(first["next"]).json()
    expected = _expected(timed, descending=False)
    assert [row["id"] for row in second["results"]] == expected[3:6]


def test_page_numbers_still_work_with_their_count(api, cut, timed):
    body = api.get(f"/api/comments/?cut={cut.pk}&page=2&page_size=3").json()
    assert body["count"] == len(timed)
    assert len(body["results"]) == 3


def _cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 !",
        "%00",
        _cursor(["a list"]),
        _cursor({"o": "cut_id,timestamp_s,id", "v": [1, 2]}),
        _cursor({"o": "-id", "v": [1]}),
        _cursor({"o": "cut_id,timestamp_s,id", "v": [None, 2.0, 3]}),
        _cursor({"o": "cut_id,timestamp_s,id", "v": ["x", 2.0, 3]}),
        _cursor({"o": "cut_id,timestamp_s,id", "v": [{"a": 1}, 2.0, 3]}),
        _cursor({"o": "cut_id,timestamp_s,id", "v": [1, 2.0, 10**40]}),
        _cursor({"o": "cut_id,timestamp_s,id", "v": [1, float("nan"), 3]}),
        _cursor({"o": "cut_id,timestamp_s,id", "v": [True, 2.0, 3]}),
        "A" * 5000,
    ],
)
def test_a_cursor_that_is_not_one_of_this_lists_is_a_400_naming_it(api, cut, timed, cursor):
    response = api.get(f"/api/comments/?cut={cut.pk}", {"cursor": cursor})
    assert response.status_code == 400, response.content
    assert "cursor" in response.json()["fields"]


def test_a_cursor_page_is_a_fixed_number_of_queries(api, cut, django_assert_max_num_queries):
    for i in range(60):
        factories.CommentFactory(cut=cut, timestamp_s=float(i))
    first = api.get(f"/api/comments/?cut={cut.pk}&cursor=").json()
    with django_assert_max_num_queries(4):
        second = api.get(first["next"])
    assert second.status_code == 200
    assert len(second.json()["results"]) == 10
