"""Taking something back on the review page over HTTP: a me-too's Undo, and Edit and Delete
on one's own comment for 15 minutes (gone after, and refused by the server); a watch-only link
shows no composer hints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from errata.fixes.services import erratum_create_from_findings
from errata.models import Comment, Finding, MeToo
from errata.reviews.services import comment_create
from errata.web.review.views import REVIEWER_COOKIE
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(link, suffix: str = "") -> str:
    return f"{link.get_absolute_url()}{suffix}"


@pytest.fixture
def posted(client, review_link, django_capture_on_commit_callbacks):
    """A guest posts a typo report through the page; this client is that guest."""
    data = {
        "text": "typo: 'teh' at 0:05",
        "time": "",
        "time_source": "player",
        "player_time": "",
        "name": "Ada",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(review_link, "comments/new/"), data, **HTMX)
    assert response.status_code == 200
    return Comment.objects.get(text="typo: 'teh' at 0:05")


def _stranger(review_link) -> Client:
    stranger = Client()
    stranger.get(_url(review_link))
    return stranger


def test_the_author_sees_edit_and_delete_and_others_do_not(client, review_link, posted):
    mine = client.get(_url(review_link)).content.decode()
    assert f'id="comment-{posted.pk}-actions"' in mine
    assert "You can change it for 15 minutes after posting." in mine
    theirs = _stranger(review_link).get(_url(review_link)).content.decode()
    assert f'id="comment-{posted.pk}-actions"' not in theirs


def test_the_author_edits_and_the_thread_comes_back_with_the_new_text_and_findings(
    client, review_link, posted, django_capture_on_commit_callbacks
):
    form = client.get(_url(review_link, f"comments/{posted.pk}/edit/"), **HTMX)
    assert form.status_code == 200
    assert "typo: &#x27;teh&#x27; at 0:05</textarea>" in form.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(review_link, f"comments/{posted.pk}/edit/"),
            {"text": "typo: 'tiem' should be 'time' at 0:07"},
            **HTMX,
        )
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#comment-{posted.pk}"
    assert "tiem" in response.content.decode()
    posted.refresh_from_db()
    assert posted.text == "typo: 'tiem' should be 'time' at 0:07"
    assert [f.timestamp_s for f in Finding.objects.filter(comment=posted)] == [7]


def test_an_empty_edit_is_a_400_naming_the_text(client, review_link, posted):
    response = client.post(_url(review_link, f"comments/{posted.pk}/edit/"), {"text": " "}, **HTMX)
    assert response.status_code == 400
    assert "A comment needs some text." in response.content.decode()
    posted.refresh_from_db()
    assert posted.text == "typo: 'teh' at 0:05"


def test_someone_else_is_refused_with_a_message_and_nothing_changes(review_link, posted):
    stranger = _stranger(review_link)
    edit = stranger.post(_url(review_link, f"comments/{posted.pk}/edit/"), {"text": "x"}, **HTMX)
    delete = stranger.post(_url(review_link, f"comments/{posted.pk}/delete/"), **HTMX)
    for response in (edit, delete):
        assert response.status_code == 403
        assert "only change your own comments" in response.content.decode()
    assert Comment.objects.get(pk=posted.pk).text == "typo: 'teh' at 0:05"


def test_after_fifteen_minutes_the_buttons_are_gone_and_the_server_refuses(
    client, review_link, posted
):
    Comment.objects.filter(pk=posted.pk).update(
        created_at=timezone.now() - timedelta(minutes=15, seconds=1)
    )
    page = client.get(_url(review_link)).content.decode()
    assert f'id="comment-{posted.pk}-actions"' not in page
    form = client.get(_url(review_link, f"comments/{posted.pk}/edit/"), **HTMX)
    edit = client.post(_url(review_link, f"comments/{posted.pk}/edit/"), {"text": "x"}, **HTMX)
    delete = client.post(_url(review_link, f"comments/{posted.pk}/delete/"), **HTMX)
    for response in (form, edit, delete):
        assert response.status_code == 403
        assert "can no longer be changed" in response.content.decode()
    assert Comment.objects.filter(pk=posted.pk, text="typo: 'teh' at 0:05").exists()


def test_once_in_an_erratum_the_buttons_go_and_a_change_is_refused(client, review_link, posted):
    erratum_create_from_findings(finding_ids=[posted.findings.get().pk])
    assert f'id="comment-{posted.pk}-actions"' not in client.get(_url(review_link)).content.decode()
    response = client.post(_url(review_link, f"comments/{posted.pk}/delete/"), **HTMX)
    assert response.status_code == 403
    assert "into an erratum" in response.content.decode()


def test_the_author_deletes_and_the_list_count_and_inbox_lose_it(
    client, creator, review_link, posted
):
    finding = posted.findings.get()
    studio = Client()
    studio.force_login(creator)
    inbox_url = f"/studio/videos/{review_link.cut.video.slug}/cuts/{review_link.cut.number}/inbox/"
    inbox = studio.get(inbox_url)
    assert inbox.status_code == 200 and "teh" in inbox.content.decode()

    response = client.post(_url(review_link, f"comments/{posted.pk}/delete/"), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#comment-{posted.pk}"
    assert '<span id="comment-count" hx-swap-oob="true">0</span>' in response.content.decode()
    assert not Comment.objects.filter(pk=posted.pk).exists()
    assert not Finding.objects.filter(pk=finding.pk).exists()
    assert "teh" not in client.get(_url(review_link)).content.decode()
    assert "teh" not in studio.get(inbox_url).content.decode()


def test_me_too_has_an_undo_that_takes_it_back(client, review_link, cut):
    other = comment_create(cut=cut, text="typo: 'mabye' at 0:06")
    Finding.objects.create(
        comment=other,
        cut=cut,
        position=0,
        text=other.text,
        span_start=0,
        span_end=10,
        suggested_category="typo",
    )
    finding = other.findings.get()
    said = client.post(_url(review_link, f"metoo/{finding.pk}/"), {"name": "Bea"}, **HTMX)
    assert said.status_code == 200
    body = said.content.decode()
    assert "You said me too" in body and f"metoo/{finding.pk}/undo/" in body
    # The guest named by this me-too is greeted by name in the comment box (out of band).
    assert 'id="comment-identity" hx-swap-oob="true"' in body and "Bea" in body
    assert REVIEWER_COOKIE in said.cookies
    assert MeToo.objects.filter(finding=finding).count() == 1

    undone = client.post(_url(review_link, f"metoo/{finding.pk}/undo/"), {}, **HTMX)
    assert undone.status_code == 200
    assert "You said me too" not in undone.content.decode()
    assert 'class="metoo-button"' in undone.content.decode()
    assert MeToo.objects.filter(finding=finding).count() == 0
    # Undo by someone who said nothing changes nothing and is no error.
    assert (
        _stranger(review_link)
        .post(_url(review_link, f"metoo/{finding.pk}/undo/"), {}, **HTMX)
        .status_code
        == 200
    )


def test_undo_for_a_finding_of_another_cut_is_a_404(client, review_link, video):
    elsewhere = factories.FindingFactory(comment__cut=factories.CutFactory(video=video, number=7))
    response = client.post(_url(review_link, f"metoo/{elsewhere.pk}/undo/"), {}, **HTMX)
    assert response.status_code == 404


def test_a_watch_only_link_says_commenting_is_off_and_never_press_c(client, cut):
    link = factories.ReviewLinkFactory(cut=cut, can_comment=False)
    page = client.get(_url(link)).content.decode()
    assert "Commenting is turned off" in page
    assert "Press <kbd>C</kbd>" not in page
    assert "<kbd" not in page
    assert "No comments yet." in page


def test_listing_the_page_with_own_editable_comments_costs_no_query_per_comment(
    client, review_link, cut, posted, django_assert_max_num_queries
):
    for n in range(30):
        comment = factories.CommentFactory(
            cut=cut, text=f"note {n}", timestamp_s=n, reviewer=posted.reviewer
        )
        factories.FindingFactory(comment=comment)
    with django_assert_max_num_queries(20):
        page = client.get(_url(review_link)).content.decode()
    assert page.count('class="own-actions"') == 31
