"""How stored findings look to the triage engine's duplicate matching, and what they are indexed
under; one definition for single triage, batch triage and the review page.
"""

from __future__ import annotations

from errata.models import Finding
from errata.triage.duplicates import GroupingItem, index_tokens, keyword_tokens


def finding_lookup_tokens(text: str) -> frozenset[str]:
    """What a finding is indexed under in FindingToken, and what a new text looks candidates up
    by: the strong tokens (quoted words, number pairs, math indices) and the keywords
    ("k:neuron") that let reports giving no time find each other. One definition for every path
    (single triage, batch triage, the review page), so they all see the same candidates."""
    return frozenset(token[:64] for token in index_tokens(text) | keyword_tokens(text))


def finding_grouping_item(finding: Finding) -> GroupingItem:
    """How duplicate matching sees a stored finding (its decided category and scene first)."""
    return GroupingItem(
        key=finding.pk,
        text=finding.text,
        timestamp_s=finding.timestamp_s,
        category=finding.effective_category,
        certainty=1.0 if finding.category else finding.category_confidence,
        scene=finding.effective_scene_id,
        group=finding.duplicate_group_id or ("finding", finding.pk),
    )
