"""How triage is wired into the app: comment_create stores first and queues triage on commit; the
task stores findings idempotently; the sweep re-queues what a broker outage left behind."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from errata.catalog.services import timeline_import
from errata.catalog.timelines import TimelineEntry
from errata.core.queue import publish
from errata.findings import services as findings_services
from errata.findings.services import (
    _duplicate_candidates,
    comments_sweep_untriaged,
    findings_triage,
)
from errata.models import Comment, DuplicateGroup, Finding, FindingToken
from errata.reviews.services import comment_create
from errata.triage.timestamps import parse_time
from tests import factories
from tests.brokers import dead_broker

pytestmark = pytest.mark.django_db

MABYE_REPORTS = [
    'Just a typo: at 5:58, it should be "maybe" instead of "mabye".',
    "Great video! In terms of error-catching, at around 6:03, when talking about breaking "
    "numbers down into their geometric components, it looks like you misspelled 'maybe' as "
    "'mabye.'",
    'Ack. Speling erur! Search for "mabye".',
]
SHADING_REPORT = (
    "timestamp: 6:00\n\nI think it's a little confusing to make the neurons either black or "
    "white in some shots and give them a certain gray color in others."
)
LONG_COMMENT = (
    'Hi Grant, some thoughts: 1:41, it looks odd to have "learning" floating on its own. Maybe '
    "put it inside the box? Around 11:38, have we even discussed how many neurons should be in "
    "the second layer? 13:11 - the pi creature is surrounded by a darker rectangle and it looks "
    "weird. 14:49 - You assign to a in each loop iteration, and then return it. 16:30ish "
    '"I\'ve been a little flow"?? Might want to rerecord that line. Hope that helps!'
)


@pytest.fixture
def spans(cut):
    """A small timeline: Intro 0:00-5:30, Misspelling 5:30-7:00, Rest 7:00-end."""
    for name, start, end in [("Intro", 0, 330), ("Misspelling", 330, 420), ("Rest", 420, 1153)]:
        scene = factories.SceneFactory(video=cut.video, name=name)
        factories.SceneSpanFactory(cut=cut, scene=scene, start_s=start, end_s=end)
    return cut.spans.select_related("scene")


def _post(cut, text: str, **kwargs) -> Comment:
    return comment_create(cut=cut, text=text, author_name="Ada", **kwargs)


def _snapshot(comment: Comment) -> list[tuple]:
    return list(
        comment.findings.order_by("position").values_list(
            "pk",
            "position",
            "text",
            "span_start",
            "span_end",
            "timestamp_s",
            "suggested_category",
            "suggested_scene_id",
            "duplicate_group_id",
        )
    )


def test_comment_create_stores_the_comment_and_triages_it_after_commit(
    cut, spans, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment = _post(cut, "At 6:03 you misspelled 'maybe' as 'mabye'.")
    # Stored first, triage only queued: nothing has run yet.
    assert Comment.objects.get(pk=comment.pk).triage_state == "pending"
    assert not comment.findings.exists()

    for callback in callbacks:
        callback()

    comment.refresh_from_db()
    assert comment.triage_state == "done"
    finding = comment.findings.get()
    assert finding.timestamp_s == 363
    assert finding.timestamp_source == "text"
    assert finding.suggested_category == "typo"
    assert finding.suggested_scene.name == "Misspelling"
    assert finding.parsed_timestamps[0]["seconds"] == 363


def test_a_rolled_back_comment_queues_no_triage(cut, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _post(cut, "At 1:00 the axis label is cut off.")
        raise RuntimeError("the request failed after storing")
    assert callbacks == []
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"text": ""}, "text", "needs some text"),
        ({"text": "   \n "}, "text", "needs some text"),
        ({"text": "x" * 10_001}, "text", "at most 10,000 characters"),
        ({"text": "ok", "timestamp_s": -1.0}, "timestamp_s", "negative"),
        ({"text": "ok", "timestamp_s": 1200.0}, "timestamp_s", "past the end of this cut (19:13)"),
    ],
)
def test_comment_create_refuses_bad_input_and_stores_nothing(cut, kwargs, field, words):
    with pytest.raises(ValidationError) as error:
        comment_create(cut=cut, **kwargs)
    assert words in " ".join(error.value.message_dict[field])
    assert not Comment.objects.exists()


def test_a_reply_must_be_on_the_same_cut(cut):
    elsewhere = factories.CommentFactory()
    with pytest.raises(ValidationError, match="same cut"):
        _post(cut, "Agreed!", parent=elsewhere)
    assert Comment.objects.count() == 1


def test_comment_text_is_stored_exactly_as_written(cut, django_capture_on_commit_callbacks):
    text = '  <script>alert(1)</script>\r\n\tat 1:00 "mabye"  '
    with django_capture_on_commit_callbacks(execute=True):
        comment = _post(cut, text)
    assert Comment.objects.get(pk=comment.pk).text == text


def test_a_finding_made_on_the_review_page_takes_the_players_time(cut, spans):
    comment = _post(cut, "The arrow overlaps the label here.", timestamp_s=400.0)
    findings_triage(comment_id=comment.pk)
    finding = comment.findings.get()
    assert (finding.timestamp_s, finding.timestamp_source) == (400.0, "player")
    assert finding.suggested_scene.name == "Misspelling"


def test_a_time_typed_in_the_text_wins_over_the_players_time(cut, spans):
    comment = _post(cut, "At 6:03 'mabye' is misspelled.", timestamp_s=30.0)
    findings_triage(comment_id=comment.pk)
    finding = comment.findings.get()
    assert (finding.timestamp_s, finding.timestamp_source) == (363, "text")


def test_a_comment_with_five_timestamped_points_becomes_five_findings(cut, spans):
    comment = _post(cut, LONG_COMMENT)
    findings_triage(comment_id=comment.pk)
    times = list(comment.findings.order_by("position").values_list("timestamp_s", flat=True))
    assert times == [101, 698, 791, 889, 990]
    categories = list(
        comment.findings.order_by("position").values_list("suggested_category", flat=True)
    )
    assert categories[3] == "code"
    assert categories[4] == "narration"
    for finding in comment.findings.all():
        assert comment.text[finding.span_start : finding.span_end] == finding.text


def test_creator_replies_are_not_findings(cut):
    comment = _post(cut, "Great catch, thanks! Fixed at 6:03.", author_role="creator")
    findings_triage(comment_id=comment.pk)
    comment.refresh_from_db()
    assert comment.triage_state == "skipped"
    assert not comment.findings.exists()


def test_triage_twice_leaves_the_same_findings(cut, spans):
    comment = _post(cut, LONG_COMMENT)
    findings_triage(comment_id=comment.pk)
    first = _snapshot(comment)
    tokens = sorted(FindingToken.objects.values_list("finding_id", "token"))

    result = findings_triage(comment_id=comment.pk)

    assert _snapshot(comment) == first
    assert sorted(FindingToken.objects.values_list("finding_id", "token")) == tokens
    assert (result.created, result.updated, result.removed) == (0, 5, 0)


def test_a_re_triage_keeps_the_time_of_the_first_triage(cut, spans):
    comment = _post(cut, LONG_COMMENT)
    findings_triage(comment_id=comment.pk)
    first = Comment.objects.get(pk=comment.pk).triaged_at
    findings_triage(comment_id=comment.pk)
    assert first is not None
    assert Comment.objects.get(pk=comment.pk).triaged_at == first


def test_triage_never_overwrites_what_the_creator_decided(cut, spans):
    comment = _post(cut, "At 6:03 you misspelled 'maybe' as 'mabye'.")
    findings_triage(comment_id=comment.pk)
    finding = comment.findings.get()
    other_scene = spans.get(scene__name="Rest").scene
    erratum = factories.ErratumFactory(cut=cut, category="typo")
    Finding.objects.filter(pk=finding.pk).update(
        category="visual",
        scene=other_scene,
        timestamp_s=365.5,
        timestamp_source="manual",
        state="accepted",
        erratum=erratum,
    )

    findings_triage(comment_id=comment.pk)

    finding.refresh_from_db()
    assert finding.category == "visual"
    assert finding.scene == other_scene
    assert (finding.timestamp_s, finding.timestamp_source) == (365.5, "manual")
    assert (finding.state, finding.erratum) == ("accepted", erratum)
    # The suggestion itself is still refreshed beside the decision.
    assert finding.suggested_category == "typo"


def test_reports_of_one_misspelling_join_one_duplicate_group(cut, spans):
    comments = [_post(cut, text) for text in MABYE_REPORTS]
    shading = _post(cut, SHADING_REPORT)
    for comment in [*comments, shading]:
        findings_triage(comment_id=comment.pk)

    groups = {c.findings.get().duplicate_group_id for c in comments}
    assert len(groups) == 1
    assert None not in groups
    # Another problem at the same moment stays apart.
    assert shading.findings.get().duplicate_group_id not in groups
    assert DuplicateGroup.objects.count() == 1


def test_the_same_kind_of_problem_at_another_moment_stays_apart(cut, spans):
    first = _post(cut, "Typo at 2:10: 'recieve' should be 'receive'.")
    second = _post(cut, "Typo at 15:40: 'seperate' should be 'separate'.")
    for comment in (first, second):
        findings_triage(comment_id=comment.pk)
    assert first.findings.get().duplicate_group_id is None
    assert second.findings.get().duplicate_group_id is None


def test_duplicate_candidates_are_bounded_by_time_and_tokens(cut, spans):
    # Many findings far away in time, sharing no token: none of them is a candidate.
    for minute in range(0, 18):
        comment = _post(cut, f"At {minute}:30 the axis label overlaps the curve.")
        findings_triage(comment_id=comment.pk)
    target = _post(cut, 'At 6:03 "mabye" is misspelled.')
    findings_triage(comment_id=target.pk)
    finding = target.findings.get()
    candidates = _duplicate_candidates(finding)
    assert all(abs(c.timestamp_s - 363) <= 120 for c in candidates if c.timestamp_s is not None)
    assert len(candidates) <= 3


def test_spans_changing_moves_findings_to_the_scene_that_now_holds_them(cut, spans):
    comment = _post(cut, "At 6:03 you misspelled 'maybe' as 'mabye'.")
    findings_triage(comment_id=comment.pk)
    assert comment.findings.get().suggested_scene.name == "Misspelling"
    entries = [
        TimelineEntry("Intro", 0, 300),
        TimelineEntry("Rest", 300, 1153),
    ]
    result = timeline_import(cut=cut, entries=entries)
    assert result.findings_moved == 1
    assert comment.findings.get().suggested_scene.name == "Rest"


def test_a_broker_outage_loses_no_comment(cut, monkeypatch, django_capture_on_commit_callbacks):
    dead_broker(monkeypatch)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        comment = _post(cut, "At 6:03 'mabye' is misspelled.")
    assert time.monotonic() - started < 15
    comment.refresh_from_db()
    assert comment.triage_state == "pending"
    assert publish("errata.triage_comment", comment.pk) is False
    # While the broker is down, the sweep stops at the first failure instead of hammering it.
    assert comments_sweep_untriaged(older_than_s=0) == 0


def test_a_triage_failure_in_eager_mode_keeps_the_comment_and_the_request(
    cut, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("engine bug")

    monkeypatch.setattr(findings_services, "findings_triage", broken)
    with django_capture_on_commit_callbacks(execute=True):
        comment = _post(cut, "At 6:03 'mabye' is misspelled.")
    comment.refresh_from_db()
    assert comment.triage_state == "pending"
    assert comment.text == "At 6:03 'mabye' is misspelled."


def test_the_sweep_triages_comments_left_pending(cut, spans):
    left = factories.CommentFactory(cut=cut, text="At 6:03 'mabye' is misspelled.")
    fresh = factories.CommentFactory(cut=cut, text="At 1:00 the label is cut off.")
    Comment.objects.filter(pk=left.pk).update(created_at=left.created_at - timedelta(minutes=10))
    queued = comments_sweep_untriaged(older_than_s=120)
    assert queued == 1
    left.refresh_from_db()
    fresh.refresh_from_db()
    assert left.triage_state == "done"
    assert left.findings.get().timestamp_s == 363
    # Too recent: its own on_commit queueing may still be on its way.
    assert fresh.triage_state == "pending"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_after_a_broker_outage_the_sweep_and_a_real_worker_triage_the_comment(
    cut, monkeypatch, celery_worker
):
    with monkeypatch.context() as outage:
        dead_broker(outage)
        comment = _post(cut, "At 6:03 you misspelled 'maybe' as 'mabye'.")
        assert Comment.objects.get(pk=comment.pk).triage_state == "pending"

    # The broker is back: the periodic sweep's job, run now.
    assert comments_sweep_untriaged(older_than_s=0) == 1

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        comment.refresh_from_db()
        if comment.triage_state == "done":
            break
        time.sleep(0.2)
    assert comment.triage_state == "done", "the worker did not triage the swept comment"
    finding = comment.findings.get()
    assert (finding.timestamp_s, finding.suggested_category) == (363, "typo")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_comment_is_triaged_by_the_real_worker_after_commit(cut, celery_worker):
    comment = _post(cut, "Typo at 2:10: 'recieve' should be 'receive'.")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not Finding.objects.filter(comment=comment).exists():
        time.sleep(0.2)
    finding = Finding.objects.get(comment=comment)
    assert finding.timestamp_s == parse_time("2:10")


@pytest.mark.parametrize("player_time", [None, 30.0])
def test_triage_updates_the_comment_row_once_and_lists_it_at_its_time(cut, player_time):
    # A second UPDATE of the comment in triage's transaction made PostgreSQL check its foreign
    # keys again at commit (the review link's row among them), which deadlocked with a post
    # through the same link: triage writes the comment row in one statement.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    comment = factories.CommentFactory(
        cut=cut, text="at 2:00 the label says 'mabye'", timestamp_s=player_time
    )
    with CaptureQueriesContext(connection) as queries:
        findings_services.findings_triage(comment_id=comment.pk)
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "errata_comment"')]
    assert len(updates) == 1
    comment.refresh_from_db()
    assert comment.text_time_s == 120
    assert comment.list_time == (player_time if player_time is not None else 120)
