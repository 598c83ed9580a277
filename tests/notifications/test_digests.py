"""The team's digest: new comments and findings per cut, at most once a day for daily members,
soon after comments arrive for immediate ones, never for those who turned it off, and only when
there is something new. Time is passed in explicitly (`now=`), so the days go by in a test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from errata.models import Comment, Finding, Membership, Notification
from errata.notifications.digests import DIGEST_COMMENTS_PER_CUT, digest_send_to, digests_send
from errata.notifications.services import membership_digest_set
from errata.reviews.services import review_comment_create
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime(2031, 3, 1, 0, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Day 1 is the day the team was set up; hours in UTC (the test settings' TIME_ZONE)."""
    return START + timedelta(days=day - 1, hours=hour, minutes=minute)


@pytest.fixture
def members(creator, teammate):
    """The creator (daily, the default) and the editor, both members since day 1 at midnight."""
    Membership.objects.update(created_at=START)
    return {
        "creator": Membership.objects.get(user=creator),
        "editor": Membership.objects.get(user=teammate),
    }


def triaged(cut, text, when, *, name="Ada", categories=("typo",), time=None, role="patron"):
    """A patron comment that triage finished at `when`, with one finding per category."""
    reviewer = factories.ReviewerFactory(display_name=name)
    comment = factories.CommentFactory(
        cut=cut,
        reviewer=reviewer,
        text=text,
        timestamp_s=time,
        author_role=role,
        triage_state="done" if role == "patron" else "skipped",
        triaged_at=when,
    )
    for position, category in enumerate(categories):
        factories.FindingFactory(
            comment=comment, position=position, suggested_category=category, timestamp_s=time
        )
    return comment


def send(now, django_capture_on_commit_callbacks, **kwargs) -> list[mail.EmailMessage]:
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        digests_send(now=now, **kwargs)
    return mail.outbox[before:]


def test_the_digest_lists_new_comments_and_findings_per_cut(
    cut, members, outsider, django_capture_on_commit_callbacks
):
    cut2 = factories.CutFactory(video=cut.video, number=2, duration_s=1160, label="v2")
    triaged(
        cut,
        "“mabye” at 5:58 and the sigma is wrong",
        at(1, 5),
        categories=["typo", "notation"],
        time=358,
    )
    triaged(cut, "Lovely <b>video</b>!", at(1, 6), name="Bob", categories=["none"])
    triaged(cut2, "The arrow overlaps the label", at(1, 6, 30), name="Cleo", categories=["visual"])
    # Not in it: the creator's reply, a comment still untriaged, another team's video.
    triaged(cut, "Thanks, fixing it", at(1, 6), name="Grant", role="creator")
    factories.CommentFactory(cut=cut, text="not triaged yet", triage_state="pending")
    elsewhere = factories.CutFactory(
        video=factories.VideoFactory(team=outsider.memberships.get().team)
    )
    triaged(elsewhere, "someone else's video", at(1, 6))

    sent = send(at(1, 7), django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in sent) == [
        "editor@example.com",
        "grant@example.com",
        "outsider@example.com",
    ]
    to_outsider = next(m for m in sent if m.to == ["outsider@example.com"])
    assert "someone else's video" in to_outsider.body
    assert "mabye" not in to_outsider.body
    message = next(m for m in sent if m.to == ["grant@example.com"])
    assert message.subject == "3 new comments on 2 cuts · Three Blue"
    body = message.body
    assert "3 comments with 4 findings" in body
    assert "== Neural networks, cut 1 (Early view) ==" in body
    assert "2 comments from 2 people; findings: 1 none, 1 notation, 1 typo" in body
    assert "Ada at 5:58 [notation, typo]" in body
    assert "“mabye” at 5:58 and the sigma is wrong" in body
    assert "== Neural networks, cut 2 (v2) ==" in body
    assert "http://127.0.0.1:8000/studio/videos/nn/cuts/2/inbox/" in body
    for absent in ("Thanks, fixing it", "not triaged yet", "someone else's video"):
        assert absent not in body
    html = message.alternatives[0][0]
    # Patron text is escaped in the HTML part, never markup.
    assert "Lovely &lt;b&gt;video&lt;/b&gt;!" in html
    assert "<b>video</b>" not in html


