"""What the learned categoriser sees of a finding's text: word and word-pair features, the
character n-grams of each word, and the rule engine's own signals.

One definition for training (errata/triage/training.py, with scikit-learn) and for inference
(errata/triage/model.py, pure Python), so the two can never disagree about a feature.

Positions, links, numbers and pasted images say nothing about the kind of problem, only that
there is one: they become placeholder words ("_time_", "_url_", "_num_", "_img_"), so a model
trained on "at 6:02" learns the same word as one reading "at 14:59".
"""

from __future__ import annotations

import html
import itertools
import math
import re
from functools import lru_cache
from typing import NamedTuple

from errata.triage.categories import CATEGORIES, ERRATUM_CATEGORIES, gather_evidence, rule_scores

__all__ = [
    "CHAR_NGRAM_SIZES",
    "CUE_NAMES",
    "TextFeatures",
    "char_ngrams",
    "cue_values",
    "text_features",
]

CHAR_NGRAM_SIZES = (3, 4, 5)
# Long pieces (a pasted hash, a long identifier) add n-grams that never recur.
_MAX_PIECE = 24

_TAG_RE = re.compile(r"<[a-zA-Z/][^>\n]{0,500}>")
_IMAGE_RE = re.compile(r"!\[[^\]\n]{0,200}\]\([^)\s]{0,500}\)")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+")
_CLOCK_RE = re.compile(r"\b\d{1,2}(?::\d{2}){1,2}(?:\.\d+)?\b")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_WORD_RE = re.compile(r"[a-z_][a-z0-9_]*(?:'[a-z]+)?")
_PIECE_STRIP = ".,;:!?\"'()[]{}*<>`\u201c\u201d\u2018\u2019"


class TextFeatures(NamedTuple):
    """A text as the categoriser sees it."""

    words: tuple[str, ...]  # word and word-pair features, each once
    pieces: tuple[str, ...]  # the whitespace-separated pieces whose n-grams count
    cues: tuple[float, ...]  # CUE_NAMES, in order


def _clean(text: str) -> str:
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "](" in text:
        text = _IMAGE_RE.sub(" _img_ ", text)
    if "://" in text or "www." in text:
        text = _URL_RE.sub(" _url_ ", text)
    if ":" in text:
        text = _CLOCK_RE.sub(" _time_ ", text)
    text = _NUMBER_RE.sub(" _num_ ", text.lower())
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _word_features(cleaned: str) -> tuple[str, ...]:
    words = _WORD_RE.findall(cleaned)
    pairs = [f"b:{a} {b}" for a, b in itertools.pairwise(words)]
    return tuple(dict.fromkeys([f"w:{w}" for w in words] + pairs))


def _pieces(cleaned: str) -> tuple[str, ...]:
    pieces = []
    for raw in cleaned.split():
        piece = raw.strip(_PIECE_STRIP)
        if piece:
            pieces.append(piece[:_MAX_PIECE])
    return tuple(pieces)


@lru_cache(maxsize=65536)
def char_ngrams(piece: str) -> tuple[str, ...]:
    """The character n-grams of one piece, padded with a space on each side ("mabye" ->
    " ma", "mab", ..., "ye "): misspellings and paraphrases of a word share most of them."""
    padded = f" {piece} "
    grams = []
    for size in CHAR_NGRAM_SIZES:
        for start in range(len(padded) - size + 1):
            grams.append(padded[start : start + size])
    return tuple(grams)


CUE_NAMES = (
    *(f"intrinsic:{c}" for c in ERRATUM_CATEGORIES),
    *(f"topic:{c}" for c in (*ERRATUM_CATEGORIES, "content")),
    "problem",
    "suggestion",
    "unclear",
    "praise",
    "chatter",
    "questions",
    "hedged",
    *(f"rule:{c}" for c in CATEGORIES),
    "log_words",
)


def cue_values(text: str) -> tuple[float, ...]:
    """The rule engine's evidence and scores for the text, as numbers (CUE_NAMES)."""
    evidence = gather_evidence(text)
    scores = rule_scores(text)
    words = len(text.split())
    return (
        *(evidence.intrinsic[c] for c in ERRATUM_CATEGORIES),
        *(evidence.topic[c] for c in (*ERRATUM_CATEGORIES, "content")),
        evidence.problem,
        evidence.suggestion,
        evidence.unclear,
        evidence.praise,
        evidence.chatter,
        float(min(evidence.questions, 3)),
        1.0 if evidence.hedged else 0.0,
        *(scores[c] for c in CATEGORIES),
        math.log1p(words),
    )


@lru_cache(maxsize=16384)
def text_features(text: str) -> TextFeatures:
    cleaned = _clean(text)
    return TextFeatures(_word_features(cleaned), _pieces(cleaned), cue_values(text))
