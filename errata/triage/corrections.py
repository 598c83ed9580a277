"""The correction a report asks for, when it states one: what is wrong and what is right.

Reporters state corrections in a handful of ways; each rule below reads one of them:

- "'mabye' should be 'maybe'", "it says 10, should be 9", "n_sigma should actually be n_a"
- "it should be 'maybe' instead of 'mabye'" (right first) and "'outputes' instead of
  'outputs'" (wrong first)
- "misspelled 'maybe' as 'mabye'", "'Fukushima' is misspelled as 'Fukuskima'"
- "'mabye' -> 'maybe'", "mabye → maybe"
- "should be -1/(e^pi), not 1/(e^pi)", "it's sine, not cosine", "the answer is 12, not 11",
  "$x = 6$, not $x = -6$" (inline math counts as quoted), "is not 255 but 512"
- "replace 'mabye' with 'maybe'", "changed 'decrease' to 'increase'", "changed ... from X to Y"
- "Expected `... U ...` / Actual `... you ...`" (a bug-report template)
- "you meant 'between 0 and 9'", "I mean Patients per week" (only what is right)

A side is a quoted string when the reporter quoted one, else one term next to the connecting
words ("x^2", "n_a", "Stanford"). `wrong` may be empty ("meant ..."); `right` never is.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

__all__ = ["Correction", "correction_key", "extract_correction"]

_MAX_SIDE = 80


@dataclass(frozen=True)
class Correction:
    wrong: str
    right: str


_QUOTES = {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u00ab": '"', "\u00bb": '"'}
_QUOTE_TABLE = str.maketrans(_QUOTES)
_TAG_RE = re.compile(r"<[a-zA-Z/][^>\n]{0,500}>")
# A quoted string: "...", `...`, or '...' not made of apostrophes ("it's ... don't").
_QUOTED = r"""(?:"([^"\n]{1,80})"|`([^`\n]{1,80})`|(?<![\w])'([^'\n]{1,80}?)'(?![\w]))"""
# One term: a run of non-space characters that is not only punctuation.
_TERM = r"""(?<![\w:])([^\s"'`,;:!?()\[\]]*[\w^*+/=\-\[\]()]+)"""
_SIDE = rf"(?:{_QUOTED}|{_TERM})"
# After the connecting words an article may come first ("should be an '-'"), and an unquoted
# side runs to the end of its clause ("should be 0 and 9", "I mean Patients per week").
# (A clause stops before the words that start the next one: "n_a as later shown".)
_CLAUSE_STOP = (
    r"(?:as|because|since|which|when|where|while|in|on|at|for|instead|rather|but|"
    r"and\s+(?:the|it|this|that|then)|so|if|to\s+(?:the|make))\b"
)
_CLAUSE = (
    r"""(?<![\w:])((?:\[[^\]\n]{1,40}\]|[^\s"'`,;:!?]+)"""
    rf"""(?:[ \t]+(?!{_CLAUSE_STOP})[^\s"'`,;:!?]+){{0,5}})"""
)
_SIDE_AFTER = rf"(?:(?:an?|the)\s+)?(?:{_QUOTED}|{_CLAUSE})"

