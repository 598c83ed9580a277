"""Running ffmpeg and ffprobe: finding them, running them with a time limit, reading progress.

Only Celery tasks (and `load_demo`) call this module: a request never waits on ffmpeg. The
binaries are FFMPEG_BINARY / FFPROBE_BINARY when set, else the ones on PATH (Debian's, in the
Docker image and CI), else for ffmpeg the binary the imageio-ffmpeg wheel ships, so that
`make run` works on a machine without a system ffmpeg. That wheel has no ffprobe:
`probe.py` then reads ffmpeg's own report of the file instead.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from django.conf import settings

# ffmpeg's last lines of output kept in an error (the rest is noise for a creator).
ERROR_TAIL_LINES = 6


class MediaToolError(Exception):
    """ffmpeg or ffprobe could not do what was asked; the message is meant for the creator."""


class MediaToolMissing(MediaToolError):
    pass


def ffmpeg_binary() -> str:
    if settings.FFMPEG_BINARY:
        return settings.FFMPEG_BINARY
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        raise MediaToolMissing(
            "ffmpeg is not installed: install Debian's ffmpeg (apt-get install ffmpeg) or the "
            "imageio-ffmpeg wheel, or set FFMPEG_BINARY."
        ) from None
    return imageio_ffmpeg.get_ffmpeg_exe()


def ffprobe_binary() -> str | None:
    """ffprobe, or None when only a bundled ffmpeg is available."""
    if settings.FFPROBE_BINARY:
        return settings.FFPROBE_BINARY
    if settings.FFMPEG_BINARY:
        sibling = Path(settings.FFMPEG_BINARY).with_name("ffprobe")
        if sibling.exists():
            return str(sibling)
    return shutil.which("ffprobe")


def _tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[-ERROR_TAIL_LINES:])


def run_tool(
    arguments: Sequence[str], *, timeout_s: float | None = None, what: str
) -> subprocess.CompletedProcess:
    """Run ffmpeg or ffprobe (arguments[0]) without a shell; a failure raises MediaToolError
    saying `what` failed, with ffmpeg's last lines."""
    timeout_s = timeout_s or settings.MEDIA_FFMPEG_TIMEOUT_SECONDS
    try:
        # The arguments are a list (no shell); file names are our own temporary paths.
        done = subprocess.run(  # noqa: S603
            list(arguments), capture_output=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        raise MediaToolError(f"{what} took longer than {timeout_s:g} s and was stopped.") from None
    except OSError as error:
        raise MediaToolMissing(f"{what}: {arguments[0]} could not be started ({error}).") from None
    if done.returncode != 0:
        detail = _tail(done.stderr.decode("utf-8", "replace"))
        raise MediaToolError(f"{what} failed: {detail}" if detail else f"{what} failed.")
    return done


ProgressCallback = Callable[[float], None]


def run_ffmpeg_with_progress(
    arguments: Sequence[str],
    *,
    duration_s: float,
    progress: ProgressCallback,
    what: str,
    timeout_s: float | None = None,
) -> None:
    """Run ffmpeg with `-progress pipe:1`, calling `progress(fraction)` as it reports how far
    into the output it is. `arguments` are ffmpeg's, without the binary."""
    timeout_s = timeout_s or settings.MEDIA_FFMPEG_TIMEOUT_SECONDS
    command = [ffmpeg_binary(), "-hide_banner", "-nostats", "-progress", "pipe:1", *arguments]
    deadline = time.monotonic() + timeout_s
    try:
        process = subprocess.Popen(  # noqa: S603 - a list of arguments, no shell
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    except OSError as error:
        raise MediaToolMissing(f"{what}: ffmpeg could not be started ({error}).") from None
    # stderr is drained by a thread so that a chatty ffmpeg never blocks on a full pipe.
    stderr_chunks: list[bytes] = []
    reader = _drain(process.stderr, stderr_chunks)
    try:
        for raw in process.stdout:
            if time.monotonic() > deadline:
                process.kill()
                raise MediaToolError(f"{what} took longer than {timeout_s:g} s and was stopped.")
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            if key == "out_time_us" and value.isdigit() and duration_s > 0:
                progress(min(1.0, int(value) / 1e6 / duration_s))
        returncode = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        process.kill()
        raise MediaToolError(f"{what} took longer than {timeout_s:g} s and was stopped.") from None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(timeout=5)
    if returncode != 0:
        detail = _tail(b"".join(stderr_chunks).decode("utf-8", "replace"))
        raise MediaToolError(f"{what} failed: {detail}" if detail else f"{what} failed.")


def _drain(stream, into: list[bytes]):
    def read() -> None:
        for chunk in iter(lambda: stream.read(65536), b""):
            into.append(chunk)
            # Only the tail is ever shown; keep memory bounded on a long transcode.
            if len(into) > 64:
                del into[:-32]

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread
