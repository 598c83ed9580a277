"""What a report is about, as tokens for grouping: strong tokens (quoted or misspelled words,
number pairs however written, math and code names, places such as "slide 11"), and content words
with a few synonyms read as one. `duplicates` scores pairs of findings by them; the app stores
`index_tokens` and `keyword_tokens` in its token table to find candidates."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from errata.triage.categories import correction_pairs, quoted_strings
from errata.triage.corrections import correction_key, extract_correction
from errata.triage.timestamps import NUMBER_WORDS

_STOPWORDS_TEXT = """
    a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't cannot could couldn't did didn't
    do does doesn't doing don't down during each even few for from further had hadn't has
    hasn't have haven't having he her here hers herself him himself his how i i'd i'll i'm
    i've if in into is isn't it it's its itself just let's like me might more most much must
    mustn't my myself no nor not now of off on once only or other ought our ours ourselves
    out over own really same shan't she should shouldn't so some such than that that's the
    their theirs them themselves then there there's these they they'd they're this those
    though through tho to too u under until up very was wasn't we we're were weren't what
    what's when where which while who whom why will with won't would wouldn't you you'd
    you'll you're you've your yours yourself yourselves yes yeah oh ok okay maybe perhaps
    probably actually still thing things something anything get got go going gonna want
    wanted lot bit little quite rather think thought seem seems seemed look looks looked see
    saw say says said make makes made take video videos great good nice awesome thanks thank
    love part bit kind sort way well right one also already again ever never always around
    wait
"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_TERM_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[a-z]_\{?[a-z0-9,]+\}?")
_NUMBER = r"(?:\d{1,4}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_NUMBER_PAIR_RE = re.compile(
    r"(?<![\d:.,])\b("
    + _NUMBER
    + r")\s*(?:-|\u2013|to|through|thru|and|\.\.)\s*("
    + _NUMBER
    + r")\b"
    r"(?![:.,]\d)",
    re.IGNORECASE,
)
_MATH_INDEX_RE = re.compile(r"\b[A-Za-z]_\{[^}\n]{1,12}\}|\b[A-Za-z]_[A-Za-z0-9]{1,3}\b")
# Powers and derivatives, read with spaces and "*" removed so "20 * t^5" and "20T^5" are one
# token ("m:20t^5"), as are "dJ/dW2" and "dj / dw2".
_MATH_COMPACT_RE = re.compile(
    r"\d+[a-z]\^\d+|(?<![a-z0-9])[a-z]\^\d+|(?<![a-z0-9])d[a-z]\d?/d[a-z]\d?(?![a-z])"
)
_CODE_NAME_RE = re.compile(r"\b([A-Za-z_]\w{2,})\(|\b([a-z]+_[a-z]{2,}\w*)\b")
_NORMALISE_RE = re.compile(r"[^\w\s]+")
# Positions are compared as numbers by the time score; as words they would only add noise.
_CLOCK_RE = re.compile(r"\d{1,2}(?::\d{2}){1,2}(?:\.\d+)?")
# Links: a tracker's or a course's URLs repeat across its reports whatever they are about.
_URL_RE = re.compile(r"(?:https?://|www\.)\S+")


# Places in a video other than its clock: a slide, a page of the handout, an equation, a
# figure, a line of code, a question or a step. Two reports naming different slides are about
# different things however alike their wording ("slide 11 is not shown" / "slide 12 ...").
_PLACE_KINDS = {
    "slide": "slide",
    "slides": "slide",
    "page": "page",
    "p": "page",
    "pg": "page",
    "pp": "page",
    "eqn": "eq",
    "eq": "eq",
    "equation": "eq",
    "formula": "eq",
    "fig": "fig",
    "figure": "fig",
    "table": "table",
    "line": "line",
    "question": "question",
    "q": "question",
    "step": "step",
    "row": "row",
    "column": "column",
}
_PLACE_RE = re.compile(
    r"\b(" + "|".join(sorted(_PLACE_KINDS, key=len, reverse=True)) + r")\.?\s?\(?"
    r"(\d{1,4}(?:\.\d{1,3})?[a-z]?)\b(?!:\d)",
    re.IGNORECASE,
)


@lru_cache(maxsize=65536)
def place_tokens(text: str) -> frozenset[str]:
    """ "<kind>:<number>" for each place the text names ("Slide 14/14" -> "slide:14")."""
    return frozenset(
        f"{_PLACE_KINDS[m.group(1).lower()]}:{m.group(2).lower()}" for m in _PLACE_RE.finditer(text)
    )


@lru_cache(maxsize=65536)
def correction_of(text: str) -> tuple[str, str] | None:
    found = extract_correction(text)
    if found is None:
        return None
    key = correction_key(found.wrong, found.right)
    return key if key[1] else None