def test_a_busy_cut_lists_the_first_comments_and_counts_the_rest(
    cut, members, django_capture_on_commit_callbacks
):
    for i in range(DIGEST_COMMENTS_PER_CUT + 5):
        triaged(cut, f"report number {i}", at(1, 5), time=i)
    message = send(at(1, 7), django_capture_on_commit_callbacks)[0]
    assert "report number 24" in message.body
    assert "report number 25" not in message.body
    assert "...and 5 more." in message.body


def test_daily_digests_come_at_most_once_a_day_and_only_with_something_new(
    cut, members, django_capture_on_commit_callbacks
):
    creator = members["creator"]
    triaged(cut, "first report", at(1, 6))

    day1 = send(at(1, 7), django_capture_on_commit_callbacks)
    assert len(day1) == 2
    creator.refresh_from_db()
    assert creator.last_digest_at == at(1, 7)

    # New comments later the same day wait for tomorrow, however often the beat runs.
    triaged(cut, "second report", at(1, 11))
    assert send(at(1, 12), django_capture_on_commit_callbacks) == []
    assert send(at(1, 23, 59), django_capture_on_commit_callbacks) == []

    day2 = send(at(2, 7), django_capture_on_commit_callbacks)
    assert len(day2) == 2
    assert all("second report" in m.body and "first report" not in m.body for m in day2)

    # Nothing new on day 3: no mail, and the window still starts at day 2's digest.
    assert send(at(3, 7), django_capture_on_commit_callbacks) == []
    creator.refresh_from_db()
    assert creator.last_digest_at == at(2, 7)

    triaged(cut, "third report", at(3, 9))
    day4 = send(at(4, 7), django_capture_on_commit_callbacks)
    assert [("third report" in m.body, "second report" in m.body) for m in day4] == [
        (True, False),
        (True, False),
    ]


def test_a_late_beat_does_not_make_the_next_day_skip(
    cut, members, django_capture_on_commit_callbacks
):
    """Calendar days, not 24 hours: a digest at 7:05 one day does not hold back the next one
    at 7:00."""
    triaged(cut, "first report", at(1, 6))
    assert len(send(at(1, 7, 5), django_capture_on_commit_callbacks)) == 2
    triaged(cut, "second report", at(1, 20))
    assert len(send(at(2, 7), django_capture_on_commit_callbacks)) == 2


def test_immediate_members_hear_as_comments_arrive_and_daily_members_wait(
    review_link, members, django_capture_on_commit_callbacks, settings
):
    # "Tomorrow" is now + 1 day, whatever the hour: between midnight and DIGEST_HOUR the daily
    # run would rightly wait, so the morning hour is midnight here.
    settings.DIGEST_HOUR = 0
    Membership.objects.update(created_at=timezone.now() - timedelta(hours=1))
    membership_digest_set(membership=members["editor"], digest="immediate")
    with django_capture_on_commit_callbacks(execute=True):
        review_comment_create(
            review_link=review_link,
            text="At 5:58 it says mabye",
            guest_name="Ada",
            guest_email="ada@example.com",
        )
    assert [m.to for m in mail.outbox] == [["editor@example.com"]]
    assert "At 5:58 it says mabye" in mail.outbox[0].body
    assert "You get this as comments arrive" in mail.outbox[0].body

    # The daily run: the creator gets it; the editor has already heard everything.
    tomorrow = timezone.now() + timedelta(days=1)
    sent = send(tomorrow, django_capture_on_commit_callbacks)
    assert [m.to for m in sent] == [["grant@example.com"]]


def test_a_comment_by_the_team_queues_no_immediate_digest(
    review_link, members, creator, django_capture_on_commit_callbacks
):
    membership_digest_set(membership=members["editor"], digest="immediate")
    with django_capture_on_commit_callbacks(execute=True):
        review_comment_create(review_link=review_link, text="Fixed in v2", user=creator)
    assert mail.outbox == []


def test_members_who_turned_it_off_or_have_no_address_get_nothing(
    cut, members, teammate, django_capture_on_commit_callbacks
):
    membership_digest_set(membership=members["creator"], digest="off")
    teammate.email = ""
    teammate.save()
    triaged(cut, "a report", at(1, 6))
    assert send(at(1, 7), django_capture_on_commit_callbacks) == []
    assert not Notification.objects.exists()


