"""Limits on untrusted input, checked before or while it is parsed.

Parsers of files people upload (timelines, comment files, manim sources) and of request bodies
are written for honest input. Hostile input breaks them in ways no `except` catches in time: a
JSON array nested 50,000 deep overflows the C stack of OpenTimelineIO's reader (the process
dies), and ijson spends quadratic time and memory on deep nesting because every event carries
its whole path. So nesting depth and size are checked here first, in linear time, and the error
names the limit that was hit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import accumulate
from typing import IO


class InputLimitExceeded(ValueError):
    """Input refused because it goes past a limit; `limit` names which (for the message and
    for tests), `where` names the line or record when known."""

    def __init__(self, message: str, *, limit: str, where: str = "") -> None:
        self.limit = limit
        self.where = where
        super().__init__(message)


# Nesting that real files never need: an OpenTimelineIO timeline is about 12 levels deep, a
# YouTube commentThreads page 6, an API request 4.
JSON_MAX_DEPTH = 64


_DEPTH_DELTA = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _DEPTH_DELTA)
# A complete JSON string (escapes included), and what is left of one that started earlier.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_STRING_REST = re.compile(rb'(?:[^"\\]|\\.)*"', re.DOTALL)


class JsonDepthScanner:
    """Counts the nesting depth of JSON text fed to it in pieces, outside strings, and raises
    InputLimitExceeded as soon as it passes `max_depth`. Linear in the input: strings are
    removed by one regular expression per piece, and only brackets are counted."""

    def __init__(self, *, max_depth: int = JSON_MAX_DEPTH) -> None:
        self.max_depth = max_depth
        self.depth = 0
        self._in_string = False
        self._carry = b""

    def feed(self, data: bytes) -> None:
        data = self._carry + data
        self._carry = b""
        start = 0
        if self._in_string:
            rest = _STRING_REST.match(data)
            if rest is None:
                # Still inside the string; an escape cut in half waits for the next piece.
                self._carry = b"\\" if _ends_in_open_escape(data) else b""
                return
            start = rest.end()
            self._in_string = False
        outside = _STRING.sub(b"", data[start:])
        quote = outside.find(b'"')
        if quote != -1:
            # A string opens and does not close in this piece: everything after it is text.
            tail = outside[quote + 1 :]
            outside = outside[:quote]
            self._in_string = True
            self._carry = b"\\" if _ends_in_open_escape(tail) else b""
        brackets = outside.translate(None, _NOT_BRACKETS)
        if not brackets:
            return
        depths = list(accumulate((_DEPTH_DELTA[b] for b in brackets), initial=self.depth))
        deepest = max(depths)
        self.depth = depths[-1]
        if deepest > self.max_depth:
            raise InputLimitExceeded(
                f"the JSON is nested deeper than {self.max_depth} levels",
                limit="nesting depth",
            )


def _ends_in_open_escape(data: bytes) -> bool:
    """True when `data` ends with an odd run of backslashes (an escape cut in half)."""
    run = len(data) - len(data.rstrip(b"\\"))
    return run % 2 == 1


def json_depth_check(data: bytes | str, *, max_depth: int = JSON_MAX_DEPTH) -> None:
    """Refuse JSON text nested deeper than `max_depth`, before any parser sees it."""
    scanner = JsonDepthScanner(max_depth=max_depth)
    scanner.feed(data.encode() if isinstance(data, str) else data)


class DepthCheckedStream:
    """A binary stream that checks JSON nesting as it is read (for a streaming parser)."""

    def __init__(self, stream: IO[bytes], *, max_depth: int = JSON_MAX_DEPTH) -> None:
        self._stream = stream
        self._scanner = JsonDepthScanner(max_depth=max_depth)

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if data:
            self._scanner.feed(data)
        return data


def lines_limited(
    lines: Iterator[tuple[int, str]], *, max_line_chars: int
) -> Iterator[tuple[int, str]]:
    """Numbered lines, refusing the first one longer than `max_line_chars`."""
    for number, line in lines:
        if len(line) > max_line_chars:
            raise InputLimitExceeded(
                f"the line has {len(line):,} characters; at most {max_line_chars:,} are allowed",
                limit="line length",
                where=f"line {number}",
            )
        yield number, line
