"""Range comments and drawings through the review page's form, and how the studio shows them:
"6:02\u20136:10" in the inbox, on the board and on the erratum page, and the drawing as SVG built
by the server (never markup from the input)."""

from __future__ import annotations

import json

import pytest

from errata.findings.services import findings_triage
from errata.fixes.services import erratum_create_from_findings
from errata.models import Comment, Finding
from errata.reviews.services import comment_create
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
DRAWING = {
    "t": 362,
    "aspect": 1.7778,
    "shapes": [
        {"kind": "box", "color": "red", "points": [[0.1, 0.2], [0.4, 0.5]]},
        {"kind": "arrow", "color": "yellow", "points": [[0.9, 0.9], [0.5, 0.5]]},
    ],
}


def _post(client, link, **fields):
    data = {
        "text": "The axis flickers",
        "time": "6:02",
        "time_source": "player",
        "player_time": "362",
        "name": "Ada",
    }
    data.update(fields)
    return client.post(f"{link.get_absolute_url()}comments/new/", data, **HTMX)


def test_the_form_posts_a_range_and_a_drawing(client, review_link):
    response = _post(client, review_link, end_time="370.000", drawing=json.dumps(DRAWING))
    assert response.status_code == 200, response.content.decode()
    comment = Comment.objects.get()
    assert (comment.timestamp_s, comment.timestamp_end_s) == (362, 370)
    assert [s["kind"] for s in comment.drawing["shapes"]] == ["box", "arrow"]


@pytest.mark.parametrize(
    ("fields", "error_id", "message"),
    [
        ({"end_time": "350"}, "comment-end-time-errors", "after its start"),
        ({"end_time": "soon"}, "comment-end-time-errors", "is not a time"),
        ({"end_time": "99:00"}, "comment-end-time-errors", "past the end"),
        ({"drawing": '{"shapes": [{"kind": "circle"}]}'}, "comment-drawing-errors", "kind must be"),
        ({"drawing": "<svg onload=alert(1)>"}, "comment-drawing-errors", "not valid JSON"),
    ],
)
def test_a_bad_range_or_drawing_gets_a_400_naming_it_and_keeps_what_was_typed(
    client, review_link, fields, error_id, message
):
    response = _post(client, review_link, **fields)
    body = response.content.decode()
    assert response.status_code == 400
    assert f'id="{error_id}"' in body and message in body
    assert "<svg onload" not in body
    assert not Comment.objects.exists()


def test_the_review_page_offers_range_marks_and_drawing(client, review_link):
    body = client.get(review_link.get_absolute_url()).content.decode()
    assert 'id="mark-in"' in body and 'aria-keyshortcuts="i"' in body
    assert 'id="draw-toolbar"' in body and "review-anchors.js" in body
    watch_only = factories.ReviewLinkFactory(cut=review_link.cut, can_comment=False)
    assert 'id="mark-in"' not in client.get(watch_only.get_absolute_url()).content.decode()


@pytest.fixture
def ranged_erratum(cut):
    comment = comment_create(
        cut=cut, text="The axis flickers", timestamp_s=362, timestamp_end_s=370, drawing=DRAWING
    )
    findings_triage(comment_id=comment.pk)
    return comment


def test_the_inbox_shows_the_range_and_the_drawing_as_server_built_svg(
    client, creator, cut, ranged_erratum
):
    client.force_login(creator)
    body = client.get(f"/studio/videos/{cut.video.slug}/cuts/{cut.number}/inbox/").content.decode()
    assert "6:02\u20136:10" in body
    assert '<svg class="drawing"' in body
    assert 'stroke="#ff3b30"' in body and 'stroke="#ffd60a"' in body


def test_the_board_and_the_erratum_page_show_the_range_and_the_drawing(
    client, creator, cut, ranged_erratum
):
    finding = Finding.objects.get(comment=ranged_erratum)
    erratum = erratum_create_from_findings(finding_ids=[finding.pk], title="Axis flickers")
    client.force_login(creator)
    board = client.get(f"/studio/videos/{cut.video.slug}/cuts/{cut.number}/board/")
    assert "6:02\u20136:10" in board.content.decode()
    page = client.get(f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/").content.decode()
    assert "6:02\u20136:10" in page
    assert '<svg class="drawing"' in page


def test_the_inbox_reads_drawings_without_a_query_per_finding(
    client, creator, cut, django_assert_max_num_queries
):
    for n in range(3):
        comment_create(cut=cut, text=f"Flicker {n}", timestamp_s=10 + n, drawing=DRAWING)
    for comment in Comment.objects.all():
        findings_triage(comment_id=comment.pk)
    client.force_login(creator)
    url = f"/studio/videos/{cut.video.slug}/cuts/{cut.number}/inbox/"
    client.get(url)
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    for n in range(3, 20):
        comment_create(cut=cut, text=f"Flicker {n}", timestamp_s=10 + n, drawing=DRAWING)
    for comment in Comment.objects.filter(findings__isnull=True):
        findings_triage(comment_id=comment.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(url).content.decode()
    # Every finding the inbox lists (a group shows its first few) carries its drawing.
    listed = body.count('<li class="finding"')
    assert listed >= 5 and body.count('<svg class="drawing"') == listed


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("6:02-6:10 the label flickers", 370),
        ("From 6:02 to 6:10 the label flickers", 370),
        ("6:02 \u2013 6:10: flicker", 370),
        ("At 6:02 and again at 6:10 the label flickers", None),
        ("6:10-6:02 backwards is no range", None),
    ],
)
def test_a_range_typed_in_the_text_marks_the_comments_range(
    client, review_link, django_capture_on_commit_callbacks, text, end
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, review_link, text=text, time="", player_time="")
    assert response.status_code == 200, response.content.decode()
    comment = Comment.objects.get()
    assert comment.timestamp_end_s == end
    first = comment.findings.order_by("position").first()
    assert first.timestamp_end_s == (end if first.timestamp_s == comment.timestamp_s else None)


def test_a_time_set_by_hand_is_a_point_even_if_the_text_names_a_range(client, review_link):
    _post(client, review_link, text="6:02-6:10 flicker", time="1:00", time_source="manual")
    comment = Comment.objects.get()
    assert (comment.timestamp_s, comment.timestamp_end_s) == (60, None)


def test_a_reply_leaves_a_range_or_drawing_marked_on_the_video_behind(client, review_link, cut):
    first = factories.CommentFactory(cut=cut, text="The sigma is wrong", timestamp_s=300)
    response = _post(
        client,
        review_link,
        text="Agreed",
        time="",
        parent=str(first.pk),
        end_time="370",
        drawing=json.dumps(DRAWING),
    )
    assert response.status_code == 200, response.content.decode()
    reply = Comment.objects.get(parent=first)
    assert (reply.timestamp_s, reply.timestamp_end_s, reply.drawing) == (None, None, None)
