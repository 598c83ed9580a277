"""Duplicate candidates from the database: bounded postings per token, the most recent first,
as the engine's in-memory index reads them; never the whole cut, however common a token is."""

from __future__ import annotations

import pytest

from errata.findings.selectors import finding_duplicate_candidates, finding_token_postings
from errata.models import Comment, Finding, FindingToken
from errata.triage.duplicates import (
    MAX_KEYWORD_CANDIDATES,
    MAX_KEYWORD_POSTINGS,
    MAX_TOKEN_CANDIDATES,
)
from tests import factories

pytestmark = pytest.mark.django_db

CROWD = 120


def _crowd(cut, tokens: list[str], count: int = CROWD) -> list[Finding]:
    """`count` findings of the cut, all indexed under `tokens`, oldest first."""
    comments = Comment.objects.bulk_create(
        Comment(cut=cut, text=f"the label says 'mabye' ({n})") for n in range(count)
    )
    findings = Finding.objects.bulk_create(
        Finding(comment=c, cut=cut, text=c.text, suggested_category="typo") for c in comments
    )
    FindingToken.objects.bulk_create(
        FindingToken(finding=f, cut=cut, token=token) for f in findings for token in tokens
    )
    return findings


def test_postings_are_the_newest_of_the_cut_and_at_most_the_limit(cut):
    findings = _crowd(cut, ["mabye", "k:label"])
    elsewhere = _crowd(factories.CutFactory(video=cut.video, number=cut.number + 1), ["mabye"], 5)
    postings = finding_token_postings(cut_id=cut.pk, limits={"mabye": 10, "k:label": 3, "x": 4})
    assert postings["mabye"] == [f.pk for f in reversed(findings[-10:])]
    assert postings["k:label"] == [f.pk for f in reversed(findings[-3:])]
    assert "x" not in postings or postings["x"] == []
    assert not {f.pk for f in elsewhere} & set(postings["mabye"])


def test_a_common_token_gives_a_bounded_set_of_the_most_recent_candidates(
    cut, django_assert_max_num_queries
):
    findings = _crowd(cut, ["mabye", "k:label", "k:says"])
    # On PostgreSQL one query for every token's postings and one for the findings; elsewhere
    # one per token. Not one per finding of the cut.
    with django_assert_max_num_queries(4):
        candidates = finding_duplicate_candidates(
            cut_id=cut.pk, timestamp_s=None, tokens=["mabye", "k:label", "k:says"]
        )
    ids = {c.pk for c in candidates}
    assert len(ids) <= MAX_TOKEN_CANDIDATES + MAX_KEYWORD_CANDIDATES
    assert findings[-1].pk in ids
    assert findings[0].pk not in ids  # the oldest of 120 is beyond every bound


def test_two_shared_keywords_make_a_candidate_and_one_does_not(cut):
    both = _crowd(cut, ["k:neuron", "k:flickers"], 2)
    one = _crowd(cut, ["k:neuron"], 2)
    candidates = finding_duplicate_candidates(
        cut_id=cut.pk, timestamp_s=None, tokens=["k:neuron", "k:flickers"]
    )
    assert {c.pk for c in candidates} == {f.pk for f in both}
    assert not {f.pk for f in one} & {c.pk for c in candidates}


def test_the_asking_comment_and_dismissed_findings_are_never_candidates(cut):
    findings = _crowd(cut, ["mabye"], MAX_KEYWORD_POSTINGS)
    Finding.objects.filter(pk=findings[-2].pk).update(state=Finding.State.DISMISSED)
    own = findings[-1]
    candidates = finding_duplicate_candidates(
        cut_id=cut.pk, timestamp_s=None, tokens=["mabye"], exclude_comment_id=own.comment_id
    )
    ids = {c.pk for c in candidates}
    assert own.pk not in ids and findings[-2].pk not in ids
    assert findings[-3].pk in ids
