"""Triage asks for frame checks (errata.screen_read_cut) of a cut whose video is ready when a
new finding quotes something that could be on screen; never without a video, or switched off."""

from __future__ import annotations

import pytest

from errata.findings import services
from errata.findings.batch import findings_triage_batch
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls: list[tuple] = []
    monkeypatch.setattr(services, "enqueue", lambda *args: calls.append(args))
    return calls


def _comment(cut, text):
    return factories.CommentFactory(cut=cut, text=text, triage_state="pending")


def test_a_quoting_finding_on_a_cut_with_a_ready_video_queues_frame_checks(cut, queued):
    factories.CutMediaFactory(cut=cut, status="ready")
    comment = _comment(cut, 'Typo at 5:58: "mabye" should be "maybe"')
    services.findings_triage(comment_id=comment.pk)
    assert queued == [("errata.screen_read_cut", cut.pk)]


@pytest.mark.parametrize(
    ("media_status", "frame_checks", "text"),
    [
        (None, True, 'Typo at 5:58: "mabye" should be "maybe"'),
        ("processing", True, 'Typo at 5:58: "mabye" should be "maybe"'),
        ("ready", False, 'Typo at 5:58: "mabye" should be "maybe"'),
        ("ready", True, "Great video, thanks!"),
    ],
)
def test_no_frame_checks_without_a_ready_video_when_off_or_with_nothing_quoted(
    cut, queued, settings, media_status, frame_checks, text
):
    settings.FRAME_CHECKS = frame_checks
    if media_status:
        factories.CutMediaFactory(cut=cut, status=media_status)
    services.findings_triage(comment_id=_comment(cut, text).pk)
    assert queued == []


def test_a_batch_of_imported_comments_queues_frame_checks_once(cut, queued):
    factories.CutMediaFactory(cut=cut, status="ready")
    ids = [_comment(cut, f'At {n}:10 "mabye" should be "maybe"').pk for n in range(3)]
    findings_triage_batch(cut=cut, comment_ids=ids)
    assert queued == [("errata.screen_read_cut", cut.pk)]