_SHOULD = (
    r"(?:should|must|ought\s+to)\s+(?:actually\s+|really\s+|rather\s+|probably\s+)?"
    r"(?:be|read|say|have\s+been|be\s+spelled|be\s+spelt|be\s+written)(?:\s+as)?"
    r"(?:\s+(?:actually|really|just|instead))?"
)
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "misspelled 'maybe' as 'mabye'", "spelled 'maybe' as 'mabye'" (right, then wrong)
    (
        "misspelled_as",
        re.compile(
            rf"\b(?:misspell(?:ed|s|ing)?|mis-spelled|spell(?:ed|s)?)\s+{_SIDE}\s+as\s+{_SIDE_AFTER}",
            re.I,
        ),
    ),
    # "'Fukushima' is misspelled as 'Fukuskima'" (right, then wrong)
    (
        "is_misspelled_as",
        re.compile(
            rf"{_SIDE},?\s+(?:is|was|got)\s+(?:misspelled|misspelt|spelled|spelt|written)\s+as\s+{_SIDE_AFTER}",
            re.I,
        ),
    ),
    # "should be 'maybe' instead of 'mabye'" (right, then wrong)
    (
        "should_instead",
        re.compile(
            rf"{_SHOULD}\s+{_SIDE_AFTER}\s+(?:instead\s+of|rather\s+than)\s+{_SIDE_AFTER}", re.I
        ),
    ),
    # "should be -1/(e^pi), not 1/(e^pi)", "should be 12, and not 11", "it's sine, not
    # cosine", "the answer is 256, not 64", "$x = 6$, not $x = -6$" (right, then wrong)
    (
        "not",
        re.compile(
            rf"(?:{_SHOULD}\s+{_SIDE_AFTER},?|\b(?:it's|is|are|was|were)\s+{_SIDE_AFTER},|{_QUOTED},)"
            rf"\s+(?:and\s+)?not\s+{_SIDE_AFTER}",
            re.I,
        ),
    ),
    # "8^3 is not 255 but 512", "should not have $a^2$ but $a$" (wrong, then right)
    (
        "not_but",
        re.compile(
            rf"\b(?:is|are|was|were|should|must)\s+not\s+(?:have\s+|be\s+)?{_SIDE_AFTER},?\s+but\s+(?:rather\s+)?{_SIDE_AFTER}",
            re.I,
        ),
    ),
    # "changed "decrease" to "increase"", "changed the calculation from nats to bits"
    # (wrong, then right)
    (
        "changed",
        re.compile(
            rf"\bchang(?:ed|es|e|ing)\s+(?:{_QUOTED}|(?:[\w-]+\s+){{0,3}}?from\s+{_TERM})\s+to\s+{_SIDE_AFTER}",
            re.I,
        ),
    ),
    # "it says between 0 and 10, should be between 0 and 9" (wrong, then right)
    (
        "says_should",
        re.compile(
            rf"\b(?:says|said|reads|read|shows|wrote|writes|typed|is\s+written\s+as)\s+{_SIDE_AFTER}\s*[,;:]?\s+(?:but\s+)?(?:it\s+|this\s+|that\s+)?{_SHOULD}\s*:?\s+{_SIDE_AFTER}",
            re.I,
        ),
    ),
    # "'mabye' should be 'maybe'" (wrong, then right)
    ("should", re.compile(rf"{_SIDE}\s*[,;:]?\s+{_SHOULD}\s*[,:]?\s+{_SIDE_AFTER}", re.I)),
    # "you say 'between zero and ten', but ... if you said 'between zero and nine'"
    (
        "said_if_said",
        re.compile(
            rf"\byou\s+(?:say|said|wrote|write)\s+{_QUOTED}.{{0,160}}?\b(?:if\s+you\s+said|you\s+(?:could|should|would)\s+(?:have\s+)?(?:say|said)|better\s+to\s+say|to\s+say)\s+{_QUOTED}",
            re.I | re.S,
        ),
    ),
    # "I said "sine" but meant "cosine"" (wrong, then right)
    (
        "said_meant",
        re.compile(
            rf"\b(?:say|said|says|wrote|write|writes)\s+{_QUOTED}\s*,?\s*(?:but|and|when|where)?\s*(?:you\s+|i\s+)?(?:meant|mean|intended)\s+(?:to\s+(?:say|write)\s+)?{_QUOTED}",
            re.I,
        ),
    ),
    # "'outputes' instead of 'outputs'" (wrong, then right)
    (
        "instead",
        re.compile(rf"{_SIDE}\s+(?:instead\s+of|rather\s+than)\s+(?:from\s+)?{_SIDE_AFTER}", re.I),
    ),
    # "replace 'mabye' with 'maybe'", "'mabye' replaced by 'maybe'" (wrong, then right)
    (
        "replace",
        re.compile(rf"\breplac(?:e|ed|ing)\s+{_SIDE}\s+(?:with|by)\s+{_SIDE_AFTER}", re.I),
    ),
    # "'mabye' -> 'maybe'" (wrong, then right)
    ("arrow", re.compile(rf"{_SIDE}\s*(?:->|→|=>|⟶)\s*{_SIDE_AFTER}")),
    # "you meant 'x'", "I meant to say 'x'", "Oops! I mean x" (right only)
    (
        "meant",
        re.compile(
            rf"\b(?:you|i)\s+(?:meant|mean)\s+(?:to\s+(?:say|write)\s+)?{_SIDE_AFTER}", re.I
        ),
    ),
)
# What a rule's text must contain: most reports contain none of it, and skip every pattern.
_NEEDS: dict[str, tuple[str, ...]] = {
    "misspelled_as": ("spel",),
    "is_misspelled_as": (" as ",),
    "should_instead": ("should", "must", "ought"),
    "not": (" not ",),
    "not_but": (" not ", "_not_"),
    "changed": ("chang",),
    "says_should": ("should", "must", "ought"),
    "should": ("should", "must", "ought"),
    "said_if_said": ("you say", "you said", "you wrote", "you write"),
    "instead": ("instead", "rather than"),
    "replace": ("replac",),
    "arrow": ("->", "\u2192", "=>", "\u27f6"),
    "said_meant": ("mean", "intended"),
    "meant": ("mean",),
}
_ANY_NEEDED = tuple(sorted({w for words in _NEEDS.values() for w in words} | {"expected"}))
# "Expected `...` ... Actual `...`": the expected text is right, the actual one wrong.
_EXPECTED_RE = re.compile(rf"expected\W{{0,12}}{_QUOTED}", re.I)
_ACTUAL_RE = re.compile(rf"actual\W{{0,12}}{_QUOTED}", re.I)
# Words that connect or point but never are the thing corrected.
_NOT_A_TERM_TEXT = """
    it this that there which what these those they he she we you i its one typo error mistake
    word words value text title line here and or but so to be is was a an the of in on at it's
    should actually also probably just rather
"""
_NOT_A_TERM = frozenset(_NOT_A_TERM_TEXT.split())
# Words that start a place or a reason, never a corrected value ("should be in the layer").
_NOT_A_VALUE_START_TEXT = """
    in at on of for to with from by about into onto over under after before during
    when where why how what which who whom whose that if whether than as able possible
"""
_NOT_A_VALUE_START = frozenset(_NOT_A_VALUE_START_TEXT.split())
# A correction stated in prose without quotes needs a sign that it is one ("used the
# blackboard instead of the slides" corrects nothing).
_CUE_RE = re.compile(
    r"\b(?:typo\w*|misspel\w*|spell\w*|wrong\w*|errors?|mistakes?|incorrect\w*|says|said|"
    r"written|wrote|typed|reads|should|meant|fix\w*)\b",
    re.I,
)
_ARROWS = ("->", "→", "=>", "⟶")
_MATH_RE = re.compile(r"\$\$?([^$\n]{1,80})\$\$?")
_BLOCKQUOTE_RE = re.compile(r"^[ \t]*>[ \t]?(.+?)[ \t]*$", re.M)


