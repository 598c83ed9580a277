"""The patterns of positions people write in text ("6:00", "1 min 5 s", "@59", "?t=754",
"3分40秒"), and the words around a number that say it is one or that it is not. A rule table:
timestamps.py runs these and checks the context.
"""

from __future__ import annotations

import re

from errata.triage.numbers import WORD_NUMBER

NUM = r"(?:\d+(?:\.\d+)?|" + WORD_NUMBER + r")"
HALF = r"\s+and\s+a\s+half\b"
# A unit word must not run on into more letters ("5 sets", "2 moles") but may run on into
# digits ("2m30s").
END = r"(?![A-Za-z/^²³])"
H_UNIT = r"(?:hours|hour|hrs|hr|h)" + END
M_UNIT = r"(?:minutes|minute|mins|min|m)" + END + r"\.?"
S_UNIT = r"(?:seconds|second|secs|sec|s)" + END + r"\.?"
SEP = r"[\s,]*(?:and\s+)?"

DURATION_RE = re.compile(
    r"(?<![\w.:$/])(?=[\dA-Za-z])"
    r"(?:"
    # "half a minute", "half an hour"
    r"(?P<half>half\s+an?\s+(?P<half_unit>minute|min|hour)\b)"
    r"|"
    r"(?:(?P<h>"
    + NUM
    + r"|an?)(?P<h_half>"
    + HALF
    + r")?\s?-?\s?"
    + H_UNIT
    + r"(?P<h_half2>"
    + HALF
    + r")?)?"
    r"(?:"
    + SEP
    + r"(?P<m>"
    + NUM
    + r"|an?)(?P<m_half>"
    + HALF
    + r")?\s?-?\s?"
    + M_UNIT
    + r"(?P<m_half2>"
    + HALF
    + r")?)?"
    r"(?:" + SEP + r"(?P<s>" + NUM + r"|an?)\s?-?\s?" + S_UNIT + r")?"
    r")"
    r"(?P<suffix>\s+(?:in|into)\b(?:\s+the\s+(?:video|clip|cut))?|\s+mark\b)?",
    re.IGNORECASE,
)

# "6:00", "1:02:03", "00:25:38", "6:03.5"; not "L03:05", "16:9", "12:345", "1:2:3".
# Matched (not searched) at the digits before each colon, which str.find locates far faster
# than a regex scan; what may not stand before it ("L03:05", "1.2:30") is checked in code.
CLOCK_RE = re.compile(
    r"(?:(?P<h>\d{1,2}):(?=\d{1,3}:[0-5]\d))?(?P<m>\d{1,3}):(?P<s>[0-5]\d)"
    r"(?:\.(?P<frac>\d{1,3}))?"
    r"(?!\d|:\d|\.\d)"
    r"(?P<suffix>\s?ish\b|\s?(?:seconds|second|secs|sec|s|minutes|mins|min|m)(?![A-Za-z])"
    r"(?:\s+(?:in|into)\b)?|\s+mark\b)?",
    re.IGNORECASE,
)

# "at :55"; a bare ":55" anywhere else is too often something else.
BARE_SECONDS_RE = re.compile(
    r"(?:\b(?:at|around|near)\s+|@\s?):(?P<s>[0-5]\d)(?!\d|:\d)", re.IGNORECASE
)

# "@59", "@ 59s"; not "user@59.com", "@2x".
AT_SIGN_RE = re.compile(
    r"(?<![\w@])@\s?(?P<n>\d{1,5}(?:\.\d+)?)(?!\d|[:.]\d|\.\w|\s?[x\u00d7%])"
    r"(?:\s?(?:seconds|secs|sec|s)\b)?"
)

# "?t=754", "&t=4684s", "?t=1m2s", "&amp;t=1h2m3s", "?start=90", "#t=75".
LINK_RE = re.compile(
    r"(?<=[?&#;])(?:t|start|time_continue)=(?=\d)"
    r"(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+(?:\.\d+)?)s?)?(?![\w:])"
)

# "3分40秒", "3分钟", "1時間2分", "3분 40초".
CJK_RE = re.compile(
    r"(?=\d)(?:(?P<h>\d+)\s*(?:時間|小时|小時|시간)\s*)?"
    r"(?:(?P<m>\d+)\s*(?:分钟|分鐘|分|분)\s*)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:秒|초))?"
)

