"""Triage learns from one team's creators: their category changes, dismissals, merges and
splits become that team's examples, and only that team's suggestions change."""

from __future__ import annotations

import pytest

from errata.findings.learning import team_adapter, team_triage_learn, triage_learn_sweep
from errata.findings.services import (
    finding_split_from_group,
    finding_update,
    findings_dismiss,
    findings_triage,
)
from errata.fixes.services import erratum_create_from_findings, erratum_merge
from errata.models import Comment, Finding, TeamTriageModel, TriageExample
from errata.reviews.services import comment_create
from errata.triage.adaptation import THRESHOLD_STEP
from errata.triage.model import suggest_category
from tests import factories

pytestmark = pytest.mark.django_db

# Reports of audio drifting from the picture: the shared model calls them narration (the
# corpus files out-of-sync audio there, with confidence); this team files them as visual (the
# edit is at fault, not the voice-over), and corrects six before its suggestions follow.
TAUGHT = [
    "At 1:00 the audio is out of sync with the video.",
    "Around 2:10 the sound lags behind the picture.",
    "3:05 audio and video are out of sync again",
    "4:20 the voice is a second behind the lips",
    "From 5:00 on the sound and the picture drift apart.",
    "At 6:15 the audio is ahead of the animation.",
]
NEW_REPORT = "The audio is out of sync at 7:10."


def _triaged(cut, text: str) -> Finding:
    comment = comment_create(cut=cut, text=text, author_name="Ada")
    findings_triage(comment_id=comment.pk)
    return Finding.objects.filter(comment=comment).get()


def test_a_teams_category_changes_change_its_suggestions_and_no_other_teams(cut):
    other_cut = factories.CutFactory(duration_s=1153.0)  # a video of another team
    assert other_cut.video.team_id != cut.video.team_id
    assert suggest_category(NEW_REPORT).category == "narration"
    for text in TAUGHT:
        finding_update(finding=_triaged(cut, text), category="visual")
    taught = len(TAUGHT)
    assert TriageExample.objects.filter(team=cut.video.team, learned=False).count() == taught

    assert team_triage_learn(team_id=cut.video.team_id) == taught
    assert TriageExample.objects.filter(learned=False).count() == 0
    assert TeamTriageModel.objects.get(team=cut.video.team).examples == taught

    assert _triaged(cut, NEW_REPORT).suggested_category == "visual"
    untouched = _triaged(other_cut, NEW_REPORT)
    assert untouched.suggested_category == "narration"
    assert untouched.category_confidence == pytest.approx(
        suggest_category(NEW_REPORT).confidence, abs=1e-3
    )
    assert team_adapter(video_id=other_cut.video_id) is None


def test_only_a_changed_category_is_an_example(cut):
    finding = _triaged(cut, "Typo at 2:00: 'mabye' should be 'maybe'")
    assert finding.suggested_category == "typo"
    finding_update(finding=finding, category="typo")  # agrees with the suggestion
    finding_update(finding=finding, timestamp_s=121)  # no category at all
    assert not TriageExample.objects.exists()
    finding_update(finding=finding, category="notation")
    example = TriageExample.objects.get()
    assert (example.kind, example.category, example.finding) == ("category", "notation", finding)


def test_dismissing_against_the_suggestion_is_an_example(cut):
    kept = _triaged(cut, "Typo at 2:00: 'mabye' should be 'maybe'")
    chatter = _triaged(cut, "This is awesome, thank you!")
    findings_dismiss(finding_ids=[kept.pk, chatter.pk], category="none")
    # Only the one triage suggested otherwise teaches anything.
    assert list(TriageExample.objects.values_list("finding", "category")) == [(kept.pk, "none")]


def test_splits_make_the_teams_grouping_stricter_and_merges_looser(cut):
    first = _triaged(cut, "Typo at 2:00: 'mabye' should be 'maybe'")
    second = _triaged(cut, "at 2:01 it says mabye")
    finding_split_from_group(finding=second)
    assert triage_learn_sweep() == 1
    assert team_adapter(video_id=cut.video_id).threshold_offset == pytest.approx(THRESHOLD_STEP)

    one = erratum_create_from_findings(finding_ids=[first.pk])
    two = erratum_create_from_findings(finding_ids=[second.pk])
    erratum_merge(source=two, target=one)
    assert triage_learn_sweep() == 1
    assert team_adapter(video_id=cut.video_id).threshold_offset == pytest.approx(0.0)
    assert list(TriageExample.objects.values_list("kind", flat=True)) == ["split", "merge"]


def test_learning_twice_learns_each_example_once(cut):
    finding_update(finding=_triaged(cut, TAUGHT[0]), category="visual")
    assert team_triage_learn(team_id=cut.video.team_id) == 1
    assert team_triage_learn(team_id=cut.video.team_id) == 0
    assert TeamTriageModel.objects.get(team=cut.video.team).examples == 1


def test_creator_comments_teach_nothing_and_are_not_triaged(cut):
    comment = comment_create(cut=cut, text=TAUGHT[0], author_name="Grant")
    Comment.objects.filter(pk=comment.pk).update(author_role=Comment.Role.CREATOR)
    findings_triage(comment_id=comment.pk)
    assert not Finding.objects.filter(comment=comment).exists()
    assert not TriageExample.objects.exists()