def _side(groups: tuple[str | None, ...]) -> tuple[str, bool]:
    """(the text of one side, whether it was quoted) from a _SIDE match's four groups."""
    for quoted in groups[:3]:
        if quoted is not None:
            # "misspelled 'maybe' as 'mabye.'": the sentence's full stop is not the word's.
            return quoted.strip().rstrip(".,;:!?").strip(), True
    term = (groups[3] or "").strip()
    return term.rstrip(".").strip(), False


def _plausible(value: str, quoted: bool) -> bool:
    if not value or len(value) > _MAX_SIDE:
        return False
    if value.lower().startswith(("http", "www.")):
        return False  # "the link to the booksite should be https://...": a link, not a fix
    if quoted:
        return True
    return value.lower() not in _NOT_A_TERM and any(c.isalnum() for c in value)


def _clean(text: str) -> str:
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = text.translate(_QUOTE_TABLE)
    if "**" in text:
        text = text.replace("**", "")
    if "_not_" in text:
        text = text.replace("_not_", "not")
    if "$" in text:
        # Inline math ("$x = 6$, not $x = -6$") is quoted the way code is.
        text = _MATH_RE.sub(lambda m: f'"{m.group(1).strip()}"', text)
    if ">" in text:
        # A markdown quotation ("> Static Analsysis") quotes what is on screen.
        text = _BLOCKQUOTE_RE.sub(lambda m: f'"{m.group(1)}"', text)
    return text


