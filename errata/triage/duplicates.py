"""Grouping findings of one cut that report the same problem.

Evidence that two findings are one problem, strongest first: the same quoted or misspelled
word ("mabye"), the same pair of numbers however written ("0 and 10", "zero and ten",
"0 through 9" -> "0-9"), the same math or code token, the same stated correction, positions
seconds apart, the same slide or page, the same category and scene, overlapping wording (links
aside), a "+1" or "same here". Evidence against: different erratum categories (neuron shading
at 6:00 is not the misspelling at 6:03), different quoted words, two different stated
corrections, positions far apart, different slides or pages, different scenes. Praise and
chatter are never grouped.

A new finding is compared only with a bounded candidate set: findings within
TIME_WINDOW_S of its position, findings sharing one of its `index_tokens`, and findings
sharing at least two of its `keyword_tokens` (how two reports of one question that give no
time find each other), at most a few representatives per group and MAX_CANDIDATES in all.
`match_group` scores candidates the caller fetched (the app reads them from its token table
and a time-range query); `DuplicateIndex` keeps the same indexes in memory and uses the same
scoring.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace

from errata.triage.categories import (
    ERRATUM_CATEGORIES,
    CategorySuggestion,
)
from errata.triage.grouping_tokens import (
    content_terms,
    correction_of,
    index_tokens,
    keyword_tokens,
    place_tokens,
)
from errata.triage.model import suggest_category

__all__ = [
    "MATCH_THRESHOLD",
    "TIME_WINDOW_S",
    "DuplicateIndex",
    "GroupingItem",
    "GroupingProfile",
    "Rarity",
    "group_findings",
    "index_tokens",
    "keyword_tokens",
    "match_group",
    "never_grouped",
    "profile_item",
    "score_pair",
]

TIME_WINDOW_S: float = 20.0
MATCH_THRESHOLD = 2.5
# Bounds on the work one new finding costs, however many findings the cut already has.
MAX_TIME_CANDIDATES = 48
MAX_TOKEN_CANDIDATES = 24
MAX_KEYWORD_CANDIDATES = 24
# Postings of one keyword read per lookup (the most recent ones).
MAX_KEYWORD_POSTINGS = 16
MAX_CANDIDATES = 96
REPRESENTATIVES_PER_GROUP = 5
# Two untimed reports of one erratum category in a cut of at most SMALL_CUT findings.
UNTIMED_SAME_KIND = 1.5
SMALL_CUT = 10
# Content words of an untimed report brief enough to be pointing at another's problem.
BRIEF_TERMS = 12


@dataclass(frozen=True)
class GroupingItem:
    """A finding as grouping sees it."""

    key: Hashable
    text: str
    timestamp_s: float | None
    category: str | None = None
    scene: Hashable | None = None
    group: Hashable | None = None
    # How sure `category` is: 1 when the creator decided it, else the suggestion's confidence.
    certainty: float = 1.0


@dataclass(frozen=True)
class GroupingProfile:
    """An item with the features scoring needs, computed once."""

    item: GroupingItem
    category: str
    tokens: frozenset[str]
    terms: frozenset[str]
    # When a DuplicateIndex stored it (1, 2, ...): ties between candidates go to the most
    # recent. Kept on the profile itself, so it cannot be confused with another's.
    order: int = 0
    # The summed rarity weight of its terms, taken when it was indexed (0: not yet).
    weight: float = 0.0
    # How sure the category is: 1 when the creator decided it, else the suggestion's
    # calibrated confidence. Disagreeing categories count against a match only that much.
    certainty: float = 1.0
    # The correction it states (wrong, right), normalised; None when it states none.
    correction: tuple[str, str] | None = None
    # Places inside the video it names besides a time ("slide 7", "p. 216", "eq. 4.27").
    places: frozenset[str] = frozenset()
    # A "+1" or a pointer to an earlier report (`_adds_a_voice`).
    voice: bool = False

    @property
    def group(self) -> Hashable:
        return self.item.group if self.item.group is not None else self.item.key


Categorizer = Callable[[str], CategorySuggestion]


def profile_item(item: GroupingItem, categorize: Categorizer | None = None) -> GroupingProfile:
    """`categorize` suggests the category of an item that has none (default: what triage uses)."""
    if item.category:
        category, certainty = item.category, item.certainty
    else:
        suggestion = (categorize or suggest_category)(item.text)
        category, certainty = suggestion.category, suggestion.confidence
    return GroupingProfile(
        item=item,
        category=category,
        tokens=index_tokens(item.text),
        terms=content_terms(item.text),
        certainty=certainty,
        correction=correction_of(item.text),
        places=place_tokens(item.text),
        voice=_adds_a_voice(item.text),
    )


class Rarity:
    """How rare each term is among a cut's findings: a word everyone uses about this video
    ("neuron" in a video about neurons) says little; a rare one two reports share says a lot.
    Counts what it is shown; an unknown term counts as rare."""

    def __init__(self, frequencies: dict[str, int] | None = None, documents: int = 0):
        self.frequencies: dict[str, int] = dict(frequencies or {})
        self.documents = documents

    def add(self, terms: frozenset[str]) -> None:
        self.documents += 1
        frequencies = self.frequencies
        for term in terms:
            frequencies[term] = frequencies.get(term, 0) + 1

    def weight(self, term: str) -> float:
        return math.log((self.documents + 2) / (self.frequencies.get(term, 0) + 1)) + 1.0

    def total(self, terms: frozenset[str]) -> float:
        return sum(self.weight(t) for t in sorted(terms))


_UNIFORM = Rarity()

AGREEMENT = 1.5
_AGREEMENT_RE = re.compile(
    r"\s*(?:\+1\b|me too\b|same here\b|same (?:problem|issue|thing)\b|(?:i )?can confirm\b|"
    r"i (?:also|too) (?:noticed|see|saw|have|had|found)\b|i noticed (?:this|that|it) too\b|"
    r"confirmed\b|i have the same\b)",
    re.IGNORECASE,
)
# A report pointing at one made before it: "the typo mentioned here", "as reported above".
_POINTER_RE = re.compile(
    r"\b(?:mentioned|reported|described|noted|pointed out|raised)\s+(?:here|above|earlier|"
    r"before|already|in\s+(?:#|https?://))",
    re.IGNORECASE,
)


def _adds_a_voice(text: str) -> bool:
    """A "+1" or a pointer to another report: it is about what it points at, whatever its
    own words suggest (so a suggested "none" does not keep it out of grouping)."""
    return bool(_AGREEMENT_RE.match(text) or _POINTER_RE.search(text))


# A suggested "none" (praise, chatter) below this confidence does not keep a finding out of
# grouping: the learned categoriser is unsure about short reports in words it never saw
# ("the label overlaps the arrow"), and the other evidence should still be heard.
NONE_CERTAINTY = 0.6


def never_grouped(profile: GroupingProfile) -> bool:
    """Praise and chatter (decided, or suggested with confidence) are never grouped."""
    return profile.category == "none" and profile.certainty >= NONE_CERTAINTY and not profile.voice


def _time_score(first: float | None, second: float | None) -> float:
    if first is None or second is None:
        return 0.0
    gap = abs(first - second)
    if gap <= 3:
        return 2.0
    if gap <= 8:
        return 1.6
    if gap <= 15:
        return 1.1
    if gap <= 30:
        return 0.3
    if gap <= 90:
        return -0.8
    return -2.5


def _token_score(first: frozenset[str], second: frozenset[str], disagreement: float) -> float:
    """Shared quoted words, number pairs and symbols; worth up to a quarter less as the
    categories surely differ (two people may quote one on-screen word about different
    problems). `disagreement` is 0 when the categories agree, else the lesser certainty."""
    shared = first & second
    score = 0.0
    for token in shared:
        kind = token[0]
        if kind in "wq":
            score += 3.5
        elif kind == "n":
            score += 2.5
        elif kind in "mc":
            score += 1.5
    score = min(score, 5.0) * (1.0 - 0.25 * disagreement)
    # Both name the word or phrase at fault and the words differ: two different slips.
    words_a = {t for t in first if t[0] in "wq"}
    words_b = {t for t in second if t[0] in "wq"}
    if words_a and words_b and not (words_a & words_b):
        score -= 1.5
    return score


def _shares_word(first: frozenset[str], second: frozenset[str]) -> bool:
    return any(token[0] in "wq" for token in first & second)


def _correction_score(first: GroupingProfile, second: GroupingProfile) -> float:
    """Two stated corrections: the same one is one slip; two with nothing in common ("the
    corner should be (4, 3)" / "the width should be 12") are two slips, however close."""
    a, b = first.correction, second.correction
    if a is None or b is None:
        return 0.0
    if a == b:
        return 1.0
    if (a[0] and a[0] == b[0]) or a[1] == b[1]:
        return 0.5
    return -2.0


def _place_score(first: frozenset[str], second: frozenset[str]) -> float:
    """Places of one kind named by both: any in common helps a little; none in common (slide
    11 / slide 12, p112 / p113) speaks against as a far-apart time does."""
    if not first or not second:
        return 0.0
    kinds = {p.split(":", 1)[0] for p in first} & {p.split(":", 1)[0] for p in second}
    if not kinds:
        return 0.0
    for kind in kinds:
        mine = {p for p in first if p.startswith(kind + ":")}
        theirs = {p for p in second if p.startswith(kind + ":")}
        if not mine & theirs:
            return -2.5
    return 0.8


def _category_score(first: GroupingProfile, second: GroupingProfile) -> float:
    if first.category == second.category:
        return 1.0 if first.category in ERRATUM_CATEGORIES else 0.3
    # Two different categories speak against a match as much as the less sure one is sure;
    # half as much when both name the same word or phrase at fault: "the title says
    # 'Eigenvetors'" reads as narration to the categoriser, and it is still the same slip.
    sure = min(first.certainty, second.certainty)
    if _shares_word(first.tokens, second.tokens):
        sure *= 0.5
    if first.category in ERRATUM_CATEGORIES and second.category in ERRATUM_CATEGORIES:
        return -2.0 * sure
    return -1.5 * sure


def _text_score(first: GroupingProfile, second: GroupingProfile, rarity: Rarity) -> float:
    """Shared wording, weighted by rarity within the cut: the cosine of the two texts' term
    weights (adjacent word pairs are terms too), so long texts do not match by sheer size.
    A profile's own total weight is taken once, when it is indexed or looked up."""
    if not first.terms or not second.terms:
        return 0.0
    shared = first.terms & second.terms
    if not shared:
        return 0.0
    both = sum(rarity.weight(t) for t in sorted(shared))
    a = first.weight or rarity.total(first.terms)
    b = second.weight or rarity.total(second.terms)
    return 4.0 * both / math.sqrt(a * b)


def score_pair(first: GroupingProfile, second: GroupingProfile, rarity: Rarity = _UNIFORM) -> float:
    """How strongly two findings look like reports of one problem; >= MATCH_THRESHOLD is."""
    if never_grouped(first) or never_grouped(second):
        return float("-inf")
    score = _time_score(first.item.timestamp_s, second.item.timestamp_s)
    disagreement = (
        0.0 if first.category == second.category else min(first.certainty, second.certainty)
    )
    score += _token_score(first.tokens, second.tokens, disagreement)
    score += _category_score(first, second)
    score += _correction_score(first, second)
    score += _place_score(first.places, second.places)
    if (
        (first.item.timestamp_s is None or second.item.timestamp_s is None)
        and first.category == second.category
        and first.category in ERRATUM_CATEGORIES
    ):
        # One or neither says where (an untimed report cannot contradict a time): in a cut
        # with few findings there are few problems of one kind, so two reports of that kind
        # are likely one (a prior that fades as the cut grows).
        small = min(1.0, SMALL_CUT / max(rarity.documents, 1))
        # When one of them does say where, the other may be about another moment: the prior
        # holds in full only if the untimed one is brief ("the derivative sign is missing
        # next to the w"), as reports pointing at a problem someone described are; a long
        # untimed report describes a problem of its own.
        untimed = first if first.item.timestamp_s is None else second
        brief = sum(1 for term in untimed.terms if " " not in term) <= BRIEF_TERMS
        both_untimed = first.item.timestamp_s is None and second.item.timestamp_s is None
        weight = UNTIMED_SAME_KIND if both_untimed or brief else UNTIMED_SAME_KIND / 2
        score += weight * min(first.certainty, second.certainty) * small
    if first.voice or second.voice:
        # "+1", "same here", "I noticed this too": a report that adds a voice to another.
        score += AGREEMENT
    if first.item.scene is not None and second.item.scene is not None:
        score += 0.5 if first.item.scene == second.item.scene else -2.0
    score += _text_score(first, second, rarity)
    return score


Scorer = Callable[[GroupingProfile, GroupingProfile, Rarity], float]


def _best_group(
    profile: GroupingProfile,
    candidates: Sequence[GroupingProfile],
    scorer: Scorer,
    rarity: Rarity = _UNIFORM,
    threshold: float = MATCH_THRESHOLD,
) -> Hashable | None:
    best: dict[Hashable, float] = {}
    for candidate in candidates:
        score = scorer(profile, candidate, rarity)
        group = candidate.group
        if score > best.get(group, float("-inf")):
            best[group] = score
    if not best:
        return None
    group, score = max(best.items(), key=lambda entry: entry[1])
    return group if score >= threshold else None


def match_group(
    item: GroupingItem,
    candidates: Sequence[GroupingItem],
    *,
    rarity: Rarity | None = None,
    threshold: float = MATCH_THRESHOLD,
    categorize: Categorizer | None = None,
) -> Hashable | None:
    """The best existing group for `item` among `candidates`, or None for a new group.

    Candidates carry the group they belong to (`.group`; their own key when None). The
    caller fetches them: findings within TIME_WINDOW_S of the item's position and findings
    sharing one of its `index_tokens` (and, to also group reports that name no time,
    findings sharing `keyword_tokens`).
    """
    profile = profile_item(item, categorize)
    if never_grouped(profile):
        return None
    profiles = [profile_item(c, categorize) for c in candidates]
    if rarity is None:
        # Without counts from the whole cut, the candidates and the item are the sample.
        rarity = Rarity()
        for each in (profile, *profiles):
            rarity.add(each.terms)
    return _best_group(profile, profiles, score_pair, rarity, threshold)


class DuplicateIndex:
    """Incremental grouping for one cut: time buckets plus an inverted token index.

    Only the first REPRESENTATIVES_PER_GROUP members of a group are indexed, and each lookup
    reads at most MAX_CANDIDATES of them, so adding a finding costs the same whether the cut
    has a hundred findings or a million.
    """

    def __init__(
        self,
        *,
        scorer: Scorer = score_pair,
        time_window_s: float = TIME_WINDOW_S,
        categorize: Categorizer | None = None,
        threshold: float = MATCH_THRESHOLD,
    ):
        self._scorer = scorer
        self._categorize = categorize
        self._threshold = threshold
        # How common each term is among the cut's findings seen so far.
        self.rarity = Rarity()
        self._window = time_window_s
        self._buckets: dict[int, list[GroupingProfile]] = {}
        self._postings: dict[str, list[GroupingProfile]] = {}
        self._keyword_postings: dict[str, list[GroupingProfile]] = {}
        self._indexed = 0
        self._indexed_per_group: dict[Hashable, int] = {}
        # While the cut is small, every indexed finding is a candidate (still at most
        # MAX_CANDIDATES): reports of one problem that share no time, token or keyword pair
        # (paraphrases, often without a position) then still meet.
        self._few: list[GroupingProfile] = []
        self.score_calls = 0

    def _score(self, first: GroupingProfile, second: GroupingProfile, rarity: Rarity) -> float:
        self.score_calls += 1
        return self._scorer(first, second, rarity)

    def candidates(self, profile: GroupingProfile) -> list[GroupingProfile]:
        """The indexed findings worth comparing with `profile`, nearest in time first."""
        found: dict[int, GroupingProfile] = {}
        position = profile.item.timestamp_s
        if position is not None:
            bucket = int(position // self._window)
            near = [
                other
                for b in (bucket - 1, bucket, bucket + 1)
                for other in self._buckets.get(b, ())
                if abs(other.item.timestamp_s - position) <= self._window  # type: ignore[operator]
            ]
            near.sort(key=lambda other: abs(other.item.timestamp_s - position))  # type: ignore[operator]
            for other in near[:MAX_TIME_CANDIDATES]:
                found[id(other)] = other
        for token in sorted(profile.tokens):
            for other in self._postings.get(token, ())[-MAX_TOKEN_CANDIDATES:]:
                found.setdefault(id(other), other)
        # Wording: the indexed findings sharing the most keywords, a bounded read per keyword.
        shared: dict[int, int] = {}
        by_id: dict[int, GroupingProfile] = {}
        # (Sorted, and ties broken by recency, so the result never depends on set order.)
        for keyword in sorted(keyword_tokens(profile.item.text)):
            for other in self._keyword_postings.get(keyword, ())[-MAX_KEYWORD_POSTINGS:]:
                shared[id(other)] = shared.get(id(other), 0) + 1
                by_id[id(other)] = other
        ranked = sorted(
            (ident for ident in shared if ident not in found and shared[ident] >= 2),
            key=lambda ident: (-shared[ident], -by_id[ident].order),
        )
        for ident in ranked[:MAX_KEYWORD_CANDIDATES]:
            found[ident] = by_id[ident]
        if self._indexed <= MAX_CANDIDATES:
            for other in self._few:
                found.setdefault(id(other), other)
        return list(found.values())[:MAX_CANDIDATES]

    def add(self, item: GroupingItem) -> Hashable:
        """Index `item` and return its group label (its own key when it starts a group)."""
        profile = profile_item(item, self._categorize)
        self.rarity.add(profile.terms)
        profile = replace(profile, weight=self.rarity.total(profile.terms))
        if never_grouped(profile):
            return item.group if item.group is not None else item.key
        if item.group is not None:
            # Already grouped (say, by the creator): index it under that group, as it is.
            label = item.group
        else:
            candidates = self.candidates(profile)
            matched = (
                _best_group(profile, candidates, self._score, self.rarity, self._threshold)
                if candidates
                else None
            )
            label = matched if matched is not None else item.key
        indexed = self._indexed_per_group.get(label, 0)
        if indexed < REPRESENTATIVES_PER_GROUP:
            self._indexed_per_group[label] = indexed + 1
            self._indexed += 1
            stored = replace(profile, item=replace(item, group=label), order=self._indexed)
            if self._indexed <= MAX_CANDIDATES:
                self._few.append(stored)
            elif self._few:
                self._few = []
            if item.timestamp_s is not None:
                bucket = int(item.timestamp_s // self._window)
                self._buckets.setdefault(bucket, []).append(stored)
            for token in stored.tokens:
                self._postings.setdefault(token, []).append(stored)
            for keyword in sorted(keyword_tokens(item.text)):
                postings = self._keyword_postings.setdefault(keyword, [])
                postings.append(stored)
                if len(postings) > 4 * MAX_KEYWORD_POSTINGS:
                    # Only the most recent postings are ever read; keep memory flat.
                    del postings[:-MAX_KEYWORD_POSTINGS]
        return label


def group_findings(
    items: Sequence[GroupingItem], *, categorize: Categorizer | None = None
) -> list[Hashable]:
    """One group label per item, in order: the key of the first item of its group."""
    index = DuplicateIndex(categorize=categorize)
    return [index.add(item) for item in items]
