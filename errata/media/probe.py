"""What a video file holds, read by ffprobe (JSON), and whether Errata takes it as a cut's media.

A file is a video when it has a real video stream (not only cover art), a positive duration and
a container a browser-safe copy can be made from; anything else is refused with a sentence the
creator can act on. The Content-Type the original is served with comes from here, never from
the name or from what the uploader's browser claimed.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

from django.conf import settings

from errata.media.ffmpeg import MediaToolError, ffmpeg_binary, ffprobe_binary, run_tool

PROBE_TIMEOUT_S = 120

# Containers ffprobe names that hold images, not video: an .svg, .png or .jpg is refused even
# though ffmpeg can read it.
_IMAGE_FORMATS = re.compile(r"(^|,)(image2|[a-z0-9]+_pipe|gif|apng|webp)(,|$)")


class NotAVideo(Exception):
    """The file is not a video Errata can use; the message says why, for the creator."""


@dataclass(frozen=True)
class Probe:
    container: str
    content_type: str
    duration_s: float
    fps: float | None
    width: int
    height: int
    video_codec: str
    audio_codec: str
    pixel_format: str = ""

    @property
    def browser_safe(self) -> bool:
        """Already what the proxy would be (H.264 4:2:0, AAC or no sound, in MP4): the proxy is
        then the same streams, remuxed with the index at the front, not encoded again."""
        return (
            self.content_type == "video/mp4"
            and self.video_codec == "h264"
            and self.pixel_format == "yuv420p"
            and self.audio_codec in {"aac", ""}
        )

    def as_json(self) -> dict:
        return asdict(self)


def _content_type(container: str, brand: str, video_codec: str) -> str:
    names = set(container.split(","))
    if "mp4" in names or "mov" in names:
        return "video/quicktime" if brand.strip() == "qt" else "video/mp4"
    if "matroska" in names or "webm" in names:
        webm_codecs = {"vp8", "vp9", "av1"}
        return "video/webm" if video_codec in webm_codecs else "video/x-matroska"
    simple = {
        "avi": "video/x-msvideo",
        "mpegts": "video/mp2t",
        "mpeg": "video/mpeg",
        "flv": "video/x-flv",
        "asf": "video/x-ms-asf",
        "ogg": "video/ogg",
        "mxf": "application/mxf",
    }
    for name in names:
        if name in simple:
            return simple[name]
    return ""


def _rate(value: str | None) -> float | None:
    try:
        rate = float(Fraction(value or "0"))
    except (ValueError, ZeroDivisionError):
        return None
    return round(rate, 3) if 0 < rate < 1000 else None


def probe_from_ffprobe_json(data: dict) -> Probe:
    """The probe of ffprobe's `-show_format -show_streams` JSON. Raises NotAVideo."""
    streams = data.get("streams") or []
    fmt = data.get("format") or {}
    container = str(fmt.get("format_name") or "")
    videos = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    if not container or _IMAGE_FORMATS.search(container):
        raise NotAVideo(f"This is not a video file ({container or 'unknown format'}).")
    if not videos:
        raise NotAVideo("This file has no video stream (it may be audio only).")
    video = videos[0]
    audio = next((s for s in streams if s.get("codec_type") == "audio"), {})
    try:
        duration = float(fmt.get("duration") or video.get("duration") or 0)
    except ValueError:
        duration = 0.0
    if not duration > 0:
        raise NotAVideo("This video has no duration that can be read.")
    brand = str((fmt.get("tags") or {}).get("major_brand") or "")
    codec = str(video.get("codec_name") or "")
    content_type = _content_type(container, brand, codec)
    if not content_type:
        raise NotAVideo(f"Errata does not take {container} files as a cut's video.")
    return Probe(
        container=container,
        content_type=content_type,
        duration_s=round(duration, 3),
        fps=_rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")),
        width=int(video.get("width") or 0),
        height=int(video.get("height") or 0),
        video_codec=codec,
        audio_codec=str(audio.get("codec_name") or ""),
        pixel_format=str(video.get("pix_fmt") or ""),
    )


