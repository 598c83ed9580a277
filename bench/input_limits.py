"""What the limits on untrusted input cost an honest file, each beside its baseline.

    .venv/bin/python bench/input_limits.py                   # 100,000 comments, 2,000 clips
    .venv/bin/python bench/input_limits.py --comments 10000  # a quick run

(a) YouTube import's reading: ijson over a generated commentThreads file (bench/import_export.py's
    generator), as before (baseline) and through DepthCheckedStream, which counts the nesting
    as the bytes stream in. Seconds for the whole file, and the ratio.
(b) An OpenTimelineIO file of N clips read by OpenTimelineIO in this process (baseline) and by
    timeline_entries_read (depth check, then the reader in a child process with limits).
(c) A manim source file (3b1b-sized: 300 scene classes) parsed with ast in this process
    (baseline) and by manim_scenes_read (in a child process).
(d) The hostile case the limits exist for: a 100,000-deep JSON document, refused.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")

import django  # noqa: E402

django.setup()

import ijson  # noqa: E402
import opentimelineio as otio  # noqa: E402
from import_export import write_youtube_file  # noqa: E402  (bench/import_export.py)

from errata.catalog.manim import manim_scenes_parse, manim_scenes_read  # noqa: E402
from errata.catalog.timelines import _otio_entries, timeline_entries_read  # noqa: E402
from errata.core.limits import DepthCheckedStream, InputLimitExceeded  # noqa: E402


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def line(what: str, baseline: float, errata: float) -> None:
    print(
        f"{what:<44} baseline {baseline:8.3f} s   errata {errata:8.3f} s   x{errata / baseline:.2f}"
    )


def bench_youtube(comments: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "threads.json"
        write_youtube_file(path, comments, seed=1, review_share=0.5)
        data = path.read_bytes()
    print(f"(a) YouTube file: {comments:,} comments, {len(data) / 2**20:.1f} MB")

    def plain() -> None:
        for _ in ijson.items(io.BytesIO(data), "items.item", use_float=True):
            pass

    def checked() -> None:
        for _ in ijson.items(DepthCheckedStream(io.BytesIO(data)), "items.item", use_float=True):
            pass

    line("    ijson, whole file", best_of(3, plain), best_of(3, checked))


def otio_text(clips: int) -> str:
    timeline = otio.schema.Timeline(name="bench")
    track = otio.schema.Track()
    timeline.tracks.append(track)
    for n in range(clips):
        track.append(
            otio.schema.Clip(
                name=f"Scene{n}.mp4",
                source_range=otio.opentime.TimeRange(
                    otio.opentime.RationalTime(0, 30), otio.opentime.RationalTime(90, 30)
                ),
            )
        )
    return otio.adapters.write_to_string(timeline, "otio_json")


def bench_otio(clips: int) -> None:
    text = otio_text(clips)
    print(f"(b) OpenTimelineIO file: {clips:,} clips, {len(text) / 2**20:.1f} MB")
    line(
        "    read",
        best_of(3, lambda: _otio_entries(text, adapter="otio_json", fps=30)),
        best_of(3, lambda: timeline_entries_read(text, filename="t.otio", fps=30)),
    )


def bench_manim(classes: int) -> None:
    source = "from manimlib import *\n\n" + "".join(
        f"class Scene{n}(InteractiveScene):\n    def construct(self):\n"
        f"        self.play(Write(Tex(r'\\\\sum_{{i={n}}}^n i')))\n        self.wait()\n\n"
        for n in range(classes)
    )
    print(f"(c) manim source: {classes} scene classes, {len(source) / 1024:.0f} KB")
    line(
        "    parse",
        best_of(3, lambda: manim_scenes_parse(source, filename="s.py")),
        best_of(3, lambda: manim_scenes_read(source, filename="s.py")),
    )


def bench_hostile() -> None:
    data = b'{"items": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    start = time.perf_counter()
    try:
        for _ in ijson.items(DepthCheckedStream(io.BytesIO(data)), "items.item"):
            pass
    except InputLimitExceeded as refused:
        print(f"(d) 100,000-deep JSON: refused in {time.perf_counter() - start:.4f} s ({refused})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--clips", type=int, default=2_000)
    parser.add_argument("--classes", type=int, default=300)
    args = parser.parse_args()
    bench_youtube(args.comments)
    bench_otio(args.clips)
    bench_manim(args.classes)
    bench_hostile()


if __name__ == "__main__":
    main()