def _a_value(value: str, quoted: bool) -> bool:
    """An unquoted right side that starts with an adverb or a participle is an instruction
    ("should be removed", "should be automatically enlarged"), not the corrected text."""
    if quoted:
        return True
    first = value.split()[0].lower()
    if first in _NOT_A_VALUE_START:
        return False  # "should be in the second layer", "should be when ..."
    return not (first.endswith("ly") or (first.endswith("ed") and len(first) > 4))


def _names_a_place(wrong: str, right: str) -> bool:
    """ "the 100th item should be vals[99]", "the width of the rectangle should be 12": a plain
    word before "should be" names where the error is, not what is wrong, when what follows
    is a value of another shape (a number, a symbol, a letter)."""
    if not (wrong.isalpha() and wrong.islower() and len(wrong) >= 4):
        return False
    if _similar(wrong, right):
        return False
    return len(right) <= 2 or not right.replace(" ", "").isalpha()


def _similar(first: str, second: str) -> bool:
    """Two single words an edit or two apart: a misspelling and its fix."""
    a, b = first.lower(), second.lower()
    if " " in a or " " in b or min(len(a), len(b)) < 3:
        return False
    return OSA.distance(a, b, score_cutoff=2) <= 2


def _sentence(text: str, match: re.Match[str]) -> str:
    start = max(text.rfind(". ", 0, match.start()), text.rfind("\n", 0, match.start()), 0)
    end = text.find(". ", match.end())
    return text[start : end if end != -1 else len(text)]


def _narrowed(wrong: str, right: str) -> tuple[str, str]:
    """Two long sides that differ in a few words ("... D and you to move" / "... D and U to
    move") come down to the words that differ."""
    a, b = wrong.split(), right.split()
    if min(len(a), len(b)) < 5:
        return wrong, right
    start = 0
    while start < min(len(a), len(b)) - 1 and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start - 1 and a[-1 - end] == b[-1 - end]:
        end += 1
    return " ".join(a[start : len(a) - end]), " ".join(b[start : len(b) - end])


def _sides(match: re.Match[str], text: str) -> list[tuple[str, bool]]:
    """(value, quoted) of every side a rule matched, in order: a group is quoted when a quote
    mark opens it (rules differ in how many sides and which shapes they have)."""
    found = []
    for number, value in enumerate(match.groups(), start=1):
        if value is None:
            continue
        start = match.start(number)
        quoted = start > 0 and text[start - 1] in "\"'`"
        value = value.strip()
        # A quoted side loses the sentence's punctuation, an unquoted one what follows it.
        trimmed = value.rstrip(".,;:!?") if quoted else _clause_end(value).rstrip(".")
        value = trimmed.strip()
        found.append((value, quoted))
    return found


# An unquoted side ends with its sentence ("1.14. [[See discussion](https://..." is "1.14").
_SENTENCE_END_RE = re.compile(r"\.(?:\s|$)|\]\(|\[\[")


def _clause_end(value: str) -> str:
    end = _SENTENCE_END_RE.search(value)
    return value[: end.start()] if end else value


