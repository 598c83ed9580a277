"""Comments over the API: a patron's client on a review link, and the creator's replies. Both go
through services.comment_create (source "api"), so triage follows once the comment is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from errata.models import Comment, Reviewer, ReviewLink
from tests import factories
from tests.api.conftest import link_client, token_client

pytestmark = pytest.mark.django_db

REPORT = "At 5:58 it should be 'maybe' instead of 'mabye'. Also 6:10 the sigma is wrong."


def test_a_patron_posts_through_a_review_link_and_triage_follows(
    review_link, django_capture_on_commit_callbacks
):
    client = link_client(review_link)
    assert not Comment.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/comments/", {"text": REPORT, "author_name": "Ada", "timestamp_s": 357.5}
        )
    assert response.status_code == 201
    body = response.json()
    comment = Comment.objects.get(pk=body["id"])
    assert (comment.cut, comment.review_link, comment.source) == (
        review_link.cut,
        review_link,
        "api",
    )
    assert (comment.author_name, comment.author_role, comment.text) == ("Ada", "patron", REPORT)
    assert body["reviewer_key"] == str(comment.reviewer.key)
    assert comment.triage_state == "done"
    assert [f.timestamp_s for f in comment.findings.order_by("position")] == [358, 370]


def test_the_reviewer_key_lets_a_patron_post_again_as_the_same_person(review_link):
    client = link_client(review_link)
    first = client.post("/api/comments/", {"text": "First!", "author_name": "Ada"}).json()
    client.credentials(
        HTTP_AUTHORIZATION=f"ReviewLink {review_link.token}",
        HTTP_X_ERRATA_REVIEWER=first["reviewer_key"],
    )
    second = client.post("/api/comments/", {"text": "And another thing."}).json()
    assert second["reviewer_key"] == first["reviewer_key"]
    assert Reviewer.objects.count() == 1
    assert second["author_name"] == "Ada"


def test_a_patron_must_say_who_they_are(review_link):
    response = link_client(review_link).post("/api/comments/", {"text": "Anonymous note"})
    assert response.status_code == 400
    assert "author_name" in response.json()["fields"]
    assert not Reviewer.objects.exists()


def test_a_link_without_comments_allowed_cannot_post(cut):
    link = factories.ReviewLinkFactory(cut=cut, can_comment=False)
    response = link_client(link).post("/api/comments/", {"text": "Hi", "author_name": "Ada"})
    assert response.status_code == 403
    assert "Commenting is turned off" in response.json()["detail"]
    assert not Comment.objects.exists()
    assert link_client(link).get("/api/comments/").status_code == 200


def test_an_expired_link_is_refused(cut):
    link = factories.ReviewLinkFactory(cut=cut, expires_at=timezone.now() - timedelta(minutes=1))
    response = link_client(link).get("/api/comments/")
    assert response.status_code == 401
    assert response.json()["detail"] == "This review link has expired."


def test_a_revoked_link_stops_working_at_once(review_link, creator):
    patron = link_client(review_link)
    assert patron.get("/api/comments/").status_code == 200
    revoke = token_client(creator).post(f"/api/review-links/{review_link.pk}/revoke/")
    assert revoke.json()["is_active"] is False
    response = patron.get("/api/comments/")
    assert response.status_code == 401
    assert response.json()["detail"] == "This review link was revoked."


def test_a_link_reads_only_its_own_cuts_comments(review_link, video):
    other_cut = factories.CutFactory(video=video, number=2)
    ours = factories.CommentFactory(cut=review_link.cut)
    theirs = factories.CommentFactory(cut=other_cut)
    client = link_client(review_link)
    assert [c["id"] for c in client.get("/api/comments/").json()["results"]] == [ours.pk]
    assert client.get(f"/api/comments/{theirs.pk}/").status_code == 404
    response = client.post(
        "/api/comments/",
        {"text": "Reply", "author_name": "Ada", "parent": theirs.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "parent" in response.json()["fields"]
    wrong_cut = client.post(
        "/api/comments/", {"text": "Here?", "author_name": "Ada", "cut": other_cut.pk}
    )
    assert wrong_cut.status_code == 400


def test_when_others_comments_are_hidden_a_patron_sees_their_own_and_replies_to_them(cut, creator):
    link = factories.ReviewLinkFactory(cut=cut, show_others_comments=False)
    client = link_client(link)
    mine = client.post("/api/comments/", {"text": "Mine", "author_name": "Ada"}).json()
    factories.CommentFactory(cut=cut, text="Someone else's")
    reply = token_client(creator).post(
        "/api/comments/", {"cut": cut.pk, "parent": mine["id"], "text": "Thanks, fixed!"}
    )
    assert reply.status_code == 201
    assert client.get("/api/comments/").json()["results"] == []  # no key: nobody's own
    client.credentials(
        HTTP_AUTHORIZATION=f"ReviewLink {link.token}", HTTP_X_ERRATA_REVIEWER=mine["reviewer_key"]
    )
    seen = [c["text"] for c in client.get("/api/comments/").json()["results"]]
    assert sorted(seen) == ["Mine", "Thanks, fixed!"]


def test_a_malformed_reviewer_key_is_a_400(review_link):
    client = link_client(review_link)
    client.credentials(
        HTTP_AUTHORIZATION=f"ReviewLink {review_link.token}", HTTP_X_ERRATA_REVIEWER="me"
    )
    response = client.get("/api/comments/")
    assert response.status_code == 400
    assert "X-Errata-Reviewer" in response.json()["fields"]


def test_a_team_member_posts_a_creator_reply(creator, cut, django_capture_on_commit_callbacks):
    question = factories.CommentFactory(cut=cut, text="Is 6:00 a typo?")
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(creator).post(
            "/api/comments/", {"cut": cut.pk, "parent": question.pk, "text": "Yes, fixed in v2."}
        )
    assert response.status_code == 201
    reply = Comment.objects.get(pk=response.json()["id"])
    assert (reply.author_role, reply.source, reply.parent, reply.author_name) == (
        "creator",
        "api",
        question,
        "3blue1brown",
    )
    assert response.json()["reviewer_key"] is None
    assert reply.triage_state == "skipped"  # creator replies are not triaged


def test_a_team_member_must_name_the_cut(creator):
    response = token_client(creator).post("/api/comments/", {"text": "Where does this go?"})
    assert response.status_code == 400
    assert "cut" in response.json()["fields"]


def test_text_is_stored_exactly_as_written(review_link):
    text = '  <a href="x">@59</a>\r\n\tmabye  '
    body = link_client(review_link).post(
        "/api/comments/", {"text": text, "author_name": "Ada"}, format="json"
    )
    assert Comment.objects.get(pk=body.json()["id"]).text == text
    assert body.json()["text"] == text


def test_a_review_link_can_read_its_cut_but_nothing_else(review_link, video):
    client = link_client(review_link)
    response = client.get(f"/api/cuts/{review_link.cut_id}/")
    assert (response.status_code, response.json()["duration_s"]) == (200, 1153.0)
    assert client.get("/api/cuts/").status_code == 403
    assert client.get(f"/api/videos/{video.slug}/").status_code == 403


def test_a_review_link_made_over_the_api_goes_through_the_same_checks(cut, creator):
    client = token_client(creator)
    made = client.post(
        "/api/review-links/", {"cut": cut.pk, "label": "  Patreon   early access "}, format="json"
    )
    assert made.status_code == 201, made.json()
    link = ReviewLink.objects.get(pk=made.json()["id"])
    assert (link.label, link.created_by) == ("Patreon early access", creator)
    assert made.json()["url"].endswith(f"/r/{link.token}/")

    past = (timezone.now() - timedelta(days=1)).isoformat()
    refused = client.post(
        "/api/review-links/", {"cut": cut.pk, "label": "Late", "expires_at": past}, format="json"
    )
    assert refused.status_code == 400
    assert "must be in the future" in str(refused.json())
    assert ReviewLink.objects.count() == 1


def test_a_patron_edits_and_deletes_their_own_comment_with_their_reviewer_key(
    review_link, django_capture_on_commit_callbacks
):
    client = link_client(review_link)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/api/comments/", {"text": "typo 'teh' at 0:05", "author_name": "Ada"})
    body = first.json()
    # Without the key it is nobody's to change.
    refused = client.patch(f"/api/comments/{body['id']}/", {"text": "x"})
    assert refused.status_code == 403
    assert "your own comments" in refused.json()["detail"]

    client.credentials(
        HTTP_AUTHORIZATION=f"ReviewLink {review_link.token}",
        HTTP_X_ERRATA_REVIEWER=body["reviewer_key"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        edited = client.patch(f"/api/comments/{body['id']}/", {"text": "typo 'tiem' at 0:07"})
    assert edited.status_code == 200
    assert edited.json()["text"] == "typo 'tiem' at 0:07"
    comment = Comment.objects.get(pk=body["id"])
    assert [f.timestamp_s for f in comment.findings.all()] == [7]
    assert client.patch(f"/api/comments/{body['id']}/", {"text": ""}).status_code == 400

    assert client.delete(f"/api/comments/{body['id']}/").status_code == 204
    assert not Comment.objects.filter(pk=body["id"]).exists()


def test_after_fifteen_minutes_the_api_refuses_a_change(review_link):
    client = link_client(review_link)
    body = client.post("/api/comments/", {"text": "First!", "author_name": "Ada"}).json()
    Comment.objects.filter(pk=body["id"]).update(created_at=timezone.now() - timedelta(minutes=16))
    client.credentials(
        HTTP_AUTHORIZATION=f"ReviewLink {review_link.token}",
        HTTP_X_ERRATA_REVIEWER=body["reviewer_key"],
    )
    response = client.delete(f"/api/comments/{body['id']}/")
    assert response.status_code == 403
    assert "can no longer be changed" in response.json()["detail"]
    assert Comment.objects.filter(pk=body["id"]).exists()


def test_a_team_member_changes_no_comment_over_the_api(creator, review_link):
    comment = factories.CommentFactory(cut=review_link.cut)
    client = token_client(creator)
    assert client.patch(f"/api/comments/{comment.pk}/", {"text": "x"}).status_code == 403
    assert client.delete(f"/api/comments/{comment.pk}/").status_code == 403
    assert Comment.objects.filter(pk=comment.pk, text=comment.text).exists()
