"""Filtering (django-filter), stable pagination and ordering on the list endpoints."""

from __future__ import annotations

import pytest

from errata.models import Finding
from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(creator):
    return token_client(creator)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_errata_filter_by_status_category_remedy_scene_and_time(api, world):
    open_, dup, fixed, wontfix = (
        world.erratum_open,
        world.erratum_dup,
        world.erratum_fixed,
        world.erratum_wontfix,
    )
    assert set(_ids(api.get("/api/errata/?status=open"))) == {open_.pk, dup.pk}
    assert set(_ids(api.get("/api/errata/?status=fixed&status=wontfix"))) == {fixed.pk, wontfix.pk}
    api.patch(f"/api/errata/{dup.pk}/", {"category": "narration", "remedy": "rerecord"})
    assert _ids(api.get("/api/errata/?category=narration")) == [dup.pk]
    assert _ids(api.get("/api/errata/?remedy=rerecord")) == [dup.pk]
    api.patch(f"/api/errata/{open_.pk}/", {"scene": world.scenes[1].pk}, format="json")
    assert _ids(api.get(f"/api/errata/?scene={world.scenes[1].pk}")) == [open_.pk]
    # open_ is at 2:00, dup 2:01, fixed 9:00, wontfix 10:00 (timestamps from the factory: none).
    for erratum, seconds in [(open_, 120), (dup, 121), (fixed, 540), (wontfix, 600)]:
        api.patch(f"/api/errata/{erratum.pk}/", {"timestamp_s": seconds})
    assert _ids(api.get("/api/errata/?time_from=121&time_to=540")) == [dup.pk, fixed.pk]
    assert _ids(api.get(f"/api/errata/?video={world.video.slug}&status=open&time_to=120")) == [
        open_.pk
    ]


def test_findings_filter_by_the_creators_category_over_the_suggestion(api, world):
    first, second = world.findings_new
    Finding.objects.filter(pk=first.pk).update(suggested_category="typo", category="notation")
    Finding.objects.filter(pk=second.pk).update(suggested_category="notation", category="")
    notation = set(_ids(api.get(f"/api/findings/?cut={world.cut.pk}&category=notation")))
    assert {first.pk, second.pk} <= notation
    assert first.pk not in _ids(api.get("/api/findings/?category=typo"))


def test_findings_filter_by_the_creators_scene_over_the_suggestion(api, world):
    intro, mabye, _ = world.scenes
    first, second = world.findings_new
    Finding.objects.filter(pk=first.pk).update(suggested_scene=intro, scene=mabye)
    Finding.objects.filter(pk=second.pk).update(suggested_scene=mabye, scene=None)
    assert set(_ids(api.get(f"/api/findings/?scene={mabye.pk}"))) == {first.pk, second.pk}
    assert _ids(api.get(f"/api/findings/?scene={intro.pk}")) == []


def test_findings_filter_by_state_and_time(api, world):
    assert set(_ids(api.get("/api/findings/?state=new"))) == {f.pk for f in world.findings_new}
    assert _ids(api.get("/api/findings/?state=dismissed")) == [world.finding_dismissed.pk]
    assert _ids(api.get("/api/findings/?time_from=359&time_to=400")) == [world.findings_new[1].pk]


def test_paging_through_rows_with_equal_times_shows_each_row_exactly_once(api, cut):
    comments = [factories.CommentFactory(cut=cut, timestamp_s=60.0) for _ in range(7)]
    seen, url = [], "/api/comments/?page_size=3&ordering=timestamp_s"
    while url:
        page = api.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == sorted(c.pk for c in comments)


def test_ordering_can_be_reversed_and_keeps_the_tiebreaker(api, cut):
    early = factories.CommentFactory(cut=cut, timestamp_s=10.0)
    late = [factories.CommentFactory(cut=cut, timestamp_s=500.0) for _ in range(2)]
    ids = _ids(api.get("/api/comments/?ordering=-timestamp_s"))
    assert ids == [late[0].pk, late[1].pk, early.pk]


def test_an_unknown_ordering_field_is_ignored(api, cut):
    factories.CommentFactory(cut=cut)
    assert api.get("/api/comments/?ordering=password").status_code == 200


def test_a_page_size_over_the_maximum_is_capped(api, cut):
    for _ in range(3):
        factories.CommentFactory(cut=cut)
    body = api.get("/api/comments/?page_size=100000").json()
    assert (body["count"], len(body["results"])) == (3, 3)


def test_a_page_past_the_end_is_a_404(api, cut):
    factories.CommentFactory(cut=cut)
    response = api.get("/api/comments/?page=5")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_an_erratums_correction_is_read_and_edited_as_one_object(api, world):
    url = f"/api/errata/{world.erratum_open.pk}/"
    assert api.get(url).json()["correction"] is None
    response = api.patch(url, {"correction": {"wrong": "mabye", "right": "maybe"}}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["correction"] == {"wrong": "mabye", "right": "maybe"}
    for bad in ({"wrong": "mabye"}, {"wrong": "x" * 201, "right": "y"}, "maybe", {"right": ""}):
        refused = api.patch(url, {"correction": bad}, format="json")
        assert refused.status_code == 400, bad
        assert "correction" in refused.content.decode()
    assert api.get(url).json()["correction"] == {"wrong": "mabye", "right": "maybe"}
    cleared = api.patch(url, {"correction": None}, format="json")
    assert cleared.json()["correction"] is None
