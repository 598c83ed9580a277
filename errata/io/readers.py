"""Reading comment files: a Patreon page paste, CSV, and YouTube Data API commentThreads JSON.
They only read and validate, streaming: records come back one by one, or an error that names the
line or record at fault. comments_import writes, all or nothing.

The files are untrusted: a line is read with a length limit (never a 200 MB line whole into
memory), and JSON nesting is counted as the bytes stream past (ijson's cost grows with the square
of the depth), so a hostile file is refused naming the limit instead of hanging the worker.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from errata.core.limits import JSON_MAX_DEPTH, DepthCheckedStream, InputLimitExceeded
from errata.triage.timestamps import parse_time


def quoted(value: str, limit: int = 60) -> str:
    """A value from the file, quoted for an error message and cut short: a refusal must not
    echo 5,000 digits back."""
    return repr(value if len(value) <= limit else value[: limit - 1] + "\u2026")


class CommentFileError(ValueError):
    """A comment file that cannot be imported; `where` names the line or record at fault."""

    def __init__(self, message: str, *, where: str = "") -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class ImportedComment:
    """One comment as a file gives it, before it is stored."""

    where: str
    external_id: str
    text: str
    author_name: str = ""
    # Who wrote it at the source ("youtube:UC123", "patreon:Jane"), for the Reviewer.
    author_key: str = ""
    is_creator: bool = False
    timestamp_s: float | None = None
    parent_external_id: str = ""
    posted_at: datetime | None = None


COMMENT_FORMATS = ("patreon", "csv", "youtube")


def comment_content_id(source: str, author_name: str, text: str, occurrence: int) -> str:
    """A stable id for a comment whose source gives none (a Patreon paste, a CSV row without an
    id): who wrote what, and which repetition of it this is. Re-importing the same text gives
    the same ids, so it adds nothing."""
    digest = hashlib.sha256(f"{author_name}\x1f{text}\x1f{occurrence}".encode()).hexdigest()
    return f"{source}:{digest[:32]}"


# The longest line read: a comment is at most 10,000 characters (40 KB of UTF-8), and a CSV row
# holds one with its other columns.
LINE_MAX_BYTES = 256 * 1024


def text_lines(stream: IO[bytes]) -> Iterator[tuple[int, str]]:
    """Numbered lines of a UTF-8 file (a byte-order mark is dropped), one at a time, without
    their line endings. A line that is not UTF-8, or longer than LINE_MAX_BYTES, is refused by
    number (read with a limit, so a giant line is never held whole)."""
    number = 0
    while raw := stream.readline(LINE_MAX_BYTES + 1):
        number += 1
        if len(raw) > LINE_MAX_BYTES and not raw.endswith(b"\n"):
            raise CommentFileError(
                f"the line is longer than {LINE_MAX_BYTES // 1024} KB (limit: line length)",
                where=f"line {number}",
            )
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CommentFileError(
                "this line is not UTF-8 text; save the file as UTF-8 and try again.",
                where=f"line {number}",
            ) from None
        yield number, line.rstrip("\r\n")


# Lines of the Patreon page around and between the comments.
_PATREON_COMMENTS_HEADER = re.compile(r"^(?:\d+\s+)?comments(?:\s*\(\d+\))?$", re.IGNORECASE)


_PATREON_FOOTER = {"more creators", "related posts", "more from this creator", "recommended"}


_PATREON_CHROME = {
    "load more comments",
    "load more replies",
    "view more comments",
    "show more comments",
    "load replies",
    "hide replies",
    "reply",
    "like",
    "liked",
    "show more",
    "see more",
}


_PATREON_TIMESTAMP = re.compile(r"^timestamp:\s*(?P<time>\S.*?)\s*$", re.IGNORECASE)


# A name is a short line of name characters: letters of any script, digits, spaces, dots,
# hyphens, apostrophes, underscores. Sentences have punctuation a name does not (!?:,;"()*).
_NAME_CHARS = re.compile(r"^[^\W_][\w .'\u2019\-]{0,59}$")


# One-word replies people write that would otherwise pass for a name ("Thanks", "Agreed").
_NOT_NAMES_TEXT = """
    thanks thank thx great awesome amazing nice cool wow agreed same this yes no lol ok okay
    love loved hello hi hey bravo wonderful beautiful brilliant excellent perfect first good
    superb fantastic incredible me indeed true exactly
