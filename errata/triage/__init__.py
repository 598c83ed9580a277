"""The triage engine: plain functions over comment text, no Django.

`triage_comment` is what the service layer calls for each new comment; the modules below it
(timestamps, findings, categories, duplicates, scenes, evaluation) are usable on their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from errata.triage.corrections import Correction, extract_correction
from errata.triage.findings import FindingDraft, split_findings
from errata.triage.model import ScoreAdjuster, suggest_category
from errata.triage.timestamps import Timestamp
from errata.triage.transcripts import NARRATION_CONFIDENCE, TranscriptCue, narration_match

__all__ = ["TriagedFinding", "triage_comment"]


@dataclass(frozen=True)
class TriagedFinding:
    """A finding with its suggested category: what the service stores as suggestions."""

    text: str
    start: int
    end: int
    timestamp_s: float | None
    timestamp_source: str  # "text" | "player" | "spoken" (the transcript) | "" (none)
    timestamps: tuple[Timestamp, ...]
    category: str
    confidence: float
    # What the report says is wrong and what is right, when it says so.
    correction: Correction | None = None

    @classmethod
    def from_draft(
        cls,
        draft: FindingDraft,
        category: str,
        confidence: float,
        correction: Correction | None = None,
    ) -> TriagedFinding:
        return cls(
            text=draft.text,
            start=draft.start,
            end=draft.end,
            timestamp_s=draft.timestamp_s,
            timestamp_source=draft.timestamp_source,
            timestamps=draft.timestamps,
            category=category,
            confidence=confidence,
            correction=correction,
        )


def triage_comment(
    text: str,
    *,
    duration_s: float | None = None,
    player_time_s: float | None = None,
    author_is_creator: bool = False,
    transcript: Sequence[TranscriptCue] = (),
    adjuster: ScoreAdjuster | None = None,
) -> list[TriagedFinding]:
    """Split a comment into findings; suggest a category for each (the learned model, shifted
    by `adjuster` for the creator's team) and the correction it states, if any.

    The creator's own replies are answers, not reports: they yield no findings. With the cut's
    transcript, a finding quoting what is said near its time is narration, at that line's time.
    """
    if author_is_creator:
        return []
    findings = []
    for draft in split_findings(text, duration_s=duration_s, player_time_s=player_time_s):
        suggestion = suggest_category(draft.text, adjuster)
        finding = TriagedFinding.from_draft(
            draft, suggestion.category, suggestion.confidence, extract_correction(draft.text)
        )
        if transcript:
            finding = _with_transcript(finding, transcript, player_time_s=player_time_s)
        findings.append(finding)
    return findings


def _with_transcript(
    finding: TriagedFinding, transcript: Sequence[TranscriptCue], *, player_time_s: float | None
) -> TriagedFinding:
    time_s = finding.timestamp_s if finding.timestamp_s is not None else player_time_s
    match = narration_match(finding.text, time_s=time_s, cues=transcript)
    if match is None:
        return finding
    return replace(
        finding,
        category="narration",
        confidence=max(finding.confidence, NARRATION_CONFIDENCE),
        timestamp_s=match.cue.start_s,
        timestamp_source="spoken",
    )
