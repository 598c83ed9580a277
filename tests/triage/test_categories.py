from __future__ import annotations

from collections import Counter

import pytest

from errata.triage.categories import (
    CATEGORIES,
    ERRATUM_CATEGORIES,
    CategorySuggestion,
    correction_pairs,
    is_chatter,
    quoted_strings,
    suggest_category,
)
from tests.triage.category_blind_set import BLIND_SET
from tests.triage.category_dev_set import DEV_SET
from tests.triage.category_holdout_set import HOLDOUT_SET


def accuracy(examples: list[tuple[str, str]]) -> float:
    right = sum(suggest_category(text).category == label for text, label in examples)
    return right / len(examples)


def erratum_accuracy(examples: list[tuple[str, str]]) -> float:
    right = sum(
        (suggest_category(text).category in ERRATUM_CATEGORIES) == (label in ERRATUM_CATEGORIES)
        for text, label in examples
    )
    return right / len(examples)


def test_the_dev_set_is_large_and_covers_every_category() -> None:
    counts = Counter(label for _, label in DEV_SET)
    assert len(DEV_SET) >= 150
    assert set(counts) == set(CATEGORIES)
    assert min(counts.values()) >= 20


def test_the_dev_set_is_classified_well() -> None:
    assert accuracy(DEV_SET) >= 0.93


def test_the_holdout_set_is_classified_well() -> None:
    assert accuracy(HOLDOUT_SET) >= 0.88


def test_the_blind_set_written_after_tuning_is_classified_well() -> None:
    # First scored after all tuning at 0.91 (0.93 after later general changes made for
    # other reasons); no rule was changed for it.
    assert accuracy(BLIND_SET) >= 0.85


@pytest.mark.parametrize(
    "examples", [DEV_SET, HOLDOUT_SET, BLIND_SET], ids=["dev", "holdout", "blind"]
)
def test_errata_are_told_from_feedback_and_praise(examples: list[tuple[str, str]]) -> None:
    assert erratum_accuracy(examples) >= 0.93


@pytest.mark.parametrize("category", CATEGORIES)
def test_no_category_is_left_behind_on_the_dev_set(category: str) -> None:
    examples = [(text, label) for text, label in DEV_SET if label == category]
    assert accuracy(examples) >= 0.8


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ('Just a typo: at 5:58, it should be "maybe" instead of "mabye".', "typo"),
        ("The title card says 'Eigenvetors', missing a c.", "typo"),
        ("Speling erur on the title slide!", "typo"),
        ("At 4:12 the integral is missing its dx.", "notation"),
        ("The subscripts should be a_{31}a_{22}a_{13}.", "notation"),
        ("The sign is flipped in the final equation.", "notation"),
        ("At 3:10 you say 'clockwise' but it rotates counterclockwise.", "narration"),
        ("You misspoke at 8:22.", "narration"),
        ("There's a loud click in the audio around 10:41.", "narration"),
        ("The red and green curves are impossible to tell apart (colorblind).", "color"),
        ("The yellow text on white has very low contrast.", "color"),
        ("The label overlaps with the arrow.", "visual"),
        ("There's a flicker when the matrix transforms.", "visual"),
        ("The graph is cut off at the right edge of the screen.", "visual"),
        ("The function returns inside the for loop, so it exits after one iteration.", "code"),
        ("The Python snippet is missing a colon after the def line.", "code"),
        ("Could you add a quick example with actual numbers before the proof?", "content"),
        ("Might be worth mentioning that this only works for conservative forces.", "content"),
        ("This is awesome!", "none"),
        ("Can't wait for the next part!", "none"),
        ("I'm curious, why Fridays? Does it get more views?", "none"),
        (":)", "none"),
        ("", "none"),
    ],
)
def test_clear_cases_get_their_category(text: str, category: str) -> None:
    assert suggest_category(text).category == category


@pytest.mark.parametrize(
    ("text", "not_category"),
    [
        ("Great visualizations and explanation!", "visual"),
        ("Really enjoyed the explanation of the matrix.", "notation"),
        ("This is not a typo, just a stylistic choice I like.", "typo"),
        ("Great video, no errors that I could spot!", "typo"),
        ("Thanks for the code walkthrough, super clear.", "code"),
    ],
)
def test_topic_words_alone_do_not_make_an_erratum(text: str, not_category: str) -> None:
    assert suggest_category(text).category != not_category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("The number line isn't centered, it hangs off to the left.", "visual"),
        ("The arrows don't line up with the grid.", "visual"),
    ],
)
def test_a_negated_description_is_a_problem(text: str, category: str) -> None:
    assert suggest_category(text).category == category


def test_hedging_lowers_the_confidence_but_keeps_the_category() -> None:
    plain = suggest_category("At 3:10 the exponent should be -x^2/2.")
    hedged = suggest_category("I could be wrong, but maybe at 3:10 the exponent should be -x^2/2.")
    assert plain.category == hedged.category == "notation"
    assert hedged.confidence < plain.confidence


@pytest.mark.parametrize("text", [t for t, _ in DEV_SET[::10]] + ["", "x", "?!"])
def test_the_confidence_is_a_probability(text: str) -> None:
    suggestion = suggest_category(text)
    assert isinstance(suggestion, CategorySuggestion)
    assert suggestion.category in CATEGORIES
    assert 0.0 <= suggestion.confidence <= 1.0


def test_a_clear_case_is_more_confident_than_a_vague_one() -> None:
    clear = suggest_category("Typo: 'recieve' should be 'receive' on the title slide.")
    vague = suggest_category("Hmm, something about this part.")
    assert clear.confidence > vague.confidence


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ('it should be "maybe" instead of "mabye"', [("maybe", "mabye")]),
        ("you misspelled 'maybe' as 'mabye.'", [("maybe", "mabye")]),
        ("'recieve' -> 'receive'", [("recieve", "receive")]),
        ("it says teh instead of the", [("teh", "the")]),
        ('"between 0 and 10" should be "between 0 and 9"', []),
        ("the electric field instead of the magnetic field", []),
    ],
)
def test_a_misspelling_and_its_fix_are_found_as_a_pair(
    text: str, pairs: list[tuple[str, str]]
) -> None:
    assert correction_pairs(text) == pairs


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ('Search for "mabye".', ["mabye"]),
        ("you say 'an output between zero and ten', but", ["an output between zero and ten"]),
        ("it's fine, don't worry", []),
        ("“curly” and ‘single’ and `code()`", ["curly", "single", "code()"]),  # noqa: RUF001
    ],
)
def test_quoted_strings_are_found_without_mistaking_apostrophes(
    text: str, quoted: list[str]
) -> None:
    assert quoted_strings(text) == quoted


@pytest.mark.parametrize(
    ("text", "chatter"),
    [
        ("Hope that helps.", True),
        ("Keep up the great work!", True),
        ("Thanks!", True),
        ("Might want to rerecord that line.", False),
        ("The arrow overlaps the label.", False),
    ],
)
def test_sign_offs_are_told_from_points(text: str, chatter: bool) -> None:
    assert is_chatter(text) is chatter


def test_html_pasted_with_a_comment_is_not_evidence() -> None:
    text = (
        'See this: <a href="https://www.youtube.com/watch?v=x&amp;feature=youtu.be" '
        'rel="nofollow noopener" target="_blank">a talk</a>. Fascinating research :)'
    )
    assert suggest_category(text).category == "none"
