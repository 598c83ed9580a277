"""Shot boundaries found in the demo video against the demo edit decision list.

    .venv/bin/python bench/scene_detection.py [--tolerance 0.5] [--thresholds 27,20,15]

Makes the demo video exactly as `load_demo` does (41 title cards, one per span of
errata/data/nn-part1-demo-timeline.edl, 426x240 at 30 fps; kept in the same cache), then finds
its shot boundaries
- with Errata's detector (PySceneDetect's ContentDetector on the file, as the
  errata.media_detect_shots task runs it; its default threshold is 27), at a few thresholds;
- with a baseline: ffmpeg's own scene-change filter (`scdet`, threshold 10).
A detected boundary counts when it is within --tolerance seconds of an EDL cut (each EDL cut
matched once). Prints precision, recall, F1 and the seconds each took.

The cards are synthetic: neighbouring scenes differ in background colour and title only, which is
closer to manim scenes on dark backgrounds than to live action. Read the numbers as such.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django

django.setup()

from errata.catalog.timelines import timeline_entries_read  # noqa: E402
from errata.management.commands.load_demo import TIMELINE_FILE, Command  # noqa: E402
from errata.media.ffmpeg import ffmpeg_binary  # noqa: E402
from errata.media.shots import ANALYSED_FPS, boundary_scores, shots_detect  # noqa: E402

_SCDET_RE = re.compile(r"lavfi\.scd\.time: ([\d.]+)")


def ffmpeg_scdet(path: Path, threshold: float = 10.0) -> list[float]:
    done = subprocess.run(
        [
            ffmpeg_binary(),
            "-hide_banner",
            "-i",
            str(path),
            "-vf",
            f"scdet=threshold={threshold}",
            "-an",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        check=True,
        timeout=1800,
    )
    return [float(t) for t in _SCDET_RE.findall(done.stderr.decode("utf-8", "replace"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tolerance", type=float, default=0.5)
    parser.add_argument("--thresholds", default="27,20,15")
    args = parser.parse_args()

    entries = timeline_entries_read(
        TIMELINE_FILE.read_text(encoding="utf-8"), filename=TIMELINE_FILE.name, fps=30.0
    )
    reference = [e.start_s for e in entries][1:]
    command = Command()
    command.stdout = command.stderr = sys.stderr
    video = command._demo_file(entries, typo_word="mabye")
    if video is None:
        sys.exit("ffmpeg could not make the demo video.")
    print(
        f"demo video {video} ({video.stat().st_size / 1e6:.1f} MB), {len(reference)} EDL cuts, "
        f"tolerance {args.tolerance} s, PySceneDetect analyses {ANALYSED_FPS} frames/s"
    )
    print(f"{'detector':34} {'found':>5} {'prec.':>6} {'recall':>6} {'F1':>6} {'seconds':>8}")

    def report(name: str, found: list[float], seconds: float) -> None:
        s = boundary_scores(found, reference, tolerance_s=args.tolerance)
        print(
            f"{name:34} {len(found):5d} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} "
            f"{seconds:8.1f}"
        )

    with tempfile.TemporaryDirectory():
        for threshold in [float(t) for t in args.thresholds.split(",")]:
            started = time.perf_counter()
            found = shots_detect(video, threshold=threshold)
            label = f"PySceneDetect content, thr. {threshold:g}"
            report(
                label + (" (Errata)" if threshold == 27 else ""),
                found,
                time.perf_counter() - started,
            )
        started = time.perf_counter()
        found = ffmpeg_scdet(video)
        report("baseline: ffmpeg scdet, thr. 10", found, time.perf_counter() - started)


if __name__ == "__main__":
    main()