def _number(word: str) -> str:
    word = word.lower()
    return str(NUMBER_WORDS[word]) if word in NUMBER_WORDS else str(int(word))


def _normalise_phrase(value: str) -> str:
    words = _NORMALISE_RE.sub(" ", value.lower()).split()
    return " ".join(str(NUMBER_WORDS[w]) if w in NUMBER_WORDS else w for w in words)


@lru_cache(maxsize=65536)
def index_tokens(text: str) -> frozenset[str]:
    """The few strong, normalised tokens worth indexing for candidate lookup.

    "w:<word>" a quoted word or either word of a correction pair ("mabye" / "maybe"),
    "q:<phrase>" a short quoted phrase, "n:<a>-<b>" a pair of numbers however written
    ("between zero and ten" -> "n:0-10"), "m:<token>" a math index ("m:w_{0,n}"),
    "c:<name>" a code identifier.
    """
    tokens: set[str] = set()
    for value in quoted_strings(text):
        phrase = _normalise_phrase(value)
        words = phrase.split()
        if len(words) == 1 and len(words[0]) >= 2:
            tokens.add("w:" + words[0])
        elif 2 <= len(words) <= 4:
            tokens.add("q:" + phrase)
    for first, second in correction_pairs(text):
        tokens.add("w:" + first.lower())
        tokens.add("w:" + second.lower())
    for match in _NUMBER_PAIR_RE.finditer(text):
        first, second = _number(match.group(1)), _number(match.group(2))
        if first != second:
            tokens.add(f"n:{first}-{second}")
    for match in _MATH_INDEX_RE.finditer(text):
        tokens.add("m:" + match.group().replace(" ", ""))
    if "^" in text or "/" in text:
        compact = text.lower().replace(" ", "").replace("*", "")
        for match in _MATH_COMPACT_RE.finditer(compact):
            tokens.add("m:" + match.group())
    for match in _CODE_NAME_RE.finditer(text):
        name = match.group(1) or match.group(2)
        if name.lower() not in _STOPWORDS:
            tokens.add("c:" + name)
    return frozenset(tokens)


# Words people use for one thing in video reports, read as one term: "the sound cuts out" and
# "audio drops" share a term, as do "blurry", "fuzzy" and "pixelated".
_CANONICAL_TEXT = """
    sound:audio voice:audio volume:audio mic:audio microphone:audio silence:audio
    silent:audio mute:audio muted:audio
    subtitle:caption cc:caption transcript:caption
    blurred:blurry fuzzy:blurry pixelated:blurry pixellated:blurry resolution:blurry
    unreadable:blurry illegible:blurry
    twice:repeat duplicate:repeat duplicated:repeat again:repeat same:repeat
    truncate:cut abrupt:cut abruptly:cut ends:cut end:cut stop:cut
    misspell:spell misspelled:spell misspelling:spell spelling:spell spelt:spell typo:spell
    sync:sync synced:sync unsynchronized:sync desync:sync de-synced:sync
    colour:color colours:color colors:color colorblind:color colourblind:color
    formula:equation
    vid:video clip:video recording:video lecture:video
"""
_CANONICAL = dict(pair.split(":") for pair in _CANONICAL_TEXT.split())


@lru_cache(maxsize=65536)
def _singular(word: str) -> str:
    canonical = _CANONICAL.get(word)
    if canonical is not None:
        return canonical
    if len(word) > 6 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 5 and word.endswith("ed") and not word.endswith("eed"):
        word = word[:-2]
    elif len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ias")):
        word = word[:-1]
    return _CANONICAL.get(word, word)


@lru_cache(maxsize=65536)
def content_terms(text: str) -> frozenset[str]:
    """Content words (singular, numbers as digits) and their adjacent pairs."""
    words = []
    if "://" in text or "www." in text:
        text = _URL_RE.sub(" ", text)
    text = _CLOCK_RE.sub(" ", text)
    for word in _TERM_RE.findall(text.lower().replace("\u2019", "'")):
        if word in NUMBER_WORDS:
            word = str(NUMBER_WORDS[word])
        if word in _STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        words.append(_singular(word))
    pairs = {f"{a} {b}" for a, b in itertools.pairwise(words) if not (a.isdigit() and b.isdigit())}
    return frozenset(words) | frozenset(pairs)


@lru_cache(maxsize=65536)
def keyword_tokens(text: str) -> frozenset[str]:
    """Weaker tokens for findings that name no position: "k:<word>" for each content word
    of four letters or more ("k:neuron", "k:hidden"). They only fetch candidates, which the
    wording score then has to confirm; the strong `index_tokens` are what scoring trusts."""
    return frozenset(
        "k:" + term for term in content_terms(text) if " " not in term and len(term) >= 4
    )