"""


_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())


_NAME_PARTICLES = {"de", "la", "le", "van", "von", "der", "den", "da", "di", "du", "del", "bin"}


def _looks_like_name(line: str) -> bool:
    words = line.split()
    if not 1 <= len(words) <= 4 or not _NAME_CHARS.match(line):
        return False
    if words[0].lower().strip(".") in _NOT_NAMES:
        return False
    if len(words) == 1 and any(c.isdigit() or c == "_" for c in line):
        return True  # a handle: "jdoe_42"
    return all(w[0].isupper() or w[0].isdigit() or w in _NAME_PARTICLES for w in words)


@dataclass
class _Block:
    """Consecutive non-blank lines of a paste."""

    line: int
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _patreon_blocks(lines: Iterable[tuple[int, str]]) -> Iterator[_Block | None]:
    """The blocks of the comment section, with None for each blank line between them (a
    timestamp line keeps the blank lines that follow it). The page's chrome before the
    "Comments" heading and after the comments is left out; a paste without that heading is
    taken to be comments only."""
    header: list[tuple[int, str]] = []
    in_comments = False
    lines = iter(lines)
    for number, line in lines:
        if _PATREON_COMMENTS_HEADER.match(line.strip()):
            in_comments = True
            break
        header.append((number, line))
        # A paste of comments only has no heading; past this many lines, stop looking for one.
        if len(header) > 2_000:
            break
    body: Iterable[tuple[int, str]] = lines if in_comments else itertools.chain(header, lines)

    block: _Block | None = None
    for number, line in body:
        stripped = line.strip()
        if stripped.lower() in _PATREON_FOOTER:
            break
        if not stripped or stripped.lower() in _PATREON_CHROME:
            if block is not None:
                yield block
                block = None
            if not stripped:
                yield None
            continue
        if block is None:
            block = _Block(number, [line.rstrip()])
        else:
            block.lines.append(line.rstrip())
    if block is not None:
        yield block


def patreon_comments_read(
    lines: Iterable[tuple[int, str]], *, creator_name: str
) -> Iterator[ImportedComment]:
    """Comments from the text of a Patreon post's page, as a creator copies it.

    A comment is a block of lines; the one-line block after it, when it looks like a name, is
    its author (not every comment has one); a reply signed with the creator's name is the
    creator's. A "timestamp: 6:00" line belongs to the comment below it and gives its player
    time. The text is kept exactly as pasted, raw HTML included (it is never rendered).
    """
    creator_key = creator_name.strip().casefold()
    occurrences: dict[tuple[str, str], int] = {}
    pending: tuple[_Block, str, float | None] | None = None  # a comment waiting for its name
    timestamp: tuple[_Block, list[str], float] | None = None  # a timestamp line, and blanks

    def emit(block_line: int, text: str, author: str, time_s: float | None) -> ImportedComment:
        occurrence = occurrences.get((author, text), 0) + 1
        occurrences[(author, text)] = occurrence
        return ImportedComment(
            where=f"line {block_line}",
            external_id=comment_content_id("patreon", author, text, occurrence),
            text=text,
            author_name=author,
            author_key=f"patreon:{author}" if author else "",
            is_creator=bool(author) and author.casefold() == creator_key,
            timestamp_s=time_s,
        )

    for block in _patreon_blocks(lines):
        if block is None:
            if timestamp is not None:
                timestamp[1].append("")
            continue
        if timestamp is not None:
            # The comment under a timestamp line: its text starts with that line.
            stamp, blanks, time_s = timestamp
            timestamp = None
            block = _Block(stamp.line, [*stamp.lines, *blanks, *block.lines])
            if pending is not None:
                yield emit(pending[0].line, pending[0].text, "", pending[2])
            pending = (block, "", time_s)
            continue
        single = len(block.lines) == 1
        name = block.lines[0].strip()
        if (
            pending is not None
            and single
            and (name.casefold() == creator_key or _looks_like_name(name))
        ):
            yield emit(pending[0].line, pending[0].text, name, pending[2])
            pending = None
            continue
        if pending is not None:
            yield emit(pending[0].line, pending[0].text, "", pending[2])
            pending = None
        match = _PATREON_TIMESTAMP.match(name) if single else None
        if match:
            time_s = parse_time(match.group("time"))
            if time_s is None:
                raise CommentFileError(
                    f"{quoted(match.group('time'))} after 'timestamp:' is not a time",
                    where=f"line {block.line}",
                )
            timestamp = (block, [], time_s)
            continue
        pending = (block, "", None)
    if timestamp is not None:
        raise CommentFileError(
            "a 'timestamp:' line ends the paste; the comment it belongs to is missing",
            where=f"line {timestamp[0].line}",
        )
    if pending is not None:
        yield emit(pending[0].line, pending[0].text, "", pending[2])


# CSV columns, and the other header spellings accepted for each.
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "author": ("author", "author_name", "name"),
    "text": ("text", "comment", "body"),
    "timestamp": ("timestamp", "time", "timestamp_s"),
    "external_id": ("external_id", "external id", "id"),
    "parent_id": ("parent_id", "parent id", "parent"),
    "created_at": ("created_at", "created at", "posted_at", "date"),
}


def _csv_header(row: list[str]) -> dict[str, int]:
    names = [cell.strip().lower().replace("-", "_") for cell in row]
    positions: dict[str, int] = {}
    for column, spellings in CSV_COLUMNS.items():
        for index, name in enumerate(names):
            if name in spellings or name.replace("_", " ") in spellings:
                positions.setdefault(column, index)
    return positions


def _csv_lines(lines: Iterable[tuple[int, str]], numbers: list[int]) -> Iterator[str]:
    for number, line in lines:
        numbers[0] = number
        yield line + "\n"


def csv_comments_read(
    lines: Iterable[tuple[int, str]], *, creator_name: str
) -> Iterator[ImportedComment]:
    """Comments from a CSV file with a header row naming the columns (any order): `text`
    (required), `author`, `timestamp` (seconds, m:ss or h:mm:ss), `external_id`, `parent_id`
    (the external id of the comment it answers) and `created_at` (ISO 8601)."""
    creator_key = creator_name.strip().casefold()
    current = [0]
    reader = csv.reader(_csv_lines(lines, current), strict=True)
    columns: dict[str, int] | None = None
    occurrences: dict[tuple[str, str], int] = {}
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise CommentFileError(f"not valid CSV ({error})", where=f"line {start}") from None
        where = f"line {start}"
        start = current[0] + 1
        if not any(cell.strip() for cell in row):
            continue
        if columns is None:
            columns = _csv_header(row)
            if "text" not in columns:
                raise CommentFileError(
                    "the first row must name the columns, including text "
                    "(author, text, timestamp, external_id, parent_id, created_at)",
                    where=where,
                )
            continue

        def cell(column: str, row: list[str] = row, columns: dict[str, int] = columns) -> str:
            index = columns.get(column)
            return row[index] if index is not None and index < len(row) else ""

        text = cell("text")
        if not text.strip():
            raise CommentFileError("the text is empty", where=where)
        author = cell("author").strip()
        stamp = cell("timestamp").strip()
        timestamp_s = None
        if stamp:
            timestamp_s = parse_time(stamp)
            if timestamp_s is None:
                raise CommentFileError(f"timestamp {quoted(stamp)} is not a time", where=where)
        created = cell("created_at").strip()
        posted_at = None
        if created:
            posted_at = _parse_datetime(created)
            if posted_at is None:
                raise CommentFileError(
                    f"created_at {quoted(created)} is not a date and time (use ISO 8601, "
                    "2017-10-05T14:30:00Z)",
                    where=where,
                )
        external_id = cell("external_id").strip()
        if not external_id:
            occurrence = occurrences.get((author, text), 0) + 1
            occurrences[(author, text)] = occurrence
            external_id = comment_content_id("csv", author, text, occurrence)
        yield ImportedComment(
            where=where,
            external_id=external_id,
            text=text,
            author_name=author,
            author_key=f"csv:{author}" if author else "",
            is_creator=bool(author) and author.casefold() == creator_key,
            timestamp_s=timestamp_s,
            parent_external_id=cell("parent_id").strip(),
            posted_at=posted_at,
        )
    if columns is None:
        raise CommentFileError("the file is empty; the first row must name the columns")


def _parse_datetime(value: str) -> datetime | None:
    from django.utils import timezone
    from django.utils.dateparse import parse_date, parse_datetime

    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = datetime(day.year, day.month, day.day) if day else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment


def youtube_comments_read(stream: IO[bytes], *, creator_name: str) -> Iterator[ImportedComment]:
    """Comments from YouTube Data API `commentThreads.list` responses: one response object
    (`{"items": [thread, ...]}`) or a JSON array of them (the pages of a listing, saved one
    after the other). Each thread gives its top-level comment and its replies (parent: the
    top-level comment). A comment by the video's channel, or signed with the creator's name,
    is the creator's. The file is parsed as a stream (ijson): one thread in memory at a time.
    """
    import ijson

    creator_key = creator_name.strip().lstrip("@").casefold()
    head = stream.read(1)
    while head and head.isspace():
        head = stream.read(1)
    if head not in (b"{", b"["):
        raise CommentFileError(
            "this is not a commentThreads JSON file (it should start with { or [)",
            where="record 1",
        )
    prefix = "items.item" if head == b"{" else "item.items.item"
    replay = DepthCheckedStream(_Prefixed(head, stream), max_depth=JSON_MAX_DEPTH)
    number = 0
    try:
        for thread in ijson.items(replay, prefix, use_float=True):
            number += 1
            yield from _youtube_thread(thread, number=number, creator_key=creator_key)
    except CommentFileError:
        raise
    except InputLimitExceeded as error:
        raise CommentFileError(
            f"{error} (limit: {error.limit})", where=f"record {number + 1}"
        ) from None
    except (ijson.JSONError, ValueError, OverflowError) as error:
        # ValueError: a number too long to convert (Python refuses integers over 4,300 digits).
        detail = str(error).strip().splitlines()[0] if str(error).strip() else "parse error"
        raise CommentFileError(
            f"the JSON is malformed in this record or just after it ({detail})",
            where=f"record {number + 1}",
        ) from None
    if number == 0:
        raise CommentFileError(
            'no comment threads found: expected {"items": [...]} from commentThreads.list'
        )


class _Prefixed:
    """A binary stream with bytes already read put back in front (for ijson)."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if self._head and size != 0:
            head, self._head = self._head, b""
            rest = self._stream.read(size - len(head)) if size > len(head) else b""
            return head + rest if size != -1 else head + self._stream.read()
        return self._stream.read(size)


