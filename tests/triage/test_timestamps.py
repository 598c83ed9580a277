from __future__ import annotations

import itertools

import pytest

from errata.triage.timestamps import (
    Timestamp,
    extract_timestamps,
    format_time,
    parse_number_word,
    parse_time,
)


def seconds(text: str, duration_s: float | None = None) -> list[float]:
    return [t.seconds for t in extract_timestamps(text, duration_s=duration_s)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6:00", [360]),
        ("the label at 6:00 is cut off", [360]),
        ("1:02:03", [3723]),
        ("00:25:38", [1538]),
        ("0:56, you say", [56]),
        ('@59: "between 0 and 10"', [59]),
        ("@ 59 the text", [59]),
        ("at :55 the arrow jumps", [55]),
        ("Around 11:38, have we discussed", [698]),
        ('16:30ish "I\'ve been a little flow"', [990]),
        ("timestamp: 6:00\n\nI think it's confusing", [360]),
        ("Timestamp 6:00 - the shading", [360]),
        ("at around one minute in you said", [60]),
        ("at approx. 1 min the title", [60]),
        ("33 seconds in there is a flash", [33]),
        ("1 min 5 s: typo", [65]),
        ("2m30s the axis", [150]),
        ("at 2 minutes 30 seconds", [150]),
        ("at 14:45 seconds the sign flips", [885]),
        ("from 9:01 to 9:19 the audio is quiet", [541, 559]),
        ("10:00 - 10:38 is too fast", [600, 638]),
        ("10:00-10:38", [600, 638]),
        ("2:30 until 2:55", [150, 175]),
        ("at 13:00, 14:40 and 15:40 the label flickers", [780, 880, 940]),
        ("1192.91 - 1201.91 the narration", [1192.91, 1201.91]),
        ("[12.5s - 14.0s] audio click", [12.5, 14.0]),
        ("https://www.youtube.com/watch?v=abc&t=754", [754]),
        ("https://www.youtube.com/watch?v=abc&t=4684s", [4684]),
        ("https://youtu.be/abc?t=1m2s", [62]),
        ("youtu.be/ID?t=172 here", [172]),
        ('<a href="https://youtu.be/x?t=172">https://youtu.be/x?t=172</a>', [172]),
        ("watch?v=abc&amp;t=90", [90]),
        ("3分40秒のところ", [220]),
        ("1時間2分3秒", [3723]),
        ("a minute and a half in", [90]),
        ("half a minute in", [30]),
        ("one and a half minutes in the arrow", [90]),
        ("at twenty-one seconds", [21]),
        ("around forty five seconds in", [45]),
        ("about 2 minutes in", [120]),
        ("around 3 minutes into the video", [180]),
        ("at the 3 minute mark", [180]),
        ("at the 3:40 mark", [220]),
        ("at minute 12", [720]),
        ("at 1:02.5 exactly", [62.5]),
        ("at 1h2m3s", [3723]),
        ("(6:03) typo", [363]),
        ("[6:03]", [363]),
    ],
)
def test_every_written_form_of_a_position_is_read(text: str, expected: list[float]) -> None:
    assert seconds(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text",
    [
        "it should output a number between 0 and 10",
        "from 0 to 9 would be better",
        "the images are 28x28 pixels",
        "the first row goes from w_{0,0} to w_{0,n}",
        "should the last bias not be b_k?",
        "see L03:05 in the lecture notes",
        "section T2.L7.S13 of the course",
        "as in video 2.6 of the series",
        "Slide 30 has a typo",
        "page 7 of the book",
        "the audio is 6 seconds ahead of the picture",
        "the video is 16:9",
        "a 3:2 ratio",
        "16:10 aspect ratio",
        "the aspect ratio of 16:10",
        "v1.2 of the library",
        "Python 3.11 removed it",
        "it costs $4.99",
        "let's meet at 5:30pm",
        "see you at 5:30 PM",
        "at 17:30 UTC",
        "John 3:16",
        "it takes 3 minutes to render",
        "the intro lasts 20 seconds",
        "for 5 seconds nothing happens",
        "another 10 seconds of silence",
        "a 5 minute video",
        "in the 90s",
        "at 30 fps",
        "at 5 m/s",
        "at 2x speed",
        "write to me@59.com",
        "the range (0, 0.5)",
        "values into 0-1",
        "chapter 4 covers this",
        "part 2 of the series",
        "a 3 by 3 matrix",
        "x^2 + 1",
        "0.5 - 0.7 of the area",
        "the 2nd derivative",
        "1:2:3",
        "12:345",
    ],
)
def test_things_that_only_look_like_positions_are_not_read(text: str) -> None:
    assert seconds(text) == []


