"""Batch triage: many comments of one cut in one pass (a large import, the sweep), with duplicate
matching in memory instead of several queries per finding, and rows written in bulk.

It runs in the calling process. (It once forked a pool of two processes ahead of the writes;
a Celery prefork worker's processes are daemons and may not have children, so in a worker,
where every large import runs, the pool never started and each import logged a traceback.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from errata.catalog.selectors import cut_transcript
from errata.core.bulk import rows_insert
from errata.core.locks import cut_duplicates_lock
from errata.findings.grouping import finding_lookup_tokens
from errata.findings.learning import team_adapter
from errata.findings.services import (
    findings_triage,
    screen_read_request,
    suggested_correction,
)
from errata.models import Comment, Cut, DuplicateGroup, Finding, FindingToken, ImportJob, SceneSpan
from errata.reviews.services import comment_text_time
from errata.triage import TriagedFinding, triage_comment
from errata.triage.adaptation import TeamAdapter
from errata.triage.duplicates import (
    MATCH_THRESHOLD,
    DuplicateIndex,
    GroupingItem,
    GroupingProfile,
    Rarity,
    score_pair,
)
from errata.triage.scenes import SceneLocator, SpanRef
from errata.triage.transcripts import TranscriptCue, quoted_phrases

logger = logging.getLogger(__name__)

TRIAGE_BATCH_SIZE = 500


# progress(phase, done, total): phase is one of ImportJob.Phase; total is 0 while unknown.
ImportProgress = Callable[[str, int, int], None]


def no_progress(phase: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class BatchTriageResult:
    comments: int
    findings: int
    groups: int


def _score_across_comments(
    first: GroupingProfile, second: GroupingProfile, rarity: Rarity
) -> float:
    # As in findings_triage: the points of one comment are never duplicates of each other.
    # (Grouping keys are (comment id, ...), see _BatchEngine.)
    if first.item.key[0] == second.item.key[0]:  # type: ignore[index]
        return float("-inf")
    return score_pair(first, second, rarity)


@dataclass(frozen=True)
class _Drafted:
    """One finding as the engine made it, with its scene, duplicate label and index tokens."""

    comment_id: int
    position: int
    draft: TriagedFinding
    scene_id: int | None
    label: Hashable
    tokens: frozenset[str]

    @property
    def key(self) -> tuple:
        return (self.comment_id, "n", self.position)


class _BatchEngine:
    """The pure-Python half of a batch triage for one cut: the engine's text analysis, the scene
    locator and an in-memory DuplicateIndex seeded with the cut's stored findings. Fed comments
    batch by batch, in order; it keeps the index between batches. Grouping labels are a stored
    group ("g", id), or the key of the finding that started a group of its own:
    (comment id, "s", finding id) when stored, (comment id, "n", position) when new."""

    def __init__(
        self,
        duration_s: float,
        spans: list[SpanRef],
        seed: list[GroupingItem],
        transcript: tuple[TranscriptCue, ...] = (),
        adapter: TeamAdapter | None = None,
    ):
        self.duration_s = duration_s
        self.transcript = transcript
        self.adapter = adapter
        self.locator = SceneLocator(spans)
        self.index = DuplicateIndex(
            scorer=_score_across_comments,
            threshold=MATCH_THRESHOLD + (adapter.threshold_offset if adapter else 0.0),
        )
        for item in seed:
            self.index.add(item)

    def analyse(
        self, texts: list[tuple[int, str, float | None]]
    ) -> dict[int, list[TriagedFinding]]:
        """The engine's analysis of comments' texts (splitting, times, categories, a quoted
        line found in the transcript)."""
        return {
            pk: triage_comment(
                text,
                duration_s=self.duration_s,
                player_time_s=player_s,
                transcript=self.transcript if self.transcript and quoted_phrases(text) else (),
                adjuster=self.adapter,
            )
            for pk, text, player_s in texts
        }

    def match(self, analysed: dict[int, list[TriagedFinding]]) -> dict[int, list[_Drafted]]:
        """Place each finding in a scene and a duplicate group, in comment order."""
        drafted: dict[int, list[_Drafted]] = {}
        for pk, drafts in analysed.items():
            findings = drafted[pk] = []
            for position, draft in enumerate(drafts):
                scene_id = self.locator.locate(draft.timestamp_s)
                label = self.index.add(
                    GroupingItem(
                        key=(pk, "n", position),
                        text=draft.text,
                        timestamp_s=draft.timestamp_s,
                        category=draft.category,
                        certainty=draft.confidence,
                        scene=scene_id,
                    )
                )
                tokens = finding_lookup_tokens(draft.text)
                findings.append(_Drafted(pk, position, draft, scene_id, label, tokens))
        return drafted


class _CutGrouping:
    """The labels the in-memory index uses, to the rows behind them: a stored group's label to
    its DuplicateGroup, the label of a finding alone so far to that Finding. Kept in step with
    what other transactions store in the cut: they hold the cut's lock to assign duplicates,
    so they do it between two of this triage's batches, and catch_up() reads what they did."""

    def __init__(self, cut_id: int) -> None:
        self.cut_id = cut_id
        self.groups: dict[Hashable, int] = {}
        self.starters: dict[Hashable, int] = {}
        self._seen_finding = 0
        self._seen_group = 0

    def catch_up(self) -> list[GroupingItem]:
        """The cut's findings stored since the last look (every one, the first time) as index
        items: they keep the group they have; an ungrouped one is a group of its own. And the
        groups founded meanwhile that took in a finding this index holds alone."""
        alone = {pk: label for label, pk in self.starters.items()}
        if alone and self._seen_group:
            joined = Finding.objects.filter(
                cut_id=self.cut_id,
                pk__lte=self._seen_finding,
                duplicate_group_id__gt=self._seen_group,
            ).values_list("pk", "duplicate_group_id")
            for pk, group_id in joined:
                if pk in alone:
                    self.groups[alone[pk]] = group_id
                    del self.starters[alone[pk]]
        items: list[GroupingItem] = []
        stored = (
            Finding.objects.filter(cut_id=self.cut_id, pk__gt=self._seen_finding)
            .exclude(state=Finding.State.DISMISSED)
            .order_by("pk")
            .values_list(
                "pk",
                "comment_id",
                "text",
                "timestamp_s",
                "category",
                "suggested_category",
                "category_confidence",
                "scene_id",
                "suggested_scene_id",
                "duplicate_group_id",
            )
        )
        for row in stored.iterator(chunk_size=2000):
            (
                pk,
                comment_id,
                text,
                at,
                category,
                suggested,
                confidence,
                scene,
                suggested_scene,
                group_id,
            ) = row
            key = (comment_id, "s", pk)
            label: Hashable = ("g", group_id) if group_id else key
            if group_id:
                self.groups[label] = group_id
            else:
                self.starters[key] = pk
            items.append(
                GroupingItem(
                    key=key,
                    text=text,
                    timestamp_s=at,
                    category=category or suggested,
                    certainty=1.0 if category else confidence,
                    scene=scene or suggested_scene,
                    group=label,
                )
            )
        self.mark_seen()
        return items

    def mark_seen(self) -> None:
        """Everything stored in the cut so far is known (call it under the cut's lock, after
        this triage's own writes, so that they are not read back as someone else's)."""
        self._seen_finding = (
            Finding.objects.filter(cut_id=self.cut_id).aggregate(top=Max("pk"))["top"] or 0
        )
        self._seen_group = (
            DuplicateGroup.objects.filter(cut_id=self.cut_id).aggregate(top=Max("pk"))["top"] or 0
        )


