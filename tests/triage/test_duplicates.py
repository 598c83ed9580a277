from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Hashable
from pathlib import Path

import pytest

from errata.triage.duplicates import (
    MAX_CANDIDATES,
    MAX_KEYWORD_CANDIDATES,
    REPRESENTATIVES_PER_GROUP,
    TIME_WINDOW_S,
    DuplicateIndex,
    GroupingItem,
    GroupingProfile,
    Rarity,
    group_findings,
    index_tokens,
    match_group,
    score_pair,
)

SEED = Path(__file__).resolve().parents[2] / "errata" / "data" / "seed-labeled.json"


def item(key: Hashable, text: str, at: float | None = None, **kwargs: object) -> GroupingItem:
    return GroupingItem(key=key, text=text, timestamp_s=at, **kwargs)  # type: ignore[arg-type]


def same_group(items: list[GroupingItem]) -> bool:
    return len(set(group_findings(items))) == 1


MUST_MERGE = {
    "one misspelling reported seconds apart in three wordings": [
        item("a", 'Just a typo: at 5:58, it should be "maybe" instead of "mabye".', 358),
        item("b", "at around 6:03 it looks like you misspelled 'maybe' as 'mabye.'", 363),
        item("c", 'Ack. Speling erur! Search for "mabye".'),
    ],
    "one misspoken range written with digits, words and 'through'": [
        item("a", '@59: "between 0 and 10" should be "between 0 and 9" (presumably).', 59),
        item("b", "At 0:56, you say 'an output between zero and ten', but 'zero and nine'", 56),
        item("c", "at one minute in you said between 0 and 10 (rather than 0 through 9)", 60),
        item("d", 'Or perhaps "from 0 to 9" would be better.'),
    ],
    "one notation slip described twice, eleven seconds apart": [
        item("a", "around 14:09 the matrix should be k by n; the last row and bias are off", 849),
        item("b", "At 14:20, the indices of the matrix and bias vector are inconsistent.", 860),
    ],
    "one misspelled title reported with and without a time": [
        item("a", "The title card says 'Eigenvetors' at 2:14.", 134),
        item("b", "typo: 'Eigenvetors' should be 'Eigenvectors'"),
    ],
    "one flicker reported by three people within two seconds": [
        item("a", "There's a flicker when the matrix transforms.", 185),
        item("b", "the matrix flickers right as it transforms", 186),
        item("c", "Noticed a flicker in the matrix transformation at 3:07", 187),
    ],
    "similar complaints a few seconds apart in one scene": [
        item("a", "the label overlaps the arrow", 100, scene="Intro"),
        item("b", "a label is covering one of the arrows", 106, scene="Intro"),
    ],
    "a '+1' adds a voice to the report before it": [
        item("a", "There's a typo in the title that bugged me the whole video"),
        item("b", "+1, couldn't stop seeing it either"),
    ],
    "a brief untimed pointer and the timed report it points at": [
        item(
            "a", "At 4:05 the gradient formula is missing the minus sign on the second term.", 245
        ),
        item("b", "I think the sign in the formula at the bottom is wrong"),
    ],
    "a report pointing at one made before it": [
        item("a", 'At 3:10 the formula shows "dz/dW3" where it should be "dJ/dW2".', 190),
        item("b", "Hey, I think I came across the typo mentioned above, nice videos otherwise!"),
    ],
    "one code bug named by its identifier": [
        item("a", "At 9:14 np.dot(a, b) should be np.dot(b, a) given the shapes.", 554),
        item("b", "the np.dot(a, b) call has its arguments swapped", 560),
    ],
}

MUST_NOT_MERGE = {
    "neuron shading and a misspelling at the same moment": [
        item(
            "a",
            "timestamp: 6:00 it's confusing that the neurons are black or white in "
            "some shots and gray in others",
            360,
        ),
        item("b", 'Just a typo: at 5:58, it should be "maybe" instead of "mabye".', 358),
    ],
    "two different misspellings at the same moment": [
        item("a", "at 6:00 'teh' should be 'the'", 360),
        item("b", "at 6:02 'recieve' should be 'receive'", 362),
    ],
    "the same kind of problem at different moments": [
        item("a", "at 1:00 the label overlaps the arrow", 60),
        item("b", "at 9:00 the label overlaps the arrow", 540),
    ],
    "two different corrections stated at the same moment": [
        item("a", "At 2:10, the corner should be at (4, 3) instead of (5, 3).", 130),
        item("b", "At 2:10, the width should be 12, not 11.", 130),
    ],
    "the same complaint about two different slides": [
        item("a", "slide 11 is not shown while it is being talked about"),
        item("b", "slide 12 is not shown while it is being talked about"),
    ],
    "links to one tracker are not shared wording": [
        item("a", "Audio drops out https://example.org/course/unit-3/lesson-5/video", 30),
        item("b", "Wrong slide order https://example.org/course/unit-3/lesson-5/video", 300),
    ],
    "praise is never grouped": [
        item("a", "This is awesome!"),
        item("b", "This is awesome!"),
    ],
    "similar complaints a few seconds apart in different scenes": [
        item("a", "the label overlaps the arrow", 100, scene="Intro"),
        item("b", "a label is covering one of the arrows", 106, scene="Outro"),
    ],
    "a color complaint and a content question sharing a number range": [
        item(
            "a",
            "timestamp: 6:00 neurons black or white in some shots, gray in others. "
            "All neurons hold a value between 0 and 1, right?",
            360,
        ),
        item(
            "b",
            "sigmoid will squish the activation values into 0-1 might not make sense "
            "until you add that it makes the network nonlinear",
        ),
    ],
    "two unrelated suggestions without times": [
        item("a", "Might be helpful to elaborate on how networks are used for signal processing."),
        item("b", "Could you add a quick example with actual numbers before the proof?"),
    ],
}


