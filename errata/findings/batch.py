"""Batch triage: many comments of one cut in one pass (a large import), with duplicate matching
in memory instead of several queries per finding, and rows written in bulk.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from errata.core.bulk import rows_insert
from errata.findings.grouping import finding_lookup_tokens
from errata.findings.learning import team_adapter
from errata.findings.services import findings_triage, suggested_correction
from errata.models import Comment, Cut, DuplicateGroup, Finding, FindingToken, ImportJob, SceneSpan
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
        adapter: TeamAdapter | None = None,
    ):
        self.duration_s = duration_s
        self.adapter = adapter
        self.locator = SceneLocator(spans)
        self.index = DuplicateIndex(
            scorer=_score_across_comments,
            threshold=MATCH_THRESHOLD + (adapter.threshold_offset if adapter else 0.0),
        )
        for item in seed:
            self.index.add(item)

    def run(self, texts: list[tuple[int, str, float | None]]) -> dict[int, list[_Drafted]]:
        return self.match(_triage_texts(texts, self.duration_s, self.adapter))

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


def _triage_texts(
    texts: list[tuple[int, str, float | None]],
    duration_s: float,
    adapter: TeamAdapter | None = None,
) -> dict[int, list[TriagedFinding]]:
    """The engine's analysis of comments' texts (splitting, times, categories, as the team
    taught them): pure Python and independent per comment, so it can run in a worker of its
    own."""
    return {
        pk: triage_comment(text, duration_s=duration_s, player_time_s=player_s, adjuster=adapter)
        for pk, text, player_s in texts
    }


# The matching half of a batch triage running in a worker process (see _engine_pools).
_worker_engine: _BatchEngine | None = None


def _engine_start(
    duration_s: float,
    spans: list[SpanRef],
    seed: list[GroupingItem],
    adapter: TeamAdapter | None = None,
) -> None:
    global _worker_engine
    _worker_engine = _BatchEngine(duration_s, spans, seed, adapter)


def _engine_match(analysed: dict[int, list[TriagedFinding]]) -> dict[int, list[_Drafted]]:
    assert _worker_engine is not None
    return _worker_engine.match(analysed)


# Batches from which a batch triage runs the engine in worker processes (below, in this one).
TRIAGE_POOL_MIN_BATCHES = 8


def _engine_pools(
    duration_s: float,
    spans: list[SpanRef],
    seed: list[GroupingItem],
    adapter: TeamAdapter | None = None,
) -> tuple[ProcessPoolExecutor, ProcessPoolExecutor] | None:
    """Two forked workers: one analyses the texts of the next batches, one matches their
    findings against the cut's (it holds the DuplicateIndex, so batches reach it in order),
    while this process writes the batch before. They touch no database. The three take
    about as long each. None when there is one core, or this process may not have children
    (some daemonised workers): the batch then runs in-process."""
    if (os.cpu_count() or 1) < 2:
        return None
    context = multiprocessing.get_context("fork")
    pools: list[ProcessPoolExecutor] = []
    try:
        pools.append(ProcessPoolExecutor(max_workers=1, mp_context=context))
        pools.append(
            ProcessPoolExecutor(
                max_workers=1,
                mp_context=context,
                initializer=_engine_start,
                initargs=(duration_s, spans, seed, adapter),
            )
        )
        # Workers start on the first task: start them now, so a refusal shows here.
        for pool in pools:
            pool.submit(int).result(timeout=60)
    except Exception:  # a daemonised process, no memory for a fork, a worker that died
        logger.warning("Batch triage runs in-process: no worker processes", exc_info=True)
        for pool in pools:
            pool.shutdown(cancel_futures=True)
        return None
    return pools[0], pools[1]


def _stored_grouping(
    cut: Cut,
) -> tuple[list[GroupingItem], dict[Hashable, int], dict[Hashable, int]]:
    """The cut's stored findings as the index sees them (they keep the group they have; an
    ungrouped one is a group of its own), with the labels of stored groups and of ungrouped
    findings, to the DuplicateGroup and Finding ids behind them."""
    seed: list[GroupingItem] = []
    groups: dict[Hashable, int] = {}
    starters: dict[Hashable, int] = {}
    stored = (
        Finding.objects.filter(cut=cut)
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
            groups[label] = group_id
        else:
            starters[key] = pk
        seed.append(
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
    return seed, groups, starters


def findings_triage_batch(
    *,
    cut: Cut,
    comment_ids: Sequence[int],
    progress: ImportProgress | None = None,
    batch_size: int = TRIAGE_BATCH_SIZE,
    in_worker: bool | None = None,
) -> BatchTriageResult:
    """Triage many comments of one cut in one pass: what findings_triage does for each, with
    duplicate matching done in memory by the engine's DuplicateIndex (seeded with the cut's
    stored findings) instead of several queries per finding, and rows written in bulk.

    For the 100,000 comments of a large import this replaces 100,000 tasks of a dozen queries
    each (bench/import_export.py compares the two). The engine runs in worker processes for
    large batches (`in_worker`), ahead of the writes. Comments no longer pending are left
    alone; a pending comment that already has findings goes through findings_triage. Each
    batch of comments is one transaction holding their row locks, so a worker triaging one of
    them at the same time waits, then finds it done; an interruption leaves the rest pending
    for the sweep.
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
    seed, groups, starters = _stored_grouping(cut)
    adapter = team_adapter(video_id=cut.video_id)
    use_worker = len(chunks) >= TRIAGE_POOL_MIN_BATCHES if in_worker is None else in_worker
    pools = _engine_pools(cut.duration_s, spans, seed, adapter) if use_worker else None
    engine = None if pools is not None else _BatchEngine(cut.duration_s, spans, seed, adapter)
    del seed
    progress(ImportJob.Phase.TRIAGING, 0, len(ids))
    analysing: deque[Future] = deque()
    matching: deque[Future | dict[int, list[_Drafted]]] = deque()
    submitted = 0

    def analyse_ahead() -> None:
        # Texts are read ahead without locks: comments never change, only their triage state,
        # which the batch's own transaction checks again under lock.
        nonlocal submitted
        while submitted < len(chunks) and len(analysing) + len(matching) < 4:
            texts = list(
                Comment.objects.filter(
                    pk__in=chunks[submitted], triage_state=Comment.TriageState.PENDING
                )
                .exclude(author_role=Comment.Role.CREATOR)
                .order_by("pk")
                .values_list("pk", "text", "timestamp_s")
            )
            if pools is not None:
                analysing.append(pools[0].submit(_triage_texts, texts, cut.duration_s, adapter))
            else:
                matching.append(engine.run(texts))  # type: ignore[union-attr]
            submitted += 1
        while pools is not None and analysing and (len(matching) < 2 or analysing[0].done()):
            matching.append(pools[1].submit(_engine_match, analysing.popleft().result()))

    triaged = made = groups_made = 0
    try:
        for number, chunk in enumerate(chunks):
            analyse_ahead()
            matched = matching.popleft()
            drafted = matched.result() if isinstance(matched, Future) else matched
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
                new: list[_Drafted] = []
                for pk, role, has_findings in comments:
                    if has_findings:
                        singles.append(pk)
                    elif role == Comment.Role.CREATOR:
                        skipped.append(pk)
                    elif pk in drafted:
                        done.append(pk)
                        new.extend(drafted[pk])
                    # (Else it became pending after the texts were read: the sweep triages it.)
                groups_made += _store_drafted(cut, new, groups=groups, starters=starters)
                now = timezone.now()
                Comment.objects.filter(pk__in=done).update(
                    triage_state=Comment.TriageState.DONE, triaged_at=now
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
    finally:
        for pool in pools or ():
            pool.shutdown(cancel_futures=True)
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
                **suggested_correction(d.draft),
                "category": "",
                "suggested_scene_id": d.scene_id,
                "scene_id": None,
                "duplicate_group_id": groups.get(d.label),
                "erratum_id": None,
                "state": Finding.State.NEW,
                "dismissed_reason": "",
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