def _from_rule(kind: str, match: re.Match[str], text: str) -> Correction | None:
    sides = _sides(match, text)
    if not sides:
        return None
    first, first_quoted = sides[0]
    if kind == "meant":
        # Unquoted, only a speaker's own slip ("Oops! I mean Patients per week").
        spoken = first_quoted or re.search(
            r"\b(?:oops|misspe\w*|mis-spe\w*|said|say)\b", text, re.I
        )
        if spoken and _plausible(first, first_quoted) and _a_value(first, first_quoted):
            return Correction("", first)
        return None
    if len(sides) < 2:
        return None
    second, second_quoted = sides[-1]
    if kind in ("said_if_said", "said_meant"):
        if first and second and first.casefold() != second.casefold():
            return Correction(first, second)
        return None
    if not (_plausible(first, first_quoted) and _plausible(second, second_quoted)):
        return None
    if kind in ("misspelled_as", "is_misspelled_as", "should_instead", "not"):
        right, wrong = first, second
        right_quoted = first_quoted
    else:
        wrong, right = first, second
        right_quoted = second_quoted
    if wrong.casefold() == right.casefold() or not _a_value(right, right_quoted):
        return None
    if kind == "should" and not first_quoted and _names_a_place(wrong, right):
        return None
    unquoted = not (first_quoted or second_quoted)
    if (
        kind in ("instead", "arrow")
        and unquoted
        and not (_similar(wrong, right) or _CUE_RE.search(_sentence(text, match)))
    ):
        return None
    if kind == "arrow" and sum(_sentence(text, match).count(a) for a in _ARROWS) > 1:
        return None  # a breadcrumb ("Academy -> Senior -> E-Commerce"), not a correction
    if unquoted and set(wrong.casefold().split()) < set(right.casefold().split()):
        return None  # "the last row should be the k-th row" describes; it corrects nothing
    return Correction(*_narrowed(wrong, right))


def _nearest_quote_before(text: str, position: int) -> str | None:
    """The last quoted string ending before `position` in the same or the previous sentence:
    "It reads "an distorted". It should be "a distorted"" names its wrong side there."""
    window = text[max(0, position - 160) : position]
    found = None
    for match in re.finditer(_QUOTED, window):
        found = next(g for g in match.groups() if g is not None)
    return found.strip() if found else None


@lru_cache(maxsize=8192)
def extract_correction(text: str) -> Correction | None:
    """The correction the text states, or None (most reports state none)."""
    if not text:
        return None
    lowered_raw = text.lower()
    if not any(word in lowered_raw for word in _ANY_NEEDED):
        return None  # most reports: no rule could match, and cleaning is skipped too
    clean = _clean(text)
    lowered_text = clean.lower()
    if "expected" in lowered_text and "actual" in lowered_text:
        expected, actual = _EXPECTED_RE.search(clean), _ACTUAL_RE.search(clean)
    else:
        expected = actual = None
    if expected and actual:
        right, _ = _side((*expected.groups(), None))
        wrong, _ = _side((*actual.groups(), None))
        if right and wrong and right != wrong:
            return Correction(*_narrowed(wrong, right))
    lowered = clean.lower()
    for kind, pattern in _RULES:
        needed = _NEEDS[kind]
        if not any(word in lowered for word in needed):
            continue
        for match in pattern.finditer(clean):
            found = _from_rule(kind, match, clean)
            if found is None and kind == "should":
                # "It reads "x". It should be "y"": the wrong side is quoted a little earlier.
                right, right_quoted = _side(match.groups()[4:8])
                wrong = _nearest_quote_before(clean, match.start() + 1)
                if (
                    wrong
                    and _plausible(right, right_quoted)
                    and _a_value(right, right_quoted)
                    and wrong != right
                ):
                    found = Correction(wrong, right)
            if found is not None:
                return found
    return None


def correction_key(wrong: str, right: str) -> tuple[str, str]:
    """How two corrections are compared: case, quotes, spacing and edge punctuation aside."""

    def norm(value: str) -> str:
        value = _clean(value or "").strip().strip("\"'`.,;:!? ").casefold()
        return " ".join(value.split())

    return norm(wrong), norm(right)