# "1192.91 - 1201.91": subtitle and transcript tools write positions as float seconds. Only
# as a pair (a lone float is a version, a price, a constant...), or with an "s" unit.
FLOAT_RANGE_RE = re.compile(
    r"(?<![\w.$€£/])(?P<a>\d{1,5}\.\d{1,3})(?P<as>\s?s\b)?\s*(?:-|\u2013|—|-->|to)\s*"
    r"(?P<b>\d{1,5}\.\d{1,3})(?P<bs>\s?s\b)?(?![\w.%]|\.\d)"
)

# "at minute 12", "in minute 3"
MINUTE_N_RE = re.compile(
    r"\b(?:at|around|in|near)\s+(?:the\s+)?(?:minute|min\.?)\s+(?P<m>\d{1,3})(?![\d:.])",
    re.IGNORECASE,
)

# Cue words that may stand right before a position and belong to its span.
CUE_WORDS_TEXT = """
    at around about approx approximately roughly near circa ca timestamp time from starting
    start right just exactly somewhere until till the @ ~
"""
CUE_WORDS = frozenset(CUE_WORDS_TEXT.split())
# Of those, the ones that make a bare "3 minutes" a position rather than a duration.
POSITION_CUES = frozenset(
    ["at", "around", "near", "timestamp", "time", "from", "starting", "start", "until", "till", "@"]
)
# Characters that may stand between cue words and the number ("timestamp: 6:00", "~5:00").
CUE_GAP = " \t\n:=~"
WORD_EDGE = "([{\"'\u201c\u2018,;!?"

# "3 minutes long", "6 seconds ahead", "5 seconds of silence": amounts of time, not positions.
DURATION_AFTER_RE = re.compile(
    r"\s*(?:ahead|later|earlier|before|after|behind|long|longer|shorter|of|ago|per|each|"
    r"apart|delay|delayed|lag|too|faster|slower|more|less|worth|away|off|out)\b",
    re.IGNORECASE,
)
# Words right before a number that make it an amount of time ("for 3 minutes", "takes 10
# seconds", "another 5 seconds"); modifiers between them and the number are skipped.
DURATION_BEFORE_WORDS_TEXT = """
    for take takes took taking last lasts lasted lasting spend spent wait waited another
    extra every each over under than within only whole entire first next additional couple
    few per by
"""
DURATION_BEFORE_WORDS = frozenset(DURATION_BEFORE_WORDS_TEXT.split())
DURATION_MODIFIERS = frozenset(
    ["about", "around", "approx", "approximately", "roughly", "the", "of", "just"]
)
IN_NOT_POSITION_RE = re.compile(r"\s*(?:total|length|duration|a\s+row)\b", re.IGNORECASE)

# "4:30 left", "with 4:30 to go": counted back from the end of the cut.
COUNTDOWN_AFTER_RE = re.compile(
    r"\s*(?:left|remaining|to\s+go|before\s+the\s+end|from\s+the\s+end)\b", re.IGNORECASE
)

# Times of day, ratios and verse references that share the clock's shape.
CLOCK_REJECT_AFTER_RE = re.compile(
    r"\s?(?:(?i:[ap]\.?\s?m)\b\.?|o'?clock\b|(?:UTC|GMT)\b|[A-Z]{1,3}[SD]?T\b|"
    r"(?i:ratio|aspect|split|odds|scale)\b)"
)
# Words right before a clock-shaped number that make it something else: "aspect ratio of
# 16:10", "version 2:10", "Psalm 23:4" (unambiguous book names only; "Mark", "Job" are also
# ordinary words).
CLOCK_REJECT_BEFORE_WORDS_TEXT = """
    ratio ratios aspect odds scale version python verse verses chapter psalm psalms genesis
    exodus leviticus deuteronomy proverbs ecclesiastes isaiah jeremiah ezekiel matthew luke
    john romans corinthians galatians ephesians philippians colossians hebrews revelation
"""
CLOCK_REJECT_BEFORE_WORDS = frozenset(CLOCK_REJECT_BEFORE_WORDS_TEXT.split())
PUNCTUATION = ".,:;!?()[]{}\"'\u201c\u201d\u2018\u2019-\u2013—~@=/"
