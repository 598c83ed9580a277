"""Small text helpers shared by pages, exports and mail."""

from __future__ import annotations


def shorten(text: str, limit: int = 80) -> str:
    """One line of at most `limit` characters: whitespace collapsed, cut at a word with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"
