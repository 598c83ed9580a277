"""Range comments and drawings over the API: the same rules as the review page, refusals
naming the field (400, never a 500), and both read back."""

from __future__ import annotations

import pytest

from errata.models import Comment
from tests.api.conftest import link_client, token_client

pytestmark = pytest.mark.django_db

DRAWING = {
    "t": 362.5,
    "aspect": 1.7778,
    "shapes": [
        {"kind": "box", "color": "red", "points": [[0.1, 0.2], [0.4, 0.5]]},
        {"kind": "arrow", "color": "cyan", "points": [[0.9, 0.9], [0.5, 0.5]]},
    ],
}


def test_a_patron_posts_a_range_comment_with_a_drawing_and_reads_both_back(review_link):
    client = link_client(review_link)
    response = client.post(
        "/api/comments/",
        {
            "text": "The arrow points at the wrong neuron",
            "author_name": "Ada",
            "timestamp_s": 362.5,
            "timestamp_end_s": 370,
            "drawing": DRAWING,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["timestamp_s"], body["timestamp_end_s"]) == (362.5, 370)
    assert [s["kind"] for s in body["drawing"]["shapes"]] == ["box", "arrow"]
    comment = Comment.objects.get(pk=body["id"])
    assert comment.drawing["shapes"][1]["color"] == "cyan"

    listed = client.get(f"/api/comments/{comment.pk}/").json()
    assert listed["timestamp_end_s"] == 370 and listed["drawing"] == comment.drawing


def test_the_creator_posts_a_range_over_the_api_as_well(cut, creator):
    client = token_client(creator)
    response = client.post(
        "/api/comments/",
        {"cut": cut.pk, "text": "Range note", "timestamp_s": 10, "timestamp_end_s": 12},
        format="json",
    )
    assert response.status_code == 201
    assert Comment.objects.get().timestamp_end_s == 12


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"timestamp_s": 370, "timestamp_end_s": 362}, "timestamp_end_s"),
        ({"timestamp_end_s": 362}, "timestamp_end_s"),
        ({"timestamp_s": 10, "timestamp_end_s": 5000}, "timestamp_end_s"),
        ({"timestamp_s": 10, "timestamp_end_s": "soon"}, "timestamp_end_s"),
        ({"drawing": "not json"}, "drawing"),
        ({"drawing": {"shapes": [{"kind": "circle"}]}}, "drawing"),
        (
            {"drawing": {"shapes": [{"kind": "box", "color": "red", "points": [[2, 0], [0, 0]]}]}},
            "drawing",
        ),
        ({"drawing": [[[[[[[[[[[]]]]]]]]]]]}, "drawing"),
        (
            {"drawing": {"shapes": [{"kind": "free", "color": "red", "points": [[0, 0]] * 5000}]}},
            "drawing",
        ),
    ],
)
def test_a_bad_range_or_drawing_is_refused_naming_the_field(review_link, payload, field):
    response = link_client(review_link).post(
        "/api/comments/", {"text": "Look", "author_name": "Ada", **payload}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not Comment.objects.exists()
