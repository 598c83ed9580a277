"""The check an uploaded video passes before it is stored, in the request: its first bytes must
be those of a video container. Pure Python (the `filetype` signatures), so no ffmpeg runs in a
request; the worker's ffprobe then reads the whole file and can still refuse it (an MP4 holding
only audio, a damaged file).

An .html, .svg or text file never gets past here, whatever its name or claimed Content-Type: it
is what made a "cut" a script served from the app's own origin.
"""

from __future__ import annotations

import secrets

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

# Containers taken as a cut's video, by the MIME type `filetype` reads from the first bytes,
# with the extension the stored original gets (never the uploader's).
VIDEO_CONTAINERS = {
    "video/mp4": "mp4",
    "video/x-m4v": "m4v",
    "video/quicktime": "mov",
    "video/x-matroska": "mkv",
    "video/webm": "webm",
    "video/x-msvideo": "avi",
    "video/mpeg": "mpg",
    "video/x-flv": "flv",
    "video/x-ms-wmv": "wmv",
    "video/3gpp": "3gp",
}
SNIFF_BYTES = 8192


class MediaRefused(ValueError):
    """An upload that is not taken as a cut's video; the message says why, for the creator."""


def video_container_of(upload: UploadedFile) -> str:
    """The MIME type of the video container an upload starts with. Raises MediaRefused for an
    empty, oversized or non-video file."""
    if not upload.size:
        raise MediaRefused("The file is empty.")
    if upload.size > settings.MEDIA_UPLOAD_MAX_BYTES:
        limit = settings.MEDIA_UPLOAD_MAX_BYTES / 1024**3
        raise MediaRefused(f"The file is larger than {limit:g} GB.")
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in VIDEO_CONTAINERS:
        what = f" ({kind.mime})" if kind is not None else ""
        raise MediaRefused(
            f"This is not a video file{what}. Upload a video such as MP4, MOV, MKV or WebM."
        )
    return kind.mime


def stored_video_name(container: str) -> str:
    """The name an original is stored under: random, with the container's own extension, so the
    uploader's file name (and its extension) never reaches the store or a URL."""
    return f"original-{secrets.token_hex(8)}.{VIDEO_CONTAINERS[container]}"
