"""Frame checks on generated cuts: locating a reported misspelling, pinning its time, and
checking the fix in a later cut, beside baselines, in the same run.

    .venv/bin/python bench/ocr.py [--cases 6] [--seed 19]

Data: for each case ffmpeg makes a 30-second cut of demo-style title cards (426x240, names of
scenes of the demo timeline, errata/data/nn-part1-demo-timeline.edl) at 5 frames per second,
with one yellow line "The network <word> learns" (a real misspelling of a word of the video,
font size 16, 20 or 24 as the demo's lines) shown for 3 to 8 seconds at a random time; and a
later cut whose first card is 1 to 3 seconds longer, showing the corrected word, the same
misspelling, or no line at all. Each case has a report of the misspelling at a time written
precisely ("0:12", looked for within 5 s), hedged ("around 0:12", 8 s) or vaguely, in words
("around twenty seconds in", 20 s), off the truth by up to 3, 6 or 15 s (before rounding);
and one report of a spoken line ("between zero and ten") that is on no frame.

Measured for Errata (frames at FRAME_CHECK_FPS=2, a reading reused while the picture does not
change, the first and last sighting pinned by two halvings) and for the baseline (Tesseract on
every frame of the same window, 5 per second, nothing reused):
- locate precision (sightings claimed that overlap the truth / all claimed, the spoken lines'
  included) and recall (true sightings / misspellings reported);
- time-pin error: mean |pinned start - true start| and |pinned end - true end|, seconds; and the
  reported time alone (no frames read) as the second baseline;
- fix-check accuracy (fixed / still on screen / wrong text gone) against the truth, beside a
  perceptual baseline (dHash of the frames: changed -> fixed, unchanged -> still there);
- CPU seconds (this process and its ffmpeg and Tesseract children) per located finding.
One JSON line per measure ({"measure", "errata", "baseline", "ratio"}), then a summary table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402

from errata.catalog.timelines import timeline_entries_read  # noqa: E402
from errata.management.commands.load_demo import TIMELINE_FILE  # noqa: E402
from errata.management.demo_video import (  # noqa: E402
    HEIGHT,
    WIDTH,
    CardLine,
    DemoCard,
    text_cards_make,
)
from errata.media.ocr import (  # noqa: E402
    UNCHANGED_MAX_BITS,
    cpu_seconds,
    frame_at,
    ocr_available,
    picture_difference,
)
from errata.media.screen_scan import text_present, text_scan  # noqa: E402
from errata.triage.screen_text import search_window  # noqa: E402

FPS = 5
CUT_S = 30.0
# (wrong, right): misspellings of words this video says and shows.
MISSPELLINGS = [
    ("mabye", "maybe"),
    ("nueron", "neuron"),
    ("wieghts", "weights"),
    ("gradeint", "gradient"),
    ("activaton", "activation"),
    ("sigmiod", "sigmoid"),
    ("lyaer", "layer"),
    ("matirx", "matrix"),
    ("bais", "bias"),
    ("netwrok", "network"),
]
SPOKEN = "between zero and ten"
# How a report writes its time, and how far off it may be: "0:12" (within 3 s), "around 0:12"
# (6 s), "around twenty seconds in" (15 s, in words, to ten seconds).
TIME_STYLES = [("precise", 3.0), ("hedged", 6.0), ("vague", 15.0)]
TENS_IN_WORDS = {10: "ten", 20: "twenty", 30: "thirty"}


def time_written(style: str, seconds: float) -> tuple[float, str]:
    """The time a report gives, as written."""
    if style == "vague":
        tens = min(30, max(10, round(seconds / 10) * 10))
        return float(tens), f"around {TENS_IN_WORDS[tens]} seconds in"
    whole = round(seconds)
    return float(whole), ("around " if style == "hedged" else "") + f"0:{whole:02d}"


@dataclass
class Case:
    number: int
    wrong: str
    right: str
    start_s: float
    end_s: float
    fontsize: int
    intro_s: float
    extra_s: float
    later: str  # "fixed", "still_there" or "text_gone"
    reported_s: float
    time_text: str
    style: str


def _cards(names: list[str], intro_s: float) -> list[DemoCard]:
    cards, at = [], 0.0
    lengths = [intro_s] + [(CUT_S - intro_s) / (len(names) - 1)] * (len(names) - 1)
    for name, length in zip(names, lengths, strict=True):
        cards.append(DemoCard(name, at, at + length))
        at += length
    return cards


def make_case(number: int, rng: random.Random, names: list[str], folder: Path) -> tuple:
    wrong, right = MISSPELLINGS[number % len(MISSPELLINGS)]
    intro_s = 6.0
    length = rng.uniform(3.0, 8.0)
    start = round(rng.uniform(intro_s + 1.0, CUT_S - length - 1.0), 1)
    end = round(start + length, 1)
    style, noise = TIME_STYLES[number % len(TIME_STYLES)]
    reported, written = time_written(
        style, max(0.0, min(CUT_S, start + length / 2 + rng.uniform(-noise, noise)))
    )
    later = ["fixed", "fixed", "still_there", "text_gone"][number % 4]
    case = Case(
        number=number,
        wrong=wrong,
        right=right,
        start_s=start,
        end_s=end,
        fontsize=[16, 20, 24][number % 3],
        intro_s=intro_s,
        extra_s=float(rng.choice([1, 2, 3])),
        later=later,
        reported_s=reported,
        time_text=written,
        style=style,
    )
    picked = rng.sample(names, 4)
    first = folder / f"case{number}-cut1.mp4"
    text_cards_make(
        first,
        cards=_cards(picked, intro_s),
        lines=[CardLine(f"The network {wrong} learns", start, end, fontsize=case.fontsize)],
        duration_s=CUT_S,
        fps=FPS,
    )
    shift = case.extra_s
    later_lines = []
    if later != "text_gone":
        word = right if later == "fixed" else wrong
        later_lines.append(
            CardLine(f"The network {word} learns", start + shift, end + shift, case.fontsize)
        )
    second = folder / f"case{number}-cut2.mp4"
    text_cards_make(
        second,
        cards=_cards(picked, intro_s + shift),
        lines=later_lines,
        duration_s=CUT_S + shift,
        fps=FPS,
    )
    return case, first, second


def _overlaps(sighting, case: Case) -> bool:
    return sighting.start_s < case.end_s and sighting.end_s >= case.start_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=6)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    if not ocr_available():
        sys.exit("Tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-eng")
    rng = random.Random(args.seed)
    entries = timeline_entries_read(
        TIMELINE_FILE.read_text(encoding="utf-8"), filename=TIMELINE_FILE.name, fps=30.0
    )
    names = sorted({e.scene_name for e in entries})
    totals = {
        name: {"claims": 0, "true": 0, "start_err": [], "end_err": [], "cpu": 0.0, "reads": 0}
        for name in ("errata", "baseline")
    }
    reported_errors: list[float] = []
    fix_right = {"errata": 0, "baseline": 0}
    positives = 0
    with tempfile.TemporaryDirectory() as work:
        for number in range(args.cases):
            case, first, second = make_case(number, rng, names, Path(work))
            sighting = None
            positives += 1
            reported_errors.append(abs(case.reported_s - case.start_s))
            truth_end = case.end_s - 1.0 / FPS
            for query, is_typo in ((case.wrong, True), (SPOKEN, False)):
                window = search_window(
                    time_s=case.reported_s,
                    time_text=case.time_text if is_typo else f"0:{round(case.reported_s):02d}",
                    source="text",
                    scene_span=None,
                    duration_s=CUT_S,
                )
                for name, options in (
                    ("errata", {"fps": settings.FRAME_CHECK_FPS}),
                    ("baseline", {"fps": FPS, "reuse": False, "refine": False}),
                ):
                    before = cpu_seconds()
                    scan = text_scan(
                        first,
                        text=query,
                        start_s=window.start_s,
                        end_s=window.end_s,
                        width=WIDTH,
                        height=HEIGHT,
                        **options,
                    )
                    total = totals[name]
                    total["cpu"] += cpu_seconds() - before
                    total["reads"] += scan.frames_read
                    found = scan.sighting
                    if found is None:
                        continue
                    total["claims"] += 1
                    if is_typo and _overlaps(found, case):
                        total["true"] += 1
                        total["start_err"].append(abs(found.start_s - case.start_s))
                        total["end_err"].append(abs(found.end_s - truth_end))
                    if name == "errata" and is_typo:
                        sighting = found
            # The fix check, where Errata located the misspelling.
            # (A misspelling Errata did not locate counts as a wrong check.)
            if sighting is not None and _overlaps(sighting, case):
                shift = case.extra_s
                moments = [
                    sighting.start_s + (sighting.end_s - sighting.start_s) * p
                    for p in (0.15, 0.5, 0.85)
                ]
                later_times = [m + shift for m in moments]
                wrong, *_ = text_present(
                    second, text=case.wrong, times=later_times, width=WIDTH, height=HEIGHT
                )
                if wrong is not None:
                    outcome = "still_there"
                else:
                    right, *_ = text_present(
                        second, text=case.right, times=later_times, width=WIDTH, height=HEIGHT
                    )
                    outcome = "fixed" if right is not None else "text_gone"
                fix_right["errata"] += outcome == case.later
                old = frame_at(first, at_s=moments[1], width=WIDTH, height=HEIGHT)
                new = frame_at(second, at_s=later_times[1], width=WIDTH, height=HEIGHT)
                changed = picture_difference(old, new) > UNCHANGED_MAX_BITS
                baseline_outcome = "fixed" if changed else "still_there"
                fix_right["baseline"] += baseline_outcome == case.later
            print(
                json.dumps(
                    {
                        "case": number,
                        "word": case.wrong,
                        "truth": [case.start_s, case.end_s],
                        "reported": case.time_text,
                        "later": case.later,
                    }
                ),
                file=sys.stderr,
            )

    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 3) if values else None

    def line(measure: str, errata, baseline) -> None:
        ratio = (
            round(errata / baseline, 3)
            if isinstance(errata, (int, float)) and isinstance(baseline, (int, float)) and baseline
            else None
        )
        print(
            json.dumps({"measure": measure, "errata": errata, "baseline": baseline, "ratio": ratio})
        )

    e, b = totals["errata"], totals["baseline"]
    line(
        "locate_precision",
        round(e["true"] / e["claims"], 3) if e["claims"] else None,
        round(b["true"] / b["claims"], 3) if b["claims"] else None,
    )
    line("locate_recall", round(e["true"] / positives, 3), round(b["true"] / positives, 3))
    line("pin_start_error_s", mean(e["start_err"]), mean(b["start_err"]))
    line("pin_end_error_s", mean(e["end_err"]), mean(b["end_err"]))
    line("pin_start_error_s_vs_reported_time", mean(e["start_err"]), mean(reported_errors))
    line(
        "fix_check_accuracy",
        round(fix_right["errata"] / positives, 3),
        round(fix_right["baseline"] / positives, 3),
    )
    line("frames_read", e["reads"], b["reads"])
    line("cpu_s_total", round(e["cpu"], 2), round(b["cpu"], 2))
    line(
        "cpu_s_per_located_finding",
        round(e["cpu"] / e["true"], 2) if e["true"] else None,
        round(b["cpu"] / b["true"], 2) if b["true"] else None,
    )


if __name__ == "__main__":
    main()