@pytest.mark.parametrize("items", MUST_MERGE.values(), ids=MUST_MERGE.keys())
def test_reports_of_one_problem_are_grouped(items: list[GroupingItem]) -> None:
    assert same_group(items)


@pytest.mark.parametrize("items", MUST_NOT_MERGE.values(), ids=MUST_NOT_MERGE.keys())
def test_different_problems_stay_apart(items: list[GroupingItem]) -> None:
    labels = group_findings(items)
    assert len(set(labels)) == len(items)


def test_a_group_is_labelled_with_the_key_of_its_first_finding() -> None:
    items = MUST_MERGE["one misspelling reported seconds apart in three wordings"]
    assert group_findings(items) == ["a", "a", "a"]


def seed_items() -> list[GroupingItem]:
    data = json.loads(SEED.read_text(encoding="utf-8"))
    items = []
    for comment in data["videos"][0]["comments"]:
        if comment["role"] != "patron":
            continue
        for finding in comment["items"]:
            items.append(item(len(items), finding["text"], finding["timestamp_s"]))
    return items


@pytest.mark.parametrize(
    "items",
    [seed_items(), *MUST_MERGE.values(), *MUST_NOT_MERGE.values()],
)
def test_adding_findings_one_by_one_groups_them_like_the_batch(
    items: list[GroupingItem],
) -> None:
    index = DuplicateIndex()
    incremental = [index.add(i) for i in items]
    assert incremental == group_findings(items)


def test_matching_against_stored_candidates_agrees_with_the_index() -> None:
    # What the app does: each new finding is matched against the findings it fetched from
    # the database (near in time or sharing a token), which carry their group.
    items = seed_items()
    labels = group_findings(items)
    stored: list[GroupingItem] = []
    for finding, label in zip(items, labels, strict=True):
        group = match_group(finding, stored)
        expected = None if label == finding.key else label
        assert group == expected
        stored.append(
            GroupingItem(
                key=finding.key,
                text=finding.text,
                timestamp_s=finding.timestamp_s,
                group=group if group is not None else finding.key,
            )
        )


def test_match_group_returns_none_for_praise_and_for_no_candidates() -> None:
    assert match_group(item("x", "Awesome!"), [item("y", "Awesome!", group="g")]) is None
    assert match_group(item("x", "the label overlaps the arrow", 10), []) is None


def test_a_stored_finding_without_a_group_counts_as_its_own_group() -> None:
    stored = item("y", 'it should be "maybe" instead of "mabye"', 358)
    assert match_group(item("x", 'typo: "mabye"', 360), [stored]) == "y"


class CountingScorer:
    def __init__(self) -> None:
        self.compared: list[Hashable] = []

    def __call__(self, first: GroupingProfile, second: GroupingProfile, rarity: Rarity) -> float:
        self.compared.append(second.item.key)
        return score_pair(first, second, rarity)


def test_a_new_finding_is_compared_only_with_findings_near_it_in_time_or_sharing_a_token() -> None:
    scorer = CountingScorer()
    index = DuplicateIndex(scorer=scorer)
    # 600 distinct problems spread over ten minutes, one report each, sharing no token and
    # at most one keyword with the new finding.
    for n in range(600):
        index.add(item(f"far{n}", f"the zq{n} overlaps the wv{n}", n * 1.0))
    scorer.compared.clear()
    index.add(item("new", "the arrow overlaps the label", 300.0))
    assert scorer.compared
    assert len(scorer.compared) <= MAX_CANDIDATES
    positions = [int(str(key).removeprefix("far")) * 1.0 for key in scorer.compared]
    assert all(abs(p - 300.0) <= TIME_WINDOW_S for p in positions)


