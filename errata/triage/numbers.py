"""Numbers written as words ("twenty-one", "a", "one and a half"), for the times people type."""

from __future__ import annotations

import re

_ONES_TEXT = """
    zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen
"""
_ONES = _ONES_TEXT.split()
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60}
TENS.update({"seventy": 70, "eighty": 80, "ninety": 90})

NUMBER_WORDS: dict[str, int] = {word: value for value, word in enumerate(_ONES)}
NUMBER_WORDS.update(TENS)

# Longest alternatives first: the regex engine takes the first alternative that matches,
# and "sixteen" must not be read as "six" followed by garbage.
WORD_NUMBER = (
    r"(?:(?:"
    + "|".join(sorted(TENS, key=len, reverse=True))
    + r")(?:[-\s](?:one|two|three|four|five|six|seven|eight|nine)\b)?|"
    + "|".join(sorted(_ONES, key=len, reverse=True))
    + r")\b"
)


def parse_number_word(word: str) -> float | None:
    """The value of a number word or numeral: "twenty-one" 21, "7" 7, "1.5" 1.5, "a" 1.

    None when it is not a number."""
    word = word.strip().lower()
    if not word:
        return None
    if word in ("a", "an"):
        return 1.0
    try:
        return float(word)
    except ValueError:
        pass
    parts = re.split(r"[-\s]+", word)
    total = 0
    for part in parts:
        value = NUMBER_WORDS.get(part)
        if value is None:
            return None
        total += value
    return float(total)
