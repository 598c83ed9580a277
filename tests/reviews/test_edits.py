"""A patron takes something back: a "me too", or their own comment within its edit window,
corrected (triage reads it again) or deleted (its findings leave the creator's inbox)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from errata.fixes.services import erratum_create_from_findings
from errata.models import Comment, Finding, MeToo
from errata.reviews.services import (
    CommentNotEditable,
    metoo_add,
    metoo_remove,
    review_comment_create,
    review_comment_delete,
    review_comment_edit,
    review_link_revoke,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what a block queued for after its commit (triage; tasks run eagerly in tests)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def posted(review_link, committed):
    """A guest's fresh comment through the link, triaged."""
    with committed():
        return review_comment_create(
            review_link=review_link, text="Typo at 0:05: 'teh' should be 'the'", guest_name="Ada"
        )


def test_a_patron_corrects_their_comment_and_triage_reads_the_new_text(
    review_link, posted, committed
):
    before = list(Finding.objects.filter(comment=posted).values_list("text", flat=True))
    assert before and "teh" in before[0]

    with committed():
        review_comment_edit(
            comment=posted,
            review_link=review_link,
            reviewer=posted.reviewer,
            text="At 0:07 the graph axis says 'tiem' instead of 'time'",
        )
    edited = Comment.objects.get(pk=posted.pk)

    assert edited.text.startswith("At 0:07")
    assert edited.triage_state == Comment.TriageState.DONE
    after = list(Finding.objects.filter(comment=posted))
    assert after and all("tiem" in f.text for f in after)
    assert after[0].timestamp_s == 7
    assert not Finding.objects.filter(comment=posted, text__contains="teh").exists()


def test_editing_drops_the_me_toos_on_the_old_reports(review_link, posted):
    finding = Finding.objects.get(comment=posted)
    metoo_add(finding=finding, review_link=review_link, guest_name="Bea")
    review_comment_edit(
        comment=posted, review_link=review_link, reviewer=posted.reviewer, text="Never mind at 0:02"
    )
    assert MeToo.objects.count() == 0


def test_someone_else_cannot_edit_or_delete_a_comment(review_link, posted):
    other = factories.ReviewerFactory()
    for reviewer in (other, None):
        with pytest.raises(CommentNotEditable, match="only change your own"):
            review_comment_edit(
                comment=posted, review_link=review_link, reviewer=reviewer, text="hijacked"
            )
        with pytest.raises(CommentNotEditable, match="only change your own"):
            review_comment_delete(comment=posted, review_link=review_link, reviewer=reviewer)
    posted.refresh_from_db()
    assert posted.text.startswith("Typo at 0:05")


def test_after_fifteen_minutes_the_comment_can_no_longer_be_changed(review_link, posted):
    Comment.objects.filter(pk=posted.pk).update(
        created_at=timezone.now() - Comment.EDIT_WINDOW - timedelta(seconds=1)
    )
    posted.refresh_from_db()
    with pytest.raises(CommentNotEditable, match="15 minutes"):
        review_comment_edit(
            comment=posted, review_link=review_link, reviewer=posted.reviewer, text="late"
        )
    with pytest.raises(CommentNotEditable, match="15 minutes"):
        review_comment_delete(comment=posted, review_link=review_link, reviewer=posted.reviewer)
    assert Comment.objects.filter(pk=posted.pk, text__startswith="Typo").exists()


def test_just_inside_the_window_it_still_can(review_link, posted):
    Comment.objects.filter(pk=posted.pk).update(
        created_at=timezone.now() - Comment.EDIT_WINDOW + timedelta(seconds=30)
    )
    review_comment_delete(comment=posted, review_link=review_link, reviewer=posted.reviewer)
    assert not Comment.objects.filter(pk=posted.pk).exists()


