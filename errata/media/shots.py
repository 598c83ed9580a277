"""Shot boundaries found in a cut's video, proposed as scene spans for creators without an edit
decision list, and how well they match a known timeline.

Detection is PySceneDetect's ContentDetector (changes in hue, saturation and lightness between
frames) on the proxy, run by a Celery task. Proposing and scoring are plain functions.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Shots shorter than this are merged into the next: a flash or a fade is not a scene.
MIN_SHOT_S = 1.0
# PySceneDetect's default threshold for ContentDetector.
CONTENT_THRESHOLD = 27.0
# Frames looked at per second of video: a cut is placed to within 1/ANALYSED_FPS s, and a long
# proxy is analysed several times faster than frame by frame.
ANALYSED_FPS = 5


def shots_detect(path: Path, *, threshold: float = CONTENT_THRESHOLD) -> list[float]:
    """The times (seconds) where a new shot starts, after the first, in order."""
    from scenedetect import ContentDetector, SceneManager, open_video

    video = open_video(str(path), backend="opencv")
    fps = float(video.frame_rate or 30)
    manager = SceneManager()
    # Frames are analysed at a small size: shot changes show at any size, and it is fast.
    manager.auto_downscale = True
    manager.add_detector(
        # A float is seconds (an int would be frames).
        ContentDetector(threshold=threshold, min_scene_len=float(MIN_SHOT_S))
    )
    frame_skip = max(0, round(fps / ANALYSED_FPS) - 1)
    manager.detect_scenes(video=video, show_progress=False, frame_skip=frame_skip)
    scenes = manager.get_scene_list(start_in_scene=True)
    return [round(start.seconds, 3) for start, _ in scenes[1:]]


@dataclass(frozen=True)
class ProposedSpan:
    name: str
    start_s: float
    end_s: float


def spans_propose(
    boundaries: Sequence[float], *, duration_s: float, scene_names: Sequence[str] = ()
) -> list[ProposedSpan]:
    """Spans between consecutive boundaries. The n-th span takes the n-th name of
    `scene_names` (a manim source's scene classes in the order they are defined, which is the
    order they are usually played in); spans past the last name are called "Shot N"."""
    edges = [0.0, *sorted(b for b in boundaries if 0 < b < duration_s), duration_s]
    spans = []
    for number, (start, end) in enumerate(itertools.pairwise(edges), start=1):
        if end - start <= 0:
            continue
        name = scene_names[number - 1] if number <= len(scene_names) else f"Shot {number}"
        spans.append(ProposedSpan(name=name, start_s=round(start, 3), end_s=round(end, 3)))
    return spans


@dataclass(frozen=True)
class BoundaryScores:
    precision: float
    recall: float
    f1: float
    true_positives: int
    detected: int
    reference: int
    tolerance_s: float

    def as_json(self) -> dict:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "true_positives": self.true_positives,
            "detected": self.detected,
            "reference": self.reference,
            "tolerance_s": self.tolerance_s,
        }


def boundary_scores(
    detected: Sequence[float], reference: Sequence[float], *, tolerance_s: float = 0.5
) -> BoundaryScores:
    """Precision and recall of detected boundaries against reference ones: each reference
    boundary can be matched by one detected boundary within `tolerance_s` (closest first)."""
    pairs = sorted(
        (abs(d - r), i, j)
        for i, d in enumerate(detected)
        for j, r in enumerate(reference)
        if abs(d - r) <= tolerance_s
    )
    used_detected: set[int] = set()
    used_reference: set[int] = set()
    for _, i, j in pairs:
        if i in used_detected or j in used_reference:
            continue
        used_detected.add(i)
        used_reference.add(j)
    hits = len(used_detected)
    precision = hits / len(detected) if detected else (1.0 if not reference else 0.0)
    recall = hits / len(reference) if reference else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BoundaryScores(
        precision=precision,
        recall=recall,
        f1=f1,
        true_positives=hits,
        detected=len(detected),
        reference=len(reference),
        tolerance_s=tolerance_s,
    )
