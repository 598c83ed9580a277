"""Suggested corrections (wrong -> right) read from reports, in the ways people state them."""

from __future__ import annotations

import pytest

from errata.triage.corrections import correction_key, extract_correction


@pytest.mark.parametrize(
    ("text", "wrong", "right"),
    [
        # The seed's own reports (3blue1brown, "But what is a neural network?").
        ('Just a typo: at 5:58, it should be "maybe" instead of "mabye".', "mabye", "maybe"),
        ("it looks like you misspelled 'maybe' as 'mabye.'", "mabye", "maybe"),
        ('@59: "between 0 and 10" should be "between 0 and 9" (presumably).', None, "9"),
        # The forms the issue names.
        ("'mabye' should be 'maybe'", "mabye", "maybe"),
        ("it says 10, should be 9", "10", "9"),
        ('the slide shows "recieve" instead of "receive"', "recieve", "receive"),
        ('Oops, I said "sine" but meant "cosine"', "sine", "cosine"),
        ("Typo at 15:10: 'lenght' instead of 'length'.", "lenght", "length"),
        # Errata-list forms.
        ("At 3:56 the width should be 12, and not 11.", "11", "12"),
        ("At 6:29 the third answer is 256, not 64.", "64", "256"),
        ('At 5:07 the second letter should be "B", not "D".', "D", "B"),
        ("At 4:17 the result is $x = 6$, not $x = -6$.", "x = -6", "x = 6"),
        ("At 27:20, 8^3 is _not_ 255 but 512.", "255", "512"),
        ("Slide 4: replace 'mabye' with 'maybe'.", "mabye", "maybe"),
        ('Slide 3: changed "decrease" to "increase".', "decrease", "increase"),
        ("Slide 2: the title should read 'Gradient' not 'Gradeint'", "Gradeint", "Gradient"),
        ("mabye \u2192 maybe", "mabye", "maybe"),
        ("n_sigma should be n_a", "n_sigma", "n_a"),
        (
            "It should be -1.14 instead of 1.14. [[See discussion](https://x.org/1)]",
            "1.14",
            "-1.14",
        ),
    ],
)
def test_a_stated_correction_is_read(text: str, wrong: str | None, right: str) -> None:
    found = extract_correction(text)
    assert found is not None
    assert right in found.right
    if wrong is not None:
        assert found.wrong == wrong
    assert found.right != found.wrong


@pytest.mark.parametrize(
    "text",
    [
        "Great video, thanks!",
        # A link, or a word naming where the error is, is not a correction.
        "In the video, the link to the booksite should be https://example.org.",
        "The 100th item should be vals[99].",
        "The audio is out of sync at 7:10.",
        "Why do we need the bias at all?",
        # Describing, not correcting: the right side only adds to the wrong one.
        "The last row should be the k-th row, and the last column the n-th column",
        # A breadcrumb of a course's menus is not a correction.
        "Go to Academy -> Senior -> E-Commerce -> Payments",
        "",
    ],
)
def test_reports_that_state_no_correction_give_none(text: str) -> None:
    assert extract_correction(text) is None


def test_corrections_compare_without_case_quotes_or_edge_punctuation() -> None:
    assert correction_key("“Mabye.”", "maybe") == correction_key("mabye", "Maybe")
    assert correction_key("mabye", "maybe") != correction_key("mabye", "may be")
