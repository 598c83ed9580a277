"""Serving stored files (a cut's video, its poster and sprite, frame grabs, exports) once a view
has checked who may have them.

In production no Python worker streams them:
- on S3 the answer is a redirect to a signed address that expires (MEDIA_URL_EXPIRE_SECONDS),
  with the Content-Type and Content-Disposition the store must answer with;
- on the file system behind nginx (MEDIA_X_ACCEL_REDIRECT) the answer is an empty response whose
  X-Accel-Redirect header hands the file to nginx (an internal location, see deploy/nginx).
Otherwise (`make run`) Django streams it, with HTTP range requests so the player can seek:
browsers fetch video in byte ranges (`Range: bytes=1000-`) and will not seek without them. One
range per request is all players ask for; a multi-range request gets the whole file (200), which
RFC 9110 allows.

Whatever serves it, a file is sent with the Content-Type Errata decided (from the probe for a
video, never from the name), `X-Content-Type-Options: nosniff`, and either a sandboxing
Content-Security-Policy (media shown inline) or `Content-Disposition: attachment` (anything
else): a stored file can never run as a page of the app's origin.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

from errata.media.storage import is_local

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


# Inline media (video, images) may be opened on their own; sandboxed, nothing in them can run
# as the app's origin.
MEDIA_CSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"
INLINE_TYPES = ("video/", "image/jpeg", "image/png", "text/vtt")


def _disposition(content_type: str, filename: str | None, download: bool = False) -> str:
    inline = content_type.startswith(INLINE_TYPES) and not download
    return content_disposition_header(not inline, filename or "") or (
        "inline" if inline else "attachment"
    )


def _safety_headers(
    response: HttpResponse, content_type: str, filename: str | None, download: bool = False
) -> None:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = _disposition(content_type, filename, download)
    if content_type.startswith(INLINE_TYPES):
        response["Content-Security-Policy"] = MEDIA_CSP


def stored_file_response(
    request: HttpRequest,
    field_file: FieldFile,
    *,
    content_type: str,
    filename: str | None = None,
    download: bool = False,
) -> HttpResponse:
    """Hand a stored file to whoever serves files in this deployment (see the module's
    docstring). The caller has checked access; `content_type` is Errata's own, and anything
    that is not video, a JPEG/PNG or a WebVTT index is sent as an attachment (so is anything
    with `download`)."""
    storage, name = field_file.storage, field_file.name
    if not is_local(storage):
        parameters = {
            "ResponseContentType": content_type,
            "ResponseContentDisposition": _disposition(content_type, filename, download),
            "ResponseCacheControl": "private, max-age=3600",
        }
        response = HttpResponseRedirect(storage.url(name, parameters=parameters))
        # The signed address is the capability: never cached past the link that gave it.
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    if settings.MEDIA_X_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_X_ACCEL_PREFIX + quote(name)
        _safety_headers(response, content_type, filename, download)
        response["Cache-Control"] = "private, max-age=0, must-revalidate"
        return response
    return ranged_file_response(
        request, field_file, content_type=content_type, filename=filename, download=download
    )


def ranged_file_response(
    request: HttpRequest,
    field_file: FieldFile,
    *,
    content_type: str,
    filename: str | None = None,
    download: bool = False,
) -> HttpResponse:
    storage, name = field_file.storage, field_file.name
    size = storage.size(name)
    etag = _etag(field_file, size)
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
    _safety_headers(response, content_type, filename, download)
    response["ETag"] = etag
    if wanted is not None:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    # Only the holder of the link may have it; no shared cache keeps a copy past a revocation.
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response
