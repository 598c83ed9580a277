"""Where a cut's video comes from (an uploaded file, YouTube, Vimeo, a plain URL), and the
Content-Security-Policy the review page needs to play it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from errata.media.selectors import cut_media, playable_file
from errata.media.storage import media_store_origin
from errata.models import Cut, CutMedia

_YOUTUBE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{11}$")


_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com"}


_YOUTUBE_HOSTS |= {"www.youtube-nocookie.com", "music.youtube.com"}


_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


@dataclass(frozen=True)
class MediaSource:
    """How the page plays a cut: "file" (an upload: its proxy, or the original while that is
    made), "url" (a direct video file elsewhere), "youtube" or "vimeo" (through their player
    APIs), "processing" or "failed" (an upload no browser can play yet, with `note` and
    `percent`), or "" (no media yet). `open_url` is where to watch it elsewhere should the
    player not load."""

    kind: str
    src: str = ""
    video_id: str = ""
    poster: str = ""
    thumbnails: str = ""
    open_url: str = ""
    note: str = ""
    percent: int = 0

    @property
    def origin(self) -> str:
        parts = urlsplit(self.src)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def youtube_video_id(url: str) -> str:
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().split(":")[0]
    candidate = ""
    if host in {"youtu.be", "www.youtu.be"}:
        candidate = parts.path.strip("/").split("/")[0]
    elif host in _YOUTUBE_HOSTS:
        if parts.path == "/watch":
            candidate = parse_qs(parts.query).get("v", [""])[0]
        else:
            segments = parts.path.strip("/").split("/")
            if len(segments) >= 2 and segments[0] in {"embed", "shorts", "live", "v"}:
                candidate = segments[1]
    return candidate if _YOUTUBE_ID_RE.match(candidate) else ""


def vimeo_video_url(url: str) -> str:
    """The canonical vimeo.com address of a Vimeo video (with an unlisted video's hash)."""
    parts = urlsplit(url.strip())
    if parts.netloc.lower() not in _VIMEO_HOSTS:
        return ""
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[0] == "video":
        segments = segments[1:]
    if not segments or not segments[0].isdigit():
        return ""
    video_hash = parse_qs(parts.query).get("h", [""])[0]
    if len(segments) > 1 and re.fullmatch(r"[0-9a-f]{6,20}", segments[1]):
        video_hash = segments[1]
    suffix = f"/{video_hash}" if re.fullmatch(r"[0-9a-f]{6,20}", video_hash or "") else ""
    return f"https://vimeo.com/{segments[0]}{suffix}"


def url_media_source(url: str) -> MediaSource:
    """The source a cut's media URL names (YouTube, Vimeo, a direct file), or kind ""."""
    url = (url or "").strip()
    if not url:
        return MediaSource(kind="")
    if video_id := youtube_video_id(url):
        return MediaSource(kind="youtube", video_id=video_id, open_url=url)
    if vimeo := vimeo_video_url(url):
        return MediaSource(kind="vimeo", src=vimeo, open_url=vimeo)
    if urlsplit(url).scheme in {"http", "https"}:
        return MediaSource(kind="url", src=url, open_url=url)
    return MediaSource(kind="")


def cut_media_source(
    cut: Cut, *, file_url: str, poster_url: str = "", thumbnails_url: str = ""
) -> MediaSource:
    """An uploaded file wins over a URL (it is what the creator put on this cut last), unless
    the creator chose to play the URL instead. An upload no browser can play until its proxy
    exists gives way to the URL meanwhile, or shows its progress (or its failure)."""
    media = cut_media(cut=cut)
    by_url = url_media_source(cut.media_url)
    if media is not None and media.prefer_url and by_url.kind:
        return by_url
    if playable_file(cut=cut) is not None:
        ready = media is not None and media.is_ready
        return MediaSource(
            kind="file",
            src=file_url,
            poster=poster_url if ready and media.poster else "",
            thumbnails=thumbnails_url if ready and media.sprite else "",
            open_url=file_url,
        )
    if by_url.kind:
        return by_url
    if media is not None and media.status in (CutMedia.Status.QUEUED, CutMedia.Status.PROCESSING):
        return MediaSource(kind="processing", note=media.get_phase_display(), percent=media.percent)
    if media is not None and media.status == CutMedia.Status.FAILED:
        return MediaSource(kind="failed", note=media.error)
    return MediaSource(kind="")


def review_page_csp(source: MediaSource) -> str:
    """The page's Content-Security-Policy: our own scripts and styles only, plus the player API
    of the one video host this cut uses (and the object store uploaded media is redirected to).
    Comment text is escaped anyway; this is the second wall should an escape ever be missed."""
    script, frame, media, img = ["'self'"], ["'none'"], ["'self'"], ["'self'", "data:"]
    connect = ["'self'"]
    if source.kind == "file" and (store := media_store_origin()):
        media.append(store)
        img.append(store)
        connect.append(store)
    if source.kind == "youtube":
        script += ["https://www.youtube.com", "https://s.ytimg.com"]
        frame = ["https://www.youtube-nocookie.com", "https://www.youtube.com"]
        img += ["https://i.ytimg.com"]
    elif source.kind == "vimeo":
        script += ["https://player.vimeo.com"]
        frame = ["https://player.vimeo.com"]
    elif source.kind == "url" and source.origin:
        media.append(source.origin)
    directives = {
        "default-src": ["'self'"],
        "script-src": script,
        "style-src": ["'self'"],
        "img-src": img,
        "media-src": media,
        "frame-src": frame,
        "connect-src": connect,
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())