def test_a_comment_whose_report_is_in_an_erratum_is_refused_and_the_erratum_kept(
    review_link, posted
):
    finding = Finding.objects.get(comment=posted)
    erratum = erratum_create_from_findings(finding_ids=[finding.pk])
    with pytest.raises(CommentNotEditable, match="into an erratum"):
        review_comment_edit(
            comment=posted, review_link=review_link, reviewer=posted.reviewer, text="changed"
        )
    with pytest.raises(CommentNotEditable, match="into an erratum"):
        review_comment_delete(comment=posted, review_link=review_link, reviewer=posted.reviewer)
    finding.refresh_from_db()
    assert finding.erratum_id == erratum.pk
    posted.refresh_from_db()
    assert posted.text.startswith("Typo at 0:05")


def test_deleting_removes_the_comment_its_findings_and_their_me_toos(review_link, posted):
    finding = Finding.objects.get(comment=posted)
    metoo_add(finding=finding, review_link=review_link, guest_name="Bea")
    review_comment_delete(comment=posted, review_link=review_link, reviewer=posted.reviewer)
    assert not Comment.objects.filter(pk=posted.pk).exists()
    assert not Finding.objects.filter(pk=finding.pk).exists()
    assert MeToo.objects.count() == 0


def test_a_comment_someone_replied_to_stays_but_a_reply_of_ones_own_goes_with_it(
    review_link, posted
):
    own_reply = review_comment_create(
        review_link=review_link, text="and at 0:06 too", parent=posted, reviewer=posted.reviewer
    )
    review_comment_create(review_link=review_link, text="Thanks!", parent=posted, guest_name="Cy")
    with pytest.raises(CommentNotEditable, match="replied"):
        review_comment_delete(comment=posted, review_link=review_link, reviewer=posted.reviewer)
    # The patron's own reply can go on its own.
    review_comment_delete(comment=own_reply, review_link=review_link, reviewer=posted.reviewer)
    assert list(posted.replies.values_list("text", flat=True)) == ["Thanks!"]


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "needs some text"), ("   \n", "needs some text"), ("x" * 10_001, "at most 10,000")],
)
def test_an_edit_to_nothing_or_too_long_is_refused_naming_the_field(
    review_link, posted, text, message
):
    with pytest.raises(ValidationError) as refused:
        review_comment_edit(
            comment=posted, review_link=review_link, reviewer=posted.reviewer, text=text
        )
    assert message in refused.value.message_dict["text"][0]


def test_nothing_changes_through_a_revoked_link(review_link, posted):
    review_link_revoke(review_link=review_link)
    with pytest.raises(Exception, match="revoked"):
        review_comment_delete(comment=posted, review_link=review_link, reviewer=posted.reviewer)
    assert Comment.objects.filter(pk=posted.pk).exists()


def test_a_comment_on_another_cut_is_not_reached_through_this_link(review_link, posted, video):
    other_link = factories.ReviewLinkFactory(cut=factories.CutFactory(video=video, number=9))
    with pytest.raises(CommentNotEditable):
        review_comment_delete(comment=posted, review_link=other_link, reviewer=posted.reviewer)


def test_a_patron_takes_back_their_me_too_and_only_theirs(review_link, posted):
    finding = Finding.objects.get(comment=posted)
    mine, _ = metoo_add(finding=finding, review_link=review_link, guest_name="Bea")
    theirs, _ = metoo_add(finding=finding, review_link=review_link, guest_name="Cy")
    assert MeToo.objects.filter(finding=finding).count() == 2

    assert metoo_remove(finding=finding, review_link=review_link, reviewer=mine.reviewer) is True
    assert list(MeToo.objects.values_list("pk", flat=True)) == [theirs.pk]
    # Twice, or with nobody, takes nothing more.
    assert metoo_remove(finding=finding, review_link=review_link, reviewer=mine.reviewer) is False
    assert metoo_remove(finding=finding, review_link=review_link, reviewer=None) is False
    assert MeToo.objects.count() == 1