def findings_triage_batch(
    *,
    cut: Cut,
    comment_ids: Sequence[int],
    progress: ImportProgress | None = None,
    batch_size: int = TRIAGE_BATCH_SIZE,
) -> BatchTriageResult:
    """Triage many comments of one cut in one pass: what findings_triage does for each, with
    duplicate matching done in memory by the engine's DuplicateIndex (seeded with the cut's
    stored findings) instead of several queries per finding, and rows written in bulk.

    For the 100,000 comments of a large import this replaces 100,000 tasks of a dozen queries
    each (bench/import_export.py compares the two). Comments no longer pending are left alone;
    a pending comment that already has findings goes through findings_triage. Each batch of
    comments is one transaction holding their row locks and the cut's duplicate-assignment
    lock: a worker triaging one of them at the same time waits, then finds it done, and one
    triaging other comments of the cut takes turns with the batches, each seeing what the
    other stored. An interruption leaves the rest pending for the sweep.
    """
    progress = progress or no_progress
    ids = sorted(set(comment_ids))
    chunks = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    spans = [
        SpanRef(scene, start, end)
        for scene, start, end in SceneSpan.objects.filter(cut=cut).values_list(
            "scene_id", "start_s", "end_s"
        )
    ]
    grouping = _CutGrouping(cut.pk)
    transcript = tuple(cut_transcript(cut=cut)) if cut.transcript_line_count else ()
    adapter = team_adapter(video_id=cut.video_id)
    engine = _BatchEngine(cut.duration_s, spans, grouping.catch_up(), transcript, adapter)
    progress(ImportJob.Phase.TRIAGING, 0, len(ids))

    triaged = made = groups_made = 0
    for number, chunk in enumerate(chunks):
        # Texts are read and analysed before the transaction, without locks: comments never
        # change, only their triage state, which the transaction checks again under lock.
        texts = list(
            Comment.objects.filter(pk__in=chunk, triage_state=Comment.TriageState.PENDING)
            .exclude(author_role=Comment.Role.CREATOR)
            .order_by("pk")
            .values_list("pk", "text", "timestamp_s")
        )
        analysed = engine.analyse(texts)
        singles: list[int] = []
        with transaction.atomic():
            comments = list(
                Comment.objects.select_for_update()
                .filter(pk__in=chunk, triage_state=Comment.TriageState.PENDING)
                .annotate(has_findings=Exists(Finding.objects.filter(comment=OuterRef("pk"))))
                .order_by("pk")
                .values_list("pk", "author_role", "has_findings")
            )
            done: list[int] = []
            skipped: list[int] = []
            for pk, role, has_findings in comments:
                if has_findings:
                    singles.append(pk)
                elif role == Comment.Role.CREATOR:
                    skipped.append(pk)
                elif pk in analysed:
                    done.append(pk)
                # (Else it became pending after the texts were read: the sweep triages it.)
            cut_duplicates_lock(cut_id=cut.pk)
            for item in grouping.catch_up():
                engine.index.add(item)
            drafted = engine.match({pk: analysed[pk] for pk in done})
            new = [finding for pk in done for finding in drafted[pk]]
            groups_made += _store_drafted(
                cut, new, groups=grouping.groups, starters=grouping.starters
            )
            grouping.mark_seen()
            now = timezone.now()
            # One UPDATE per row (see comment_text_time): triaged, and the time its text names
            # (which lists a comment without a player time).
            Comment.objects.filter(pk__in=done).update(
                triage_state=Comment.TriageState.DONE,
                triaged_at=now,
                text_time_s=comment_text_time(),
            )
            Comment.objects.filter(pk__in=skipped).update(
                triage_state=Comment.TriageState.SKIPPED, triaged_at=now
            )
            triaged += len(done) + len(skipped)
            made += len(new)
        for pk in singles:
            made += findings_triage(comment_id=pk).created
            triaged += 1
        progress(ImportJob.Phase.TRIAGING, min((number + 1) * batch_size, len(ids)), len(ids))
    if made:
        # Frame checks look for the new findings' quoted text on screen (one task per batch;
        # it reads only findings not read yet).
        screen_read_request(cut_id=cut.pk)
    return BatchTriageResult(comments=triaged, findings=made, groups=groups_made)