@pytest.mark.parametrize(
    ("text", "duration_s", "expected"),
    [
        ("4:30 left the arrow flickers", 1200, [930]),
        ("with 4:30 to go the sign flips", 1200, [930]),
        ("4:30 remaining", 1200, [930]),
        ("4:30 left the arrow flickers", None, []),
        ("with 4:30 to go", None, []),
        ("with 30 seconds left", 600, [570]),
    ],
)
def test_countdowns_count_back_from_the_end_only_when_the_duration_is_known(
    text: str, duration_s: float | None, expected: list[float]
) -> None:
    assert seconds(text, duration_s) == expected


@pytest.mark.parametrize(
    ("text", "duration_s", "expected"),
    [
        ("at 25:00 the title", 1153, []),
        ("at 19:13 the end card", 1153, [1153]),
        ("at 19:14 the end card", 1153, []),
        ("1:02:03", 1153, []),
        ("1:02:03", None, [3723]),
        ("?t=4684s", 1153, []),
        ("9:01 to 25:00", 1153, [541]),
    ],
)
def test_positions_past_the_end_of_the_cut_are_dropped(
    text: str, duration_s: float | None, expected: list[float]
) -> None:
    assert seconds(text, duration_s) == expected


def test_a_countdown_longer_than_the_cut_never_gives_a_negative_position() -> None:
    assert seconds("20:00 left", 600) == []


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("Around 11:38, have we", "Around 11:38"),
        ("16:30ish \"I've been", "16:30ish"),
        ("timestamp: 6:00\n\nI think", "timestamp: 6:00"),
        ("The error was at around one minute in you said", "at around one minute in"),
        ("Hi. @59: between", "@59"),
        ("In terms of errors, at around 6:03, when", "at around 6:03"),
        ("13:11 - the pi creature", "13:11"),
        ("at 14:45 seconds the sign", "at 14:45 seconds"),
    ],
)
def test_each_position_keeps_the_span_of_text_it_was_read_from(text: str, matched: str) -> None:
    (stamp,) = extract_timestamps(text)
    assert stamp.text == matched
    assert text[stamp.start : stamp.end] == matched


def test_positions_come_back_in_text_order_with_spans_that_do_not_overlap() -> None:
    text = "at 13:00, 14:40 and 15:40 the label flickers; see also ?t=30 and @5"
    stamps = extract_timestamps(text)
    assert [s.seconds for s in stamps] == [780, 880, 940, 30, 5]
    assert all(a.end <= b.start for a, b in itertools.pairwise(stamps))
    assert all(isinstance(s, Timestamp) for s in stamps)


def test_the_same_position_written_twice_is_read_twice() -> None:
    assert seconds("6:00 is odd, and 6:00 again later") == [360, 360]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6:03", 363),
        ("1:02:03", 3723),
        ("75", 75),
        ("75.5", 75.5),
        ("1m5s", 65),
        ("1 min 5 s", 65),
        ("90s", 90),
        ("2 minutes", 120),
        ("1h", 3600),
        ("6:03ish", 363),
        (" 6:03 ", 363),
        ("0:00", 0),
        ("", None),
        ("abc", None),
        ("-5", None),
        ("1:60", None),
        ("6:03 and 7:00", None),
        ("5:30pm", None),
    ],
)
def test_a_typed_time_field_is_parsed_as_one_position(value: str, expected: float | None) -> None:
    assert parse_time(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(363, "6:03"), (3723, "1:02:03"), (0, "0:00"), (59.6, "1:00"), (600, "10:00"), (-5, "-0:05")],
)
def test_positions_are_formatted_as_a_clock(value: float, expected: str) -> None:
    assert format_time(value) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [("one", 1), ("twenty-one", 21), ("forty five", 45), ("sixty", 60), ("a", 1), ("7", 7)],
)
def test_number_words_are_normalised(word: str, expected: float) -> None:
    assert parse_number_word(word) == expected


def test_text_without_digits_or_units_costs_nothing_and_gives_nothing() -> None:
    assert extract_timestamps("") == []
    assert extract_timestamps("Great video, thanks!") == []
