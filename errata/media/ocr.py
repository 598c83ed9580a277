"""Reading on-screen text: frames of a video decoded by ffmpeg, their words read by Tesseract
(Debian's tesseract-ocr with its English data, through pytesseract), with boxes and
confidences; and a perceptual difference of two frames for errata that are not text.

Only Celery tasks (and bench/ocr.py) call this module: reading a frame takes a few hundred
milliseconds of CPU, never something a request waits on.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from django.conf import settings

from errata.media.ffmpeg import MediaToolError, ffmpeg_binary, run_tool
from errata.triage.screen_text import ScreenText

# Tesseract reads small captions better at this height or more: smaller frames are enlarged
# before reading (a 240p demo card's 20-pixel words), and the boxes scaled back.
READ_MIN_HEIGHT = 480
# Page segmentation "sparse text": slides and labels, not a page of prose.
TESSERACT_CONFIG = "--psm 11"
# Two frames whose 32x18 cell means differ by no more than this (of 255) anywhere show the same
# picture (video compression noise aside): the words read in the first are reused.
SAME_PICTURE_MAX_CELL_DIFFERENCE = 4.0
# dHash bits (of 64) two frames may differ by and still count as "unchanged".
UNCHANGED_MAX_BITS = 4


def tesseract_binary() -> str | None:
    """Tesseract's binary when it is installed (TESSERACT_BINARY, else on PATH), or None."""
    return shutil.which(settings.TESSERACT_BINARY or "tesseract")


def ocr_available() -> bool:
    """Frame checks can run: switched on, and Tesseract is installed."""
    return bool(settings.FRAME_CHECKS and tesseract_binary())


def read_words(image: np.ndarray) -> list[ScreenText]:
    """The words Tesseract reads in a BGR frame, in reading order, boxes in frame pixels."""
    import pytesseract

    pytesseract.pytesseract.tesseract_cmd = tesseract_binary() or "tesseract"
    height = image.shape[0]
    scale = max(1.0, READ_MIN_HEIGHT / max(1, height))
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if scale > 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    # One thread per Tesseract: a worker reads many frames one after another, and OpenMP's
    # threads only add overhead on top of Celery's own concurrency.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    data = pytesseract.image_to_data(
        gray, lang="eng", config=TESSERACT_CONFIG, output_type=pytesseract.Output.DICT
    )
    words = []
    for index, text in enumerate(data["text"]):
        confidence = float(data["conf"][index])
        if not text.strip() or confidence < 0:
            continue
        words.append(
            ScreenText(
                text=text.strip(),
                confidence=confidence,
                left=round(data["left"][index] / scale),
                top=round(data["top"][index] / scale),
                width=round(data["width"][index] / scale),
                height=round(data["height"][index] / scale),
            )
        )
    return words


@dataclass(frozen=True)
class Frame:
    at_s: float
    image: np.ndarray


def frames_read(
    video: Path, *, start_s: float, end_s: float, fps: float, width: int, height: int
) -> Iterator[Frame]:
    """Frames of `video` from start_s to end_s at `fps`, decoded by ffmpeg into memory (raw
    BGR through a pipe, no files): frame k is the one shown at start_s + k / fps."""
    duration = max(0.0, end_s - start_s)
    if duration <= 0:
        return
    command = [
        ffmpeg_binary(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-ss",
        f"{start_s:.3f}",
        "-i",
        str(video),
        "-t",
        f"{duration:.3f}",
        "-an",
        "-vf",
        f"fps={fps:g}:round=near,scale={width}:{height}",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "bgr24",
        "pipe:1",
    ]
    size = width * height * 3
    # A list of arguments, no shell; the path is our own local copy.
    process = subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    try:
        index = 0
        while True:
            chunk = process.stdout.read(size)
            if len(chunk) < size:
                break
            image = np.frombuffer(chunk, dtype=np.uint8).reshape(height, width, 3)
            yield Frame(round(start_s + index / fps, 3), image)
            index += 1
    finally:
        process.stdout.close()
        if process.poll() is None:
            process.kill()
        process.wait()


def frame_at(video: Path, *, at_s: float, width: int, height: int) -> np.ndarray | None:
    """One frame at `at_s` (accurate seek), or None past the end."""
    done = run_tool(
        [
            ffmpeg_binary(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-ss",
            f"{max(0.0, at_s):.3f}",
            "-i",
            str(video),
            "-frames:v",
            "1",
            "-an",
            "-vf",
            f"scale={width}:{height}",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "bgr24",
            "pipe:1",
        ],
        what="Reading a frame",
    )
    size = width * height * 3
    if len(done.stdout) < size:
        return None
    return np.frombuffer(done.stdout[:size], dtype=np.uint8).reshape(height, width, 3)


def cell_means(image: np.ndarray) -> np.ndarray:
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return cv2.resize(gray, (32, 18), interpolation=cv2.INTER_AREA).astype(np.float32)


def same_picture(first: np.ndarray | None, second: np.ndarray) -> bool:
    """`first` and `second` are cell_means of two frames that show the same picture."""
    if first is None:
        return False
    return float(np.abs(first - second).max()) <= SAME_PICTURE_MAX_CELL_DIFFERENCE


def dhash(image: np.ndarray) -> int:
    """The difference hash (Krawetz's dHash: 9x8 grey, each pixel brighter than its right-hand
    neighbour or not): 64 bits that move little under compression or scaling and a lot when
    the picture changes. Written on OpenCV, already a dependency, rather than pulling in
    imagehash with SciPy and PyWavelets for these few lines."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(gray, (9, 8), interpolation=cv2.INTER_AREA)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return int(sum(1 << i for i, bit in enumerate(bits) if bit))


def picture_difference(first: np.ndarray, second: np.ndarray) -> int:
    """How many of the 64 dHash bits differ between two frames (0: the same picture)."""
    return bin(dhash(first) ^ dhash(second)).count("1")


def crop(image: np.ndarray, box: tuple[int, int, int, int], *, margin: int = 6) -> np.ndarray:
    left, top, width, height = box
    rows, cols = image.shape[:2]
    return image[
        max(0, top - margin) : min(rows, top + height + margin),
        max(0, left - margin) : min(cols, left + width + margin),
    ]


def jpeg_bytes(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 88])
    if not ok:
        raise MediaToolError("A frame could not be encoded as JPEG.")
    return encoded.tobytes()


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg, Tesseract), user + system:
    what a frame check costs, read before and after."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
