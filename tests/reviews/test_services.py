"""Review links and what is posted through them, through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from errata.findings.selectors import finding_duplicate_candidates
from errata.models import Comment, MeToo, Reviewer
from errata.reviews.services import (
    COMMENT_MAX_LENGTH,
    ReviewLinkClosed,
    metoo_add,
    review_comment_create,
    review_link_create,
    review_link_revoke,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_creator_makes_a_private_link_with_an_unguessable_token(cut, creator):
    link = review_link_create(cut=cut, label="  Patreon   early access ", created_by=creator)
    other = review_link_create(cut=cut)
    assert link.label == "Patreon early access"
    assert len(link.token) >= 43 and link.token != other.token
    assert (link.can_comment, link.show_others_comments, link.expires_at) == (True, True, None)
    assert link.get_absolute_url() == f"/r/{link.token}/"
    assert link.closed_reason() == ""


def test_an_expiry_in_the_past_is_refused(cut):
    with pytest.raises(ValidationError, match="in the future"):
        review_link_create(cut=cut, expires_at=timezone.now() - timedelta(hours=1))


def test_revoking_takes_effect_at_once_and_twice_changes_nothing(review_link):
    assert review_link.closed_reason() == ""
    assert review_link_revoke(review_link=review_link) is True
    assert review_link.closed_reason() == "revoked"
    revoked_at = review_link.revoked_at
    assert review_link_revoke(review_link=review_link) is False
    assert review_link.revoked_at == revoked_at


def test_a_comment_through_a_revoked_link_is_refused_and_leaves_no_guest(review_link):
    review_link_revoke(review_link=review_link)
    with pytest.raises(ReviewLinkClosed) as refused:
        review_comment_create(review_link=review_link, text="hi", guest_name="Ada")
    assert refused.value.reason == "revoked"
    assert (Comment.objects.count(), Reviewer.objects.count()) == (0, 0)


def test_a_comment_through_an_expired_link_is_refused(cut):
    link = factories.ReviewLinkFactory(cut=cut, expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ReviewLinkClosed, match="expired"):
        review_comment_create(review_link=link, text="hi", guest_name="Ada")


def test_a_comment_through_a_watch_only_link_is_refused(cut):
    link = factories.ReviewLinkFactory(cut=cut, can_comment=False)
    with pytest.raises(PermissionDenied):
        review_comment_create(review_link=link, text="hi", guest_name="Ada")
    assert Comment.objects.count() == 0


def test_a_refused_comment_leaves_no_stray_guest(review_link):
    with pytest.raises(ValidationError):
        review_comment_create(
            review_link=review_link, text="x" * (COMMENT_MAX_LENGTH + 1), guest_name="A"
        )
    with pytest.raises(ValidationError):
        review_comment_create(review_link=review_link, text="hi", timestamp_s=5000, guest_name="A")
    assert (Comment.objects.count(), Reviewer.objects.count()) == (0, 0)


def test_a_guest_needs_a_name_and_a_plausible_email(review_link):
    with pytest.raises(ValidationError, match="Tell us your name"):
        review_comment_create(review_link=review_link, text="hi", guest_name="  ")
    with pytest.raises(ValidationError, match="email"):
        review_comment_create(
            review_link=review_link, text="hi", guest_name="Ada", guest_email="not-an-address"
        )
    comment = review_comment_create(
        review_link=review_link, text="hi", guest_name=" Ada  L. ", guest_email="a@example.com"
    )
    assert (comment.reviewer.display_name, comment.author_name) == ("Ada L.", "Ada L.")


def test_a_user_comments_as_the_same_reviewer_every_time(review_link, outsider):
    first = review_comment_create(review_link=review_link, text="one", user=outsider)
    second = review_comment_create(review_link=review_link, text="two", user=outsider)
    assert first.reviewer == second.reviewer
    assert first.reviewer.user == outsider


def test_on_a_link_that_hides_others_a_patron_replies_only_to_their_own_or_the_creators(cut):
    link = factories.ReviewLinkFactory(cut=cut, show_others_comments=False)
    someone = factories.CommentFactory(cut=cut)
    creators = factories.CommentFactory(cut=cut, author_role="creator", reviewer=None)
    with pytest.raises(ValidationError, match="your own comments"):
        review_comment_create(review_link=link, text="hi", parent=someone, guest_name="Ada")
    reply = review_comment_create(
        review_link=link, text="thanks", parent=creators, guest_name="Ada"
    )
    assert reply.parent == creators


def test_me_too_counts_once_per_reviewer_and_is_credited(review_link, cut, patron):
    finding = factories.FindingFactory(comment=factories.CommentFactory(cut=cut))
    metoo, created = metoo_add(finding=finding, review_link=review_link, reviewer=patron)
    assert created and metoo.reviewer == patron
    _, created_again = metoo_add(finding=finding, review_link=review_link, reviewer=patron)
    assert not created_again
    assert MeToo.objects.filter(finding=finding).count() == 1


def test_me_too_on_a_dismissed_report_or_through_a_hiding_link_is_refused(cut, patron):
    link = factories.ReviewLinkFactory(cut=cut)
    dismissed = factories.FindingFactory(
        comment=factories.CommentFactory(cut=cut), state="dismissed"
    )
    with pytest.raises(ValidationError, match="set this report aside"):
        metoo_add(finding=dismissed, review_link=link, reviewer=patron)
    hiding = factories.ReviewLinkFactory(cut=cut, show_others_comments=False)
    finding = factories.FindingFactory(comment=factories.CommentFactory(cut=cut))
    with pytest.raises(ValidationError):
        metoo_add(finding=finding, review_link=hiding, reviewer=patron)
    assert MeToo.objects.count() == 0


def test_duplicate_candidates_for_typed_text_leave_out_the_viewers_own(cut, patron):
    mine = factories.FindingFactory(
        comment=factories.CommentFactory(cut=cut, reviewer=patron), timestamp_s=360
    )
    theirs = factories.FindingFactory(comment=factories.CommentFactory(cut=cut), timestamp_s=362)
    far = factories.FindingFactory(comment=factories.CommentFactory(cut=cut), timestamp_s=900)
    found = finding_duplicate_candidates(
        cut_id=cut.pk, timestamp_s=361, tokens=[], exclude_reviewer_id=patron.pk
    )
    assert [f.pk for f in found] == [theirs.pk]
    assert mine.pk not in [f.pk for f in found] and far.pk not in [f.pk for f in found]


def test_a_creator_makes_and_revokes_links_in_the_admin(client, cut):
    from django.urls import reverse

    from errata.models import ReviewLink

    admin_user = factories.UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:errata_reviewlink_add"),
        {
            "cut": cut.pk,
            "label": "Patreon early access",
            "can_comment": "on",
            "show_others_comments": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    link = ReviewLink.objects.get()
    assert link.created_by == admin_user and len(link.token) >= 43
    page = client.get(reverse("admin:errata_reviewlink_change", args=[link.pk])).content.decode()
    assert f"/r/{link.token}/" in page
    past = client.post(
        reverse("admin:errata_reviewlink_add"),
        {"cut": cut.pk, "label": "old", "expires_at_0": "2000-01-01", "expires_at_1": "10:00"},
    )
    assert "must be in the future" in past.content.decode()
    client.post(
        reverse("admin:errata_reviewlink_changelist"),
        {"action": "revoke", "_selected_action": [link.pk]},
    )
    link.refresh_from_db()
    assert link.closed_reason() == "revoked"
