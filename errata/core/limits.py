"""Limits on untrusted input, checked before or while it is parsed.

Parsers of files people upload (timelines, comment files, manim sources) and of request bodies
are written for honest input. Hostile input breaks them in ways no `except` catches in time: a
JSON array nested 50,000 deep overflows the C stack of OpenTimelineIO's reader (the process
dies), and ijson spends quadratic time and memory on deep nesting because every event carries
its whole path. So nesting depth and size are checked here first, in linear time, and the error
names the limit that was hit.
"""

from __future__ import annotations

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


class JsonDepthScanner:
    """Counts the nesting depth of JSON text fed to it in pieces, outside strings, and raises
    InputLimitExceeded as soon as it passes `max_depth`.

    Linear, and every pass over the bytes is a C loop (replace, split, translate): escaped
    backslashes and then escaped quotes are removed, so every quote left opens or closes a
    string; splitting at the quotes leaves the text outside strings at every other piece, and
    only its brackets are counted. A regular expression over the strings was 5 times slower
    than ijson itself on a 47 MB file (bench/input_limits.py)."""

    def __init__(self, *, max_depth: int = JSON_MAX_DEPTH) -> None:
        self.max_depth = max_depth
        self.depth = 0
        self._in_string = False
        self._escape_pending = False  # the last piece ended in an odd run of backslashes

    def feed(self, data: bytes) -> None:
        if self._escape_pending:
            data = b"\\" + data
        stripped = data.rstrip(b"\\")
        # A run of backslashes cut by the end of the piece: pairs are escaped backslashes; an
        # odd one out escapes the first byte of the next piece.
        self._escape_pending = (len(data) - len(stripped)) % 2 == 1
        parts = stripped.replace(b"\\\\", b"").replace(b'\\"', b"").split(b'"')
        outside = parts[1::2] if self._in_string else parts[0::2]
        if len(parts) % 2 == 0:  # an odd number of quotes: a string opened or closed
            self._in_string = not self._in_string
        brackets = b"".join(outside).translate(None, _NOT_BRACKETS)
        if not brackets:
            return
        depths = list(accumulate(map(_DEPTH_DELTA.__getitem__, brackets), initial=self.depth))
        self.depth = depths[-1]
        if max(depths) > self.max_depth:
            raise InputLimitExceeded(
                f"the JSON is nested deeper than {self.max_depth} levels",
                limit="nesting depth",
            )


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
