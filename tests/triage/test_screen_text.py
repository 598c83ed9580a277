from __future__ import annotations

import pytest

from errata.triage.screen_text import (
    ScreenQuery,
    ScreenText,
    find_phrase,
    normalise_word,
    screen_query,
    search_window,
)


@pytest.mark.parametrize(
    ("text", "category", "wrong", "right", "expected"),
    [
        # The correction triage read wins over the quotes around it.
        (
            'at 5:58, it should be "maybe" instead of "mabye".',
            "typo",
            "mabye",
            "maybe",
            ScreenQuery("mabye", "maybe"),
        ),
        # A quoted word alone is looked for as it is written.
        ('Search for "mabye".', "typo", "", "", ScreenQuery("mabye")),
        (
            '1:41, it looks odd to have "learning" floating',
            "visual",
            "",
            "",
            ScreenQuery("learning"),
        ),
        # A spoken line quoted is looked for too: not finding it is the narration hint.
        (
            '@59: "between 0 and 10" should be "between 0 and 9"',
            "narration",
            "between 0 and 10",
            "between 0 and 9",
            ScreenQuery("between 0 and 10", "between 0 and 9"),
        ),
        # Praise and suggestions are never about the frame.
        ('Loved the "universality" bit', "none", "", "", None),
        ('maybe say "from 0 to 9"', "content", "", "", None),
        # Nothing quoted, or too short, or a whole sentence: nothing to look for.
        ("the matrix should be k by n", "notation", "k", "n", None),
        ("typo around 6 minutes", "typo", "", "", None),
        ('"this is a very long quoted sentence of many words indeed"', "narration", "", "", None),
    ],
)
def test_what_a_report_says_is_on_screen(text, category, wrong, right, expected):
    assert (
        screen_query(text, category=category, correction_wrong=wrong, correction_right=right)
        == expected
    )


@pytest.mark.parametrize(
    ("time_s", "time_text", "source", "scene", "expected"),
    [
        (358.0, "at 5:58", "text", None, (353.0, 363.0, "precise")),
        (59.0, "@59", "text", None, (54.0, 64.0, "precise")),
        (363.0, "at around 6:03", "text", None, (355.0, 371.0, "hedged")),
        (990.0, "16:30ish", "text", None, (982.0, 998.0, "hedged")),
        (60.0, "around one minute in", "text", None, (40.0, 80.0, "vague")),
        (120.0, "", "player", None, (115.0, 125.0, "precise")),
        (2.0, "at 0:02", "text", None, (0.0, 7.0, "precise")),
        # No time: the scene's span.
        (None, "", "", (330.0, 400.0), (330.0, 400.0, "scene")),
        # At the very end: up to the end.
        (1153.0, "at 19:13", "text", None, (1148.0, 1153.0, "precise")),
    ],
)
def test_the_window_widens_with_a_vaguer_time(time_s, time_text, source, scene, expected):
    window = search_window(
        time_s=time_s, time_text=time_text, source=source, scene_span=scene, duration_s=1153.0
    )
    assert (window.start_s, window.end_s, window.basis) == expected


def test_no_time_and_no_scene_is_no_window():
    assert (
        search_window(time_s=None, time_text="", source="", scene_span=None, duration_s=60) is None
    )


def _words(*texts: str) -> list[ScreenText]:
    return [ScreenText(t, 90.0, 10 + 60 * i, 100, 50, 20) for i, t in enumerate(texts)]


def test_a_phrase_is_found_across_words_with_its_union_box():
    match = find_phrase(_words("The", "network", "mabye", "learns"), "network mabye")
    assert match is not None
    assert (match.text, match.left, match.width) == ("network mabye", 70, 110)


@pytest.mark.parametrize(
    ("words", "phrase", "found"),
    [
        (("The", "network", "mabye.", "learns"), "mabye", True),
        (("MABYE",), "mabye", True),
        # The right text is not the wrong one: two letters swapped is another word.
        (("The", "network", "maybe", "learns"), "mabye", False),
        (("mabyes",), "mabye", False),
        # A reader's split word still matches.
        (("ma", "bye"), "mabye", True),
        (("between", "0", "and", "10"), "between 0 and 10", True),
        (("between", "0", "and", "9"), "between 0 and 10", False),
        ((), "mabye", False),
    ],
)
def test_find_phrase_is_exact_but_ignores_case_punctuation_and_splits(words, phrase, found):
    assert (find_phrase(_words(*words), phrase) is not None) is found


def test_normalise_word_drops_punctuation_and_case():
    assert normalise_word("“Mabye.”") == "mabye"