def _youtube_thread(thread: object, *, number: int, creator_key: str) -> Iterator[ImportedComment]:
    if not isinstance(thread, dict) or not isinstance(thread.get("snippet"), dict):
        raise CommentFileError("a comment thread needs a snippet", where=f"record {number}")
    snippet = thread["snippet"]
    channel = str(snippet.get("channelId") or "")
    top = snippet.get("topLevelComment")
    where = f"record {number} (thread {thread.get('id') or '?'})"
    if not isinstance(top, dict):
        raise CommentFileError("the thread has no topLevelComment", where=where)
    parent = _youtube_comment(top, where=where, channel=channel, creator_key=creator_key)
    yield parent
    replies = thread.get("replies") or {}
    if not isinstance(replies, dict) or not isinstance(replies.get("comments", []), list):
        raise CommentFileError("replies must hold a list of comments", where=where)
    for index, reply in enumerate(replies.get("comments", []), start=1):
        yield _youtube_comment(
            reply,
            where=f"{where}, reply {index}",
            channel=channel,
            creator_key=creator_key,
            parent_id=parent.external_id,
        )


def _youtube_comment(
    comment: object, *, where: str, channel: str, creator_key: str, parent_id: str = ""
) -> ImportedComment:
    if not isinstance(comment, dict) or not isinstance(comment.get("snippet"), dict):
        raise CommentFileError("a comment needs an id and a snippet", where=where)
    snippet = comment["snippet"]
    comment_id = str(comment.get("id") or "").strip()
    if not comment_id:
        raise CommentFileError("the comment has no id", where=where)
    # textOriginal is what the person typed; textDisplay is YouTube's HTML rendering of it.
    text = snippet.get("textOriginal")
    if text is None:
        text = snippet.get("textDisplay")
    if not isinstance(text, str) or not text.strip():
        raise CommentFileError(f"comment {comment_id} has no text", where=where)
    author = str(snippet.get("authorDisplayName") or "").strip()
    author_channel = snippet.get("authorChannelId")
    if isinstance(author_channel, dict):
        author_channel = author_channel.get("value")
    author_channel = str(author_channel or "")
    posted_at = None
    if snippet.get("publishedAt"):
        posted_at = _parse_datetime(str(snippet["publishedAt"]))
        if posted_at is None:
            raise CommentFileError(
                f"publishedAt {quoted(str(snippet['publishedAt']))} is not a date and time",
                where=where,
            )
    is_creator = bool(channel) and author_channel == channel
    if author and author.lstrip("@").casefold() == creator_key:
        is_creator = True
    key = author_channel or author
    return ImportedComment(
        where=where,
        external_id=comment_id,
        text=text,
        author_name=author,
        author_key=f"youtube:{key}" if key else "",
        is_creator=is_creator,
        parent_external_id=str(snippet.get("parentId") or parent_id),
        posted_at=posted_at,
    )


def comments_read(stream: IO[bytes], *, fmt: str, creator_name: str) -> Iterator[ImportedComment]:
    """The comments of a file in one of COMMENT_FORMATS, one at a time."""
    if fmt == "patreon":
        return patreon_comments_read(text_lines(stream), creator_name=creator_name)
    if fmt == "csv":
        return csv_comments_read(text_lines(stream), creator_name=creator_name)
    if fmt == "youtube":
        return youtube_comments_read(stream, creator_name=creator_name)
    raise CommentFileError(f"unknown format {fmt!r}; use one of {', '.join(COMMENT_FORMATS)}")
