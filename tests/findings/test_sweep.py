"""The untriaged sweep (comments_sweep_untriaged): batches of one cut per task, cuts in turn,
never a comment whose triage is already queued."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from errata.findings import services as findings_services
from errata.findings.services import comments_sweep_untriaged
from errata.models import Comment
from errata.reviews.services import comment_create
from tests import factories
from tests.brokers import dead_broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch) -> list[tuple]:
    """What the sweep hands the broker, in order (the broker takes everything)."""
    sent: list[tuple] = []

    def publish(task_name: str, *args: object, countdown: float | None = None) -> bool:
        sent.append((task_name, *args))
        return True

    monkeypatch.setattr(findings_services, "publish", publish)
    return sent


def _pending(cut, count: int, *, minutes_ago: int = 10, prefix: str = "") -> list[int]:
    then = timezone.now() - timedelta(minutes=minutes_ago)
    ids = []
    for n in range(count):
        comment = factories.CommentFactory(cut=cut, text=f"{prefix}At 1:{n:02d} a typo.")
        ids.append(comment.pk)
    Comment.objects.filter(pk__in=ids).update(created_at=then)
    return ids


def test_the_sweep_queues_batches_of_one_cut_and_cuts_take_turns(cut, video, published):
    big = _pending(cut, 7, minutes_ago=30)
    small_cut = factories.CutFactory(video=video, number=2)
    small = _pending(small_cut, 2, minutes_ago=20)

    assert comments_sweep_untriaged(batch_size=3) == 9
    assert published == [
        ("errata.triage_batch", cut.pk, big[0:3]),
        ("errata.triage_batch", small_cut.pk, small),
        ("errata.triage_batch", cut.pk, big[3:6]),
        ("errata.triage_batch", cut.pk, big[6:7]),
    ]


def test_a_cut_with_thousands_waiting_does_not_starve_the_others(cut, video, published):
    _pending(cut, 12, minutes_ago=60)
    late = factories.CutFactory(video=video, number=2)
    waiting = _pending(late, 1, minutes_ago=5)

    assert comments_sweep_untriaged(batch_size=4, limit=6) == 6
    # The busy cut gets its first batch and no more than its turn; the other cut's comment is
    # in this sweep, not after the busy cut's twelve.
    assert [(args[1], len(args[2])) for args in published] == [
        (cut.pk, 4),
        (late.pk, 1),
        (cut.pk, 1),
    ]
    assert ("errata.triage_batch", late.pk, waiting) in published


def test_what_is_queued_is_not_queued_again_until_its_task_counts_as_lost(cut, published, settings):
    _pending(cut, 3)
    assert comments_sweep_untriaged() == 3
    assert comments_sweep_untriaged() == 0  # their task is in the queue
    assert len(published) == 1

    Comment.objects.update(
        triage_queued_at=timezone.now()
        - timedelta(seconds=settings.TRIAGE_QUEUED_LEASE_SECONDS + 1)
    )
    assert comments_sweep_untriaged() == 3  # lost (a Redis that restarted empty, say)


def test_a_posted_comment_is_left_to_its_own_task_and_swept_once_the_broker_refused_it(
    cut, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        queued = comment_create(cut=cut, text="At 1:00 'nueron'.")
    Comment.objects.filter(pk=queued.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert Comment.objects.get(pk=queued.pk).triage_queued_at is not None
    sent = []
    monkeypatch.setattr(findings_services, "publish", lambda *a, **k: sent.append(a) or True)
    assert comments_sweep_untriaged() == 0  # its task is on its way: not twice

    with monkeypatch.context() as outage:
        dead_broker(outage)
        with django_capture_on_commit_callbacks(execute=True):
            refused = comment_create(cut=cut, text="At 2:00 'lenght'.")
    assert Comment.objects.get(pk=refused.pk).triage_queued_at is None
    Comment.objects.filter(pk=refused.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert comments_sweep_untriaged() == 1
    assert sent == [("errata.triage_batch", cut.pk, [refused.pk])]


def test_while_the_broker_is_away_the_sweep_stops_at_once_and_marks_nothing(cut, monkeypatch):
    _pending(cut, 5)
    dead_broker(monkeypatch)
    assert comments_sweep_untriaged(batch_size=2) == 0
    assert not Comment.objects.filter(triage_queued_at__isnull=False).exists()


def test_the_sweeps_batches_are_triaged_in_process_without_a_broker(cut):
    ids = _pending(cut, 4)
    assert comments_sweep_untriaged(batch_size=3) == 4
    assert set(Comment.objects.filter(pk__in=ids).values_list("triage_state", flat=True)) == {
        "done"
    }


def test_the_sweep_reads_in_a_bounded_number_of_queries(
    cut, video, published, django_assert_max_num_queries
):
    for number in range(2, 7):
        _pending(factories.CutFactory(video=video, number=number), 5)
    # Two reads, then one update per batch queued (a batch per cut here).
    with django_assert_max_num_queries(2 + 5):
        assert comments_sweep_untriaged(batch_size=10) == 25