def _store_drafted(
    cut: Cut,
    new: list[_Drafted],
    *,
    groups: dict[Hashable, int],
    starters: dict[Hashable, int],
) -> int:
    """Write one batch's findings and tokens, founding the duplicate groups its labels call
    for. Returns how many groups were founded."""
    if not new:
        return 0
    # A label shared by two findings is a group; found the ones that are not one yet.
    founding = list(
        dict.fromkeys(d.label for d in new if d.label != d.key and d.label not in groups)
    )
    made = DuplicateGroup.objects.bulk_create([DuplicateGroup(cut=cut) for _ in founding])
    for label, group in zip(founding, made, strict=True):
        groups[label] = group.pk
    # Findings stored earlier that started a group just now join it.
    joined = [
        Finding(pk=starters.pop(label), duplicate_group_id=groups[label])
        for label in founding
        if label in starters
    ]
    rows_insert(
        Finding,
        [
            {
                "comment_id": d.comment_id,
                "cut_id": cut.pk,
                "position": d.position,
                "text": d.draft.text,
                "span_start": d.draft.start,
                "span_end": d.draft.end,
                "timestamp_s": d.draft.timestamp_s,
                "timestamp_source": d.draft.timestamp_source,
                "parsed_timestamps": [
                    {"seconds": t.seconds, "start": t.start, "end": t.end, "text": t.text}
                    for t in d.draft.timestamps
                ],
                "suggested_category": d.draft.category,
                "category_confidence": round(d.draft.confidence, 4),
                "category": "",
                "suggested_scene_id": d.scene_id,
                "scene_id": None,
                "duplicate_group_id": groups.get(d.label),
                "erratum_id": None,
                "state": Finding.State.NEW,
                "dismissed_reason": "",
                **suggested_correction(d.draft),
            }
            for d in new
        ],
    )
    finding_ids = {
        (comment_id, position): pk
        for comment_id, position, pk in Finding.objects.filter(
            comment_id__in={d.comment_id for d in new}
        ).values_list("comment_id", "position", "pk")
    }
    Finding.objects.bulk_update(joined, ["duplicate_group"], batch_size=1000)
    for d in new:
        if d.label == d.key and d.key not in groups and d.draft.category != "none":
            starters[d.key] = finding_ids[(d.comment_id, d.position)]
    rows_insert(
        FindingToken,
        [
            {"finding_id": finding_ids[(d.comment_id, d.position)], "cut_id": cut.pk, "token": t}
            for d in new
            for t in sorted(d.tokens)
        ],
    )
    return len(founding)
