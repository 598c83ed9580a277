# ruff: noqa: RUF001 - the alphabet holds the dashes, quotes and signs people paste
"""Whatever people paste, the engine answers: no exception, spans inside the text, every
finding the exact slice of the comment it claims to be."""

from __future__ import annotations

import itertools
import random

import pytest

from errata.triage import triage_comment
from errata.triage.duplicates import GroupingItem, group_findings
from errata.triage.timestamps import extract_timestamps
from tests.triage.category_dev_set import DEV_SET

ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz ABCXYZ 0123456789 :::... ,;!?()[]{}<>@#$%&*+-=/\\'\"`~^_|"
    "\n\n\t–—’“”…αβθπΣ∫√×分秒 at around @ ish seconds minutes min s m h ?t= &t= "
)


def random_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        length = rng.randrange(0, 300)
        texts.append("".join(rng.choice(ALPHABET) for _ in range(length)))
    return texts


def fragments(count: int, seed: int) -> list[str]:
    # Pieces of real-looking comments glued together at random.
    rng = random.Random(seed)
    pieces = [text for text, _ in DEV_SET] + [
        "timestamp: 6:00\n\n",
        "- ",
        "1) ",
        "2) ",
        "Hope that helps!",
        "from 9:01 to 9:19",
        "@59:",
        '<a href="https://youtu.be/x?t=72">link</a>',
        "4:30 left",
        "Hi, some notes:",
    ]
    return [" ".join(rng.choice(pieces) for _ in range(rng.randrange(1, 7))) for _ in range(count)]


@pytest.mark.parametrize("text", random_texts(300, 1) + fragments(300, 2))
def test_any_text_triages_into_exact_slices_of_itself(text: str) -> None:
    for duration in (None, 600.0):
        findings = triage_comment(text, duration_s=duration, player_time_s=12.0)
        if text:
            assert findings
        for finding in findings:
            assert 0 <= finding.start <= finding.end <= len(text)
            assert text[finding.start : finding.end] == finding.text
            assert 0.0 <= finding.confidence <= 1.0
            for stamp in finding.timestamps:
                assert finding.start <= stamp.start < stamp.end <= finding.end
                assert stamp.seconds >= 0
                assert duration is None or stamp.seconds <= duration
        assert all(a.end <= b.start for a, b in itertools.pairwise(findings))


@pytest.mark.parametrize("text", random_texts(200, 3))
def test_timestamps_of_any_text_are_in_order_and_inside_it(text: str) -> None:
    stamps = extract_timestamps(text)
    for stamp in stamps:
        assert text[stamp.start : stamp.end] == stamp.text
    assert all(a.end <= b.start for a, b in itertools.pairwise(stamps))


def test_grouping_any_texts_gives_one_label_per_item() -> None:
    rng = random.Random(4)
    texts = fragments(300, 5)
    items = [
        GroupingItem(key=n, text=t, timestamp_s=rng.choice([None, rng.uniform(0, 600)]))
        for n, t in enumerate(texts)
    ]
    labels = group_findings(items)
    assert len(labels) == len(items)
    keys = {item.key for item in items}
    assert set(labels) <= keys