# ffmpeg's own report of its input, for when no ffprobe is installed (the imageio-ffmpeg wheel
# ships ffmpeg alone). Only the lines needed are read: the container, the duration and the
# first video and audio streams.
_INPUT_RE = re.compile(r"^Input #0, ([^ ]+), from", re.M)
_DURATION_RE = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_VIDEO_RE = re.compile(r"Stream #0:\d+.*?: Video: (\w+)(?P<rest>.*)$", re.M)
_AUDIO_RE = re.compile(r"Stream #0:\d+.*?: Audio: (\w+)", re.M)
_SIZE_RE = re.compile(r", (\d{2,5})x(\d{2,5})[ ,]")
_FPS_RE = re.compile(r", ([\d.]+) fps")
_PIXEL_FORMAT_RE = re.compile(r"^[^,]*, ([a-z0-9_]+)")
_BRAND_RE = re.compile(r"major_brand\s*:\s*(\S+)")


def probe_from_ffmpeg_report(text: str) -> Probe:
    container = (_INPUT_RE.search(text) or [None, ""])[1].rstrip(",")
    video = _VIDEO_RE.search(text)
    if video and "(attached pic)" in video.group("rest"):
        video = None
    duration = _DURATION_RE.search(text)
    data: dict = {"format": {"format_name": container}, "streams": []}
    if duration:
        hours, minutes, seconds = duration.groups()
        data["format"]["duration"] = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    if brand := _BRAND_RE.search(text):
        data["format"]["tags"] = {"major_brand": brand.group(1)}
    if video:
        size = _SIZE_RE.search(video.group("rest"))
        fps = _FPS_RE.search(video.group("rest"))
        pixel_format = _PIXEL_FORMAT_RE.search(video.group("rest"))
        data["streams"].append(
            {
                "codec_type": "video",
                "codec_name": video.group(1),
                "width": int(size.group(1)) if size else 0,
                "height": int(size.group(2)) if size else 0,
                "avg_frame_rate": fps.group(1) if fps else None,
                "pix_fmt": pixel_format.group(1) if pixel_format else "",
            }
        )
    if audio := _AUDIO_RE.search(text):
        data["streams"].append({"codec_type": "audio", "codec_name": audio.group(1)})
    return probe_from_ffprobe_json(data)


def probe_file(path: Path) -> Probe:
    """Probe a local file. Raises NotAVideo for a file Errata does not take, MediaToolError
    when ffmpeg itself is missing or broken."""
    ffprobe = ffprobe_binary()
    if ffprobe is None:
        return _probe_with_ffmpeg(path)
    try:
        done = run_tool(
            [
                ffprobe,
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                "--",
                str(path),
            ],
            timeout_s=PROBE_TIMEOUT_S,
            what="Reading the file",
        )
    except MediaToolError as error:
        if "could not be started" in str(error):
            raise
        # ffprobe exits non-zero on files it cannot parse at all: not a video.
        raise NotAVideo("This file is not a video ffmpeg can read.") from None
    try:
        data = json.loads(done.stdout.decode("utf-8", "replace") or "{}")
    except json.JSONDecodeError:
        raise NotAVideo("This file is not a video ffmpeg can read.") from None
    return probe_from_ffprobe_json(data)


def _probe_with_ffmpeg(path: Path) -> Probe:
    # `ffmpeg -i FILE` with no output describes the input on stderr and exits 1: expected.
    try:
        done = subprocess.run(  # noqa: S603 - a list of arguments, no shell
            [ffmpeg_binary(), "-hide_banner", "-i", str(path)],
            capture_output=True,
            timeout=min(PROBE_TIMEOUT_S, settings.MEDIA_FFMPEG_TIMEOUT_SECONDS),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise MediaToolError(f"Reading the file failed ({error}).") from None
    return probe_from_ffmpeg_report(done.stderr.decode("utf-8", "replace"))
