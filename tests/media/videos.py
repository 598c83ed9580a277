"""Real video files made by ffmpeg for the tests: short, small, in the formats creators upload
(ProRes in QuickTime from an editor, MKV from a screen recorder, H.264 MP4)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(
    FFMPEG is None, reason="ffmpeg is not installed (apt-get install ffmpeg)"
)

CODECS = {
    "prores.mov": ["-c:v", "prores_ks", "-profile:v", "0"],
    "ffv1.mkv": ["-c:v", "ffv1", "-c:a", "flac"],
    "h264.mp4": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    "vp9.webm": ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-c:a", "libopus"],
}


def make_video(
    folder: Path,
    kind: str = "ffv1.mkv",
    *,
    seconds: float = 2.0,
    size: str = "160x90",
    fps: int = 10,
    audio: bool = True,
    source: str = "testsrc",
) -> Path:
    """A `seconds`-long clip of ffmpeg's test pattern (with a tone when `audio`)."""
    target = folder / f"clip-{seconds:g}s-{kind}"
    inputs = ["-f", "lavfi", "-i", f"{source}=size={size}:rate={fps}"]
    if audio:
        inputs += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    codec = [c for c in CODECS[kind] if audio or c not in {"-c:a", "flac", "aac", "libopus"}]
    subprocess.run(
        [FFMPEG, "-loglevel", "error", "-y", *inputs, "-t", f"{seconds}", *codec, str(target)],
        check=True,
        timeout=60,
    )
    return target


def make_cards(folder: Path, colours: list[str], *, seconds_each: float = 2.0) -> Path:
    """Plain colour cards one after another (hard cuts where the colour changes), H.264."""
    target = folder / "cards.mp4"
    inputs: list[str] = []
    for colour in colours:
        inputs += ["-f", "lavfi", "-t", f"{seconds_each}", "-i", f"color=c={colour}:s=160x90:r=10"]
    graph = "".join(f"[{i}:v]" for i in range(len(colours))) + f"concat=n={len(colours)}:v=1"
    subprocess.run(
        [
            FFMPEG,
            "-loglevel",
            "error",
            "-y",
            *inputs,
            "-filter_complex",
            graph,
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(target),
        ],
        check=True,
        timeout=60,
    )
    return target