def test_the_digest_unsubscribe_link_turns_it_off(
    client, cut, members, django_capture_on_commit_callbacks
):
    triaged(cut, "a report", at(1, 6))
    message = next(
        m
        for m in send(at(1, 7), django_capture_on_commit_callbacks)
        if m.to == ["grant@example.com"]
    )
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    response = client.get(unsubscribe)
    assert b"the digest of new comments for Three Blue" in response.content
    client.post(unsubscribe)
    members["creator"].refresh_from_db()
    assert members["creator"].digest == "off"

    triaged(cut, "another report", at(1, 9))
    assert [m.to for m in send(at(2, 7), django_capture_on_commit_callbacks)] == [
        ["editor@example.com"]
    ]


def test_turning_the_digest_back_on_starts_from_then(members):
    """Not with everything that happened while it was off."""
    creator = members["creator"]
    membership_digest_set(membership=creator, digest="off")
    membership_digest_set(membership=creator, digest="daily")
    assert creator.last_digest_at > timezone.now() - timedelta(minutes=1)


def test_two_runs_at_once_make_one_digest(cut, members, django_capture_on_commit_callbacks):
    """Two beats (or a beat and an immediate run) read the same member before either claims it:
    the conditional update on the window's start lets only the first one through."""
    creator = members["creator"]
    triaged(cut, "a report", at(1, 6))
    stale = Membership.objects.select_related("team", "user").get(pk=creator.pk)
    with django_capture_on_commit_callbacks(execute=True):
        first = digest_send_to(membership=creator, now=at(1, 7))
        second = digest_send_to(membership=stale, now=at(1, 7, 1))
    assert first is not None
    assert second is None
    assert [m.to for m in mail.outbox] == [["grant@example.com"]]


@pytest.mark.parametrize("comments", [20, 400])
def test_the_digest_of_a_cut_with_many_comments_takes_a_fixed_number_of_queries(
    cut, members, comments, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    membership_digest_set(membership=members["editor"], digest="off")
    reviewers = factories.ReviewerFactory.create_batch(20)
    made = [
        factories.CommentFactory.build(
            cut=cut,
            reviewer=reviewers[i % 20],
            text=f"At {i // 60}:{i % 60:02d} there is a typo number {i}",
            timestamp_s=i,
            triage_state="done",
            triaged_at=at(1, 6),
        )
        for i in range(comments)
    ]
    Comment.objects.bulk_create(made)
    Finding.objects.bulk_create(
        Finding(
            comment=comment,
            cut=cut,
            position=position,
            text=comment.text,
            span_end=len(comment.text),
            suggested_category=category,
            category_confidence=0.8,
        )
        for comment in Comment.objects.filter(cut=cut)
        for position, category in enumerate(["typo", "notation"])
    )
    # Memberships, comments, their findings; then the claim and the stored message (a look-up
    # and an insert) in two savepoints, four statements: ten, for 20 comments as for 400.
    with django_assert_max_num_queries(10):
        made = digests_send(now=at(1, 7))
    assert len(made) == 1
    body = Notification.objects.get().body_text
    assert (
        f"{comments} comments from 20 people; findings: {comments} notation, {comments} typo"
        in body
    )


def test_a_members_daily_digest_comes_at_the_hour_of_their_own_time_zone(
    cut, members, django_capture_on_commit_callbacks
):
    """Beat runs hourly; the creator in Tokyo (UTC+9) hears at 07:00 Tokyo, the editor in UTC
    at 07:00 UTC, each once a day of their own calendar."""
    creator, editor = members["creator"], members["editor"]
    creator.user.time_zone = "Asia/Tokyo"
    creator.user.save()
    triaged(cut, "a report", at(1, 6))
    triaged(cut, "a later report", at(1, 21))

    def recipients(now):
        return [m.to[0] for m in send(now, django_capture_on_commit_callbacks)]

    assert recipients(at(1, 6, 30)) == [creator.user.email]  # 15:30 in Tokyo, 06:30 in UTC
    assert recipients(at(1, 7)) == [editor.user.email]
    assert recipients(at(1, 21, 30)) == []  # 06:30 on day 2 in Tokyo
    assert recipients(at(1, 22)) == [creator.user.email]  # 07:00 on day 2 in Tokyo
    assert recipients(at(2, 7)) == [editor.user.email]
