"""What ffmpeg makes from a cut's video: the browser-safe proxy, a poster, a thumbnail sprite
(and the WebVTT index the player reads it by), and single frames.

Each function takes local paths and writes a local file; services.py moves files in and out of
storage around them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from errata.media.ffmpeg import ProgressCallback, ffmpeg_binary, run_ffmpeg_with_progress, run_tool
from errata.media.probe import Probe

# A keyframe every two seconds: the player seeks and a frame grab lands quickly anywhere.
KEYFRAME_INTERVAL_S = 2
SPRITE_MAX_TILES = 100
SPRITE_COLUMNS = 10
SPRITE_TILE_WIDTH = 160
FRAME_WIDTH = 320
STILL_TIMEOUT_S = 120


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def proxy_make(*, source: Path, target: Path, probe: Probe, progress: ProgressCallback) -> None:
    """H.264 (yuv420p, the only pixel format every browser decodes) and AAC stereo in an MP4
    whose index is at the front (+faststart), at most MEDIA_PROXY_MAX_HEIGHT lines high, with a
    keyframe every two seconds. A file without sound gets a proxy without sound."""
    max_height = settings.MEDIA_PROXY_MAX_HEIGHT
    gop = max(1, round((probe.fps or 30) * KEYFRAME_INTERVAL_S))
    if probe.browser_safe and probe.height <= max_height:
        # Nothing to encode: the same streams, with the index moved to the front.
        run_ffmpeg_with_progress(
            [
                "-y",
                "-i",
                str(source),
                "-map",
                "0:v:0",
                "-map",
                "0:a:0?",
                "-c",
                "copy",
                "-movflags",
                "+faststart",
                "-f",
                "mp4",
                str(target),
            ],
            duration_s=probe.duration_s,
            progress=progress,
            what="Making the browser copy",
        )
        return
    run_ffmpeg_with_progress(
        [
            "-y",
            "-i",
            str(source),
            "-map",
            "0:v:0",
            "-map",
            "0:a:0?",
            "-vf",
            f"scale=-2:'min({max_height},ih)':flags=bicubic,format=yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-g",
            str(gop),
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-ac",
            "2",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            str(target),
        ],
        duration_s=probe.duration_s,
        progress=progress,
        what="Making the browser copy",
    )


def still_make(*, source: Path, target: Path, at_s: float, width: int = FRAME_WIDTH) -> None:
    """One frame as a JPEG (a poster or a frame grab). Seeking before the input is exact on
    today's ffmpeg and fast on the proxy's two-second keyframes."""
    run_tool(
        [
            ffmpeg_binary(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-ss",
            f"{max(0.0, at_s):.3f}",
            "-i",
            str(source),
            "-frames:v",
            "1",
            "-vf",
            f"scale={width}:-2",
            "-q:v",
            "4",
            "-update",
            "1",
            str(target),
        ],
        timeout_s=STILL_TIMEOUT_S,
        what="Grabbing a frame",
    )
    if not target.exists() or target.stat().st_size == 0:
        # Past the last frame ffmpeg writes nothing and still exits 0.
        raise FileNotFoundError(f"No frame at {at_s:.3f} s.")


def poster_time(duration_s: float) -> float:
    """A tenth of the way in (past a black first frame or a fade), at most 10 s in."""
    return min(10.0, duration_s * 0.1)


@dataclass(frozen=True)
class SpriteIndex:
    interval_s: float
    columns: int
    count: int
    tile_width: int
    tile_height: int

    def as_json(self) -> dict:
        return {
            "interval_s": self.interval_s,
            "columns": self.columns,
            "count": self.count,
            "tile_width": self.tile_width,
            "tile_height": self.tile_height,
        }


def sprite_plan(probe: Probe) -> SpriteIndex:
    """At most SPRITE_MAX_TILES thumbnails, one every whole number of seconds, in one image."""
    interval = max(1, math.ceil(probe.duration_s / SPRITE_MAX_TILES))
    count = max(1, math.ceil(probe.duration_s / interval))
    aspect = (probe.height / probe.width) if probe.width and probe.height else 9 / 16
    return SpriteIndex(
        interval_s=float(interval),
        columns=min(SPRITE_COLUMNS, count),
        count=count,
        tile_width=SPRITE_TILE_WIDTH,
        tile_height=_even(SPRITE_TILE_WIDTH * aspect),
    )


def sprite_make(*, source: Path, target: Path, plan: SpriteIndex) -> None:
    rows = math.ceil(plan.count / plan.columns)
    # With thumbnails further apart than two keyframes of the proxy, decoding the keyframes alone
    # is close enough for a scrubbing preview and several times faster on a long video.
    keyframes_only = ["-skip_frame", "nokey"] if plan.interval_s >= 2 * KEYFRAME_INTERVAL_S else []
    run_tool(
        [
            ffmpeg_binary(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            *keyframes_only,
            "-i",
            str(source),
            "-vf",
            (
                f"fps=1/{plan.interval_s:g},scale={plan.tile_width}:{plan.tile_height},"
                f"tile={plan.columns}x{rows}"
            ),
            "-frames:v",
            "1",
            "-q:v",
            "5",
            "-update",
            "1",
            str(target),
        ],
        what="Making the scrubbing thumbnails",
    )


def _vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def sprite_vtt(index: dict, *, sprite_url: str, duration_s: float) -> str:
    """The WebVTT thumbnail index (the `#xywh=` media fragment convention that video.js,
    JW Player and Errata's review page read): one cue per tile."""
    lines = ["WEBVTT", ""]
    interval = float(index["interval_s"])
    width, height, columns = index["tile_width"], index["tile_height"], index["columns"]
    for number in range(int(index["count"])):
        start = number * interval
        if start >= duration_s:
            break
        end = min(duration_s, start + interval)
        x, y = (number % columns) * width, (number // columns) * height
        lines += [
            f"{_vtt_time(start)} --> {_vtt_time(end)}",
            f"{sprite_url}#xywh={x},{y},{width},{height}",
            "",
        ]
    return "\n".join(lines)
