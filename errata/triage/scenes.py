"""Which scene a position in a cut falls in, from the cut's scene spans.

Spans are half-open, [start_s, end_s): at an exact boundary the span that starts there wins,
since a reviewer who pauses on a cut sees the new scene's first frame. A position just past
the end of a span (within a tolerance) still maps to it when no span contains the position,
which covers a reviewer rounding up "6:59.6" to "7:00" at the end of the cut or before a gap.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

__all__ = ["SceneLocator", "SpanRef", "suggest_scene"]


@dataclass(frozen=True)
class SpanRef:
    """One scene's place on a cut's timeline, in seconds."""

    scene: Hashable
    start_s: float
    end_s: float


class SceneLocator:
    """Sorted spans, built once, for many lookups in O(log n) each (plus overlaps)."""

    def __init__(self, spans: Sequence[SpanRef], *, tolerance_s: float = 2.0) -> None:
        self._spans = sorted(
            (span for span in spans if span.end_s > span.start_s),
            key=lambda span: (span.start_s, span.end_s),
        )
        self._starts = [span.start_s for span in self._spans]
        # The furthest end among all spans up to each index: lets a lookup stop walking back
        # through overlapping spans as soon as none of the earlier ones can reach the position.
        self._reach: list[float] = []
        furthest = float("-inf")
        for span in self._spans:
            furthest = max(furthest, span.end_s)
            self._reach.append(furthest)
        self._by_end = sorted(self._spans, key=lambda span: span.end_s)
        self._ends = [span.end_s for span in self._by_end]
        self.tolerance_s = tolerance_s

    def locate(self, timestamp_s: float | None) -> Hashable | None:
        """The scene containing the position, or the one that ended just before it."""
        if timestamp_s is None or not self._spans or timestamp_s < 0:
            return None
        index = bisect_right(self._starts, timestamp_s) - 1
        # Walk back from the latest span starting at or before the position: the first one
        # that still runs past it contains it, and it is the one that started last.
        while index >= 0 and self._reach[index] > timestamp_s:
            span = self._spans[index]
            if span.start_s <= timestamp_s < span.end_s:
                return span.scene
            index -= 1
        # No span contains it: the span that ended most recently, if close enough.
        ended = bisect_right(self._ends, timestamp_s) - 1
        if ended >= 0 and timestamp_s - self._ends[ended] <= self.tolerance_s:
            return self._by_end[ended].scene
        return None


def suggest_scene(
    timestamp_s: float | None, spans: Sequence[SpanRef], *, tolerance_s: float = 2.0
) -> Hashable | None:
    """The scene a finding at `timestamp_s` most likely shows; None when none fits."""
    return SceneLocator(spans, tolerance_s=tolerance_s).locate(timestamp_s)
