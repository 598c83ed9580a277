"""The transcript in triage, table-driven: a quoted phrase said near the comment's time is a
narration report at that line's time; quotes of on-screen text, short quotes, and lines far
away are not."""

from __future__ import annotations

import pytest

from errata.triage import triage_comment
from errata.triage.transcripts import TranscriptCue, cue_at, narration_match, quoted_phrases

CUES = [
    TranscriptCue(988.0, 990.5, "and I've been a little flow"),
    TranscriptCue(990.5, 993.25, "to explain what the weights do"),
    TranscriptCue(993.25, 996.0, "the bias is just a number"),
    TranscriptCue(60.0, 63.0, "and maybe that sounds like a lot"),
    TranscriptCue(300.0, 303.0, "the bias is just a number"),  # said twice in the video
]
CUES.sort(key=lambda c: c.start_s)


@pytest.mark.parametrize(
    ("text", "time_s", "line_start"),
    [
        ('At 16:30 you say "I\'ve been a little flow" - slow?', 990.0, 988.0),
        ("16:29: “been a little flow” should be 'a little slow'", 989.0, 988.0),
        ("around 16:35 'the bias is just a number' is not quite right", 995.0, 993.25),
        # A misheard word still matches (the fuzzy match), and a line split over two cues.
        ('"I have been a little flow to explain"', 992.0, 988.0),
        # No time: the one line anywhere that matches.
        ("You say 'and maybe that sounds like a lot' but it's not", None, 60.0),
    ],
)
def test_a_quoted_line_said_near_the_time_is_found(text, time_s, line_start):
    match = narration_match(text, time_s=time_s, cues=CUES)
    assert match is not None and match.cue.start_s == line_start


@pytest.mark.parametrize(
    ("text", "time_s"),
    [
        ('At 6:03 it should be "maybe" instead of "mabye"', 363.0),  # one word: on-screen text
        ("At 16:30 the label says 'weights and biases' twice", 990.0),  # not what is said
        ('16:30 "I\'ve been a little flow"', 400.0),  # said, but far from this time
        ("'the bias is just a number' is wrong", None),  # said twice: no time to choose by
        ("I've been a little flow, at 16:30", 990.0),  # not quoted
        ("", 10.0),
    ],
)
def test_other_quotes_are_not_narration(text, time_s):
    assert narration_match(text, time_s=time_s, cues=CUES) is None


def test_apostrophes_in_words_are_not_quotes():
    assert quoted_phrases("it's the network's job, isn't it") == []
    assert quoted_phrases("he said 'one two three' there") == ["one two three"]


def test_triage_calls_it_narration_and_pins_the_time_to_the_line():
    (finding,) = triage_comment(
        'At 16:30 you say "I\'ve been a little flow" - should be slow', transcript=CUES
    )
    assert (finding.category, finding.timestamp_s, finding.timestamp_source) == (
        "narration",
        988.0,
        "spoken",
    )
    assert finding.confidence >= 0.9
    (without,) = triage_comment('At 16:30 you say "I\'ve been a little flow" - should be slow')
    assert without.timestamp_s == 990.0 and without.timestamp_source == "text"


def test_the_line_at_a_time():
    assert cue_at(CUES, 989.9).text == "and I've been a little flow"
    assert cue_at(CUES, 500.0) is None
    assert cue_at(CUES, 997.0, slack_s=3).start_s == 993.25
    assert cue_at([], 5.0) is None