def test_a_finding_with_no_time_is_compared_only_with_findings_sharing_a_token() -> None:
    scorer = CountingScorer()
    index = DuplicateIndex(scorer=scorer)
    for n in range(300):
        index.add(item(f"t{n}", f"at this point the curve {n} is cut off", n * 2.0))
    index.add(item("typo", 'the title says "Eigenvetors"', 900.0))
    scorer.compared.clear()
    label = index.add(item("new", 'typo: "Eigenvetors" should be "Eigenvectors"'))
    assert scorer.compared == ["typo"]
    assert label == "typo"


def test_the_work_per_finding_stays_bounded_as_one_group_grows() -> None:
    scorer = CountingScorer()
    index = DuplicateIndex(scorer=scorer)
    calls = []
    for n in range(200):
        before = len(scorer.compared)
        index.add(item(n, 'at 6:00 "mabye" should be "maybe"', 360.0 + (n % 5)))
        calls.append(len(scorer.compared) - before)
    # Only the first few reports of a group are kept as its representatives.
    assert max(calls) <= REPRESENTATIVES_PER_GROUP
    reports = [item(n, 'typo at 6:00: "mabye"', 360.0 + n % 7) for n in range(50)]
    assert len(set(group_findings(reports))) == 1


def test_keyword_candidates_are_capped_however_many_findings_share_the_words() -> None:
    scorer = CountingScorer()
    index = DuplicateIndex(scorer=scorer)
    for n in range(500):
        index.add(item(n, f"why does the hidden layer have {n} neurons, is it arbitrary?"))
    scorer.compared.clear()
    index.add(item("new", "why do the hidden layers have so many neurons? seems arbitrary"))
    assert 0 < len(scorer.compared) <= MAX_KEYWORD_CANDIDATES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Search for "mabye".', {"w:mabye"}),
        ("it should be maybe instead of mabye", {"w:maybe", "w:mabye"}),
        ("between 0 and 10", {"n:0-10"}),
        ("between zero and ten", {"n:0-10"}),
        ("rather than 0 through 9", {"n:0-9"}),
        ('"from 0 to 9" would be better', {"q:from 0 to 9", "n:0-9"}),
        ("goes from w_{0,0} to w_{0,n}", {"m:w_{0,0}", "m:w_{0,n}"}),
        ("should the last bias not be b_k?", {"m:b_k"}),
        ("the call to matrix_multiply() fails", {"c:matrix_multiply"}),
        ("at 6:00 - 6:03 the label flickers", set()),
        ("Great video!", set()),
    ],
)
def test_index_tokens_are_few_strong_and_normalised(text: str, expected: set[str]) -> None:
    assert index_tokens(text) == expected


def test_grouping_and_categories_do_not_depend_on_the_hash_seed() -> None:
    # Sets of strings iterate in an order that changes with PYTHONHASHSEED; nothing the
    # engine answers may depend on it.
    script = (
        "from tests.triage.test_duplicates import seed_items\n"
        "from tests.triage.test_robustness import fragments\n"
        "from errata.triage.duplicates import GroupingItem, group_findings\n"
        "from errata.triage.categories import suggest_category\n"
        "items = seed_items() + [GroupingItem(key=1000 + n, text=t, timestamp_s=(n * 7) % 600)"
        " for n, t in enumerate(fragments(200, 9))]\n"
        "print(group_findings(items))\n"
        "print([suggest_category(i.text) for i in items])\n"
    )
    root = Path(__file__).resolve().parents[2]
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1


def test_grouping_the_same_findings_twice_gives_the_same_groups():
    # Many reports with no time that share wording: keyword postings fill up and are trimmed,
    # which once let the index confuse a freed profile with a new one and group differently.
    rng = random.Random(7)
    words = [
        "axis",
        "label",
        "legend",
        "arrow",
        "caption",
        "matrix",
        "vector",
        "neuron",
        "layer",
        "weight",
        "bias",
        "curve",
    ]
    items = [
        GroupingItem(
            key=n,
            text=f"The {rng.choice(words)} and the {rng.choice(words)} {rng.choice(words)} "
            f"overlap in the {rng.choice(words)} scene.",
            timestamp_s=None,
            category="visual",
        )
        for n in range(3000)
    ]
    assert group_findings(items) == group_findings(items)


def test_places_are_read_from_the_ways_reports_name_them() -> None:
    from errata.triage.grouping_tokens import place_tokens

    assert place_tokens("Chapter 13.7: Slide 14/14 added a factor") == {"slide:14"}
    assert place_tokens("p216 Eqn. (6.73): k(n) should be p(k)") == {"page:216", "eq:6.73"}
    assert place_tokens("at 3:56 the label is wrong") == frozenset()
