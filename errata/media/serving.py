"""Serving an uploaded cut with HTTP range requests, so the player can seek.

Browsers fetch video in byte ranges (`Range: bytes=1000-`) and will not seek without them;
Django's FileResponse always sends the whole file. One range per request is all players ask for;
a multi-range request gets the whole file (200), which RFC 9110 allows.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator

from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

CHUNK_SIZE = 64 * 1024


# At most 18 digits a side (an exabyte): a longer number is no range of a real file, and int()
# refuses more than 4,300 digits. A Range header that does not match is ignored (RFC 9110).
_RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d{0,18})\s*-\s*(\d{0,18})\s*$", re.IGNORECASE)
_RANGE_MAX_CHARS = 100


class RangeNotSatisfiable(Exception):
    pass


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The inclusive (first, last) byte a Range header asks for, or None for the whole file.
    Raises RangeNotSatisfiable for a range that starts past the end."""
    if len(header or "") > _RANGE_MAX_CHARS:
        return None
    match = _RANGE_RE.match(header or "")
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        # "bytes=-500": the last 500 bytes.
        length = int(last)
        if length == 0:
            raise RangeNotSatisfiable
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise RangeNotSatisfiable
    return start, end


def _read(file, start: int, length: int) -> Iterator[bytes]:
    try:
        file.seek(start)
        remaining = length
        while remaining > 0:
            chunk = file.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        file.close()


def _etag(field_file: FieldFile, size: int) -> str:
    try:
        modified = int(field_file.storage.get_modified_time(field_file.name).timestamp())
    except (NotImplementedError, OSError):
        modified = 0
    return f'"{size:x}-{modified:x}"'


def ranged_file_response(request: HttpRequest, field_file: FieldFile) -> HttpResponse:
    storage, name = field_file.storage, field_file.name
    size = storage.size(name)
    etag = _etag(field_file, size)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    header = request.META.get("HTTP_RANGE", "")
    if_range = request.META.get("HTTP_IF_RANGE")
    if if_range is not None and if_range.strip() != etag:
        # The file changed since the client's first request: its pieces would not fit together.
        header = ""
    try:
        wanted = byte_range(header, size) if size else None
    except RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response

    start, end = wanted if wanted is not None else (0, size - 1)
    length = max(0, end - start + 1)
    if request.method == "HEAD":
        response = HttpResponse(status=206 if wanted else 200, content_type=content_type)
    else:
        response = StreamingHttpResponse(
            _read(storage.open(name, "rb"), start, length),
            status=206 if wanted else 200,
            content_type=content_type,
        )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    if wanted is not None:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    # Only the holder of the link may have it; no shared cache keeps a copy past a revocation.
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response
