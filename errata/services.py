"""Writes. Every function that touches several rows, needs a transaction or queues a task.

Conventions: keyword-only typed arguments, `<noun>_<verb>` names, `transaction.atomic`, tasks
queued with `transaction.on_commit` so a worker never sees a row that was rolled back.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from errata import signals
from errata.importers import (
    COMMENT_FORMATS,
    CommentFileError,
    ImportedComment,
    ManimScene,
    TimelineEntry,
    comment_content_id,
    comments_read,
)
from errata.models import (
    CATEGORY_VALUES,
    REMEDY_FOR_CATEGORY,
    Category,
    Comment,
    Cut,
    DuplicateGroup,
    Erratum,
    ErratumEvent,
    ExportJob,
    Finding,
    FindingToken,
    ImportJob,
    Membership,
    MeToo,
    Reviewer,
    ReviewLink,
    Scene,
    SceneSpan,
    Video,
)
from errata.signals import send_on_commit
from errata.triage import TriagedFinding, triage_comment
from errata.triage.categories import ERRATUM_CATEGORIES, quoted_strings
from errata.triage.duplicates import (
    MAX_KEYWORD_CANDIDATES,
    MAX_TIME_CANDIDATES,
    MAX_TOKEN_CANDIDATES,
    TIME_WINDOW_S,
    DuplicateIndex,
    GroupingItem,
    GroupingProfile,
    index_tokens,
    keyword_tokens,
    match_group,
    score_pair,
)
from errata.triage.scenes import SceneLocator, SpanRef
from errata.triage.timestamps import format_time

logger = logging.getLogger(__name__)

# Long enough for a careful multi-point report, short enough that nobody pastes a novel.
COMMENT_MAX_LENGTH = 10_000


def comment_validate_timestamp(*, cut: Cut, timestamp_s: float | None) -> None:
    if timestamp_s is None:
        return
    if timestamp_s < 0:
        raise ValidationError(
            {"timestamp_s": f"The time {timestamp_s:g} s is negative; times start at 0:00."}
        )
    if timestamp_s > cut.duration_s:
        raise ValidationError(
            {
                "timestamp_s": (
                    f"The time {format_time(timestamp_s)} is past the end of this cut "
                    f"({format_time(cut.duration_s)})."
                )
            }
        )


def comment_create(
    *,
    cut: Cut,
    text: str,
    author_name: str = "",
    author_role: str = Comment.Role.PATRON,
    reviewer: Reviewer | None = None,
    timestamp_s: float | None = None,
    source: str = Comment.Source.WEB,
    external_id: str = "",
    parent: Comment | None = None,
    review_link: ReviewLink | None = None,
    posted_at=None,
) -> Comment:
    """Store a comment exactly as written, then queue its triage once the row is committed.

    The comment is stored before anything that can fail later (triage, the broker): if the
    broker is down the comment stays pending and the periodic sweep queues it again.
    """
    if not text or not text.strip():
        raise ValidationError({"text": "A comment needs some text."})
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "text": (
                    f"A comment can be at most {COMMENT_MAX_LENGTH:,} characters; "
                    f"this one has {len(text):,}."
                )
            }
        )
    comment_validate_timestamp(cut=cut, timestamp_s=timestamp_s)
    if parent is not None and parent.cut_id != cut.pk:
        raise ValidationError({"parent": "A reply must be on the same cut as its comment."})

    with transaction.atomic():
        comment = Comment.objects.create(
            cut=cut,
            text=text,
            author_name=author_name or (reviewer.display_name if reviewer else ""),
            author_role=author_role,
            reviewer=reviewer,
            timestamp_s=timestamp_s,
            source=source,
            external_id=external_id,
            parent=parent,
            review_link=review_link,
            posted_at=posted_at or timezone.now(),
        )
        transaction.on_commit(lambda: comment_queue_triage(comment_id=comment.pk))
        send_on_commit(signals.comment_created, Comment, comment_id=comment.pk)
    return comment


def comment_queue_triage(*, comment_id: int) -> bool:
    """Send a comment to the triage worker. Returns False when the broker could not be reached:
    the comment stays pending and the sweep will queue it again, so nothing is lost."""
    from kombu.exceptions import OperationalError

    from errata.tasks import triage_comment_task

    try:
        triage_comment_task.apply_async(args=[comment_id], retry=False)
    except OperationalError:
        logger.warning("Broker unreachable; comment %s left for the triage sweep", comment_id)
        return False
    except Exception:
        # Without a broker the task runs here, inside the request that stored the comment; a
        # triage failure must not fail that request. The comment stays pending for the sweep.
        if not triage_comment_task.app.conf.task_always_eager:
            raise
        logger.exception("Triage of comment %s failed; left for the triage sweep", comment_id)
        return False
    return True


@dataclass(frozen=True)
class TriageResult:
    comment_id: int
    created: int
    updated: int
    removed: int


def _scene_locator(cut: Cut) -> SceneLocator:
    spans = SceneSpan.objects.filter(cut=cut).values_list("scene_id", "start_s", "end_s")
    return SceneLocator([SpanRef(scene=s, start_s=a, end_s=b) for s, a, b in spans])


def findings_triage(*, comment_id: int) -> TriageResult:
    """Split a comment into findings and store triage's suggestions for them.

    Idempotent: running it again leaves the same findings. Suggestions (suggested_category,
    suggested_scene, parsed times, the duplicate group) are refreshed; what the creator decided
    (category, scene, a manual time, the erratum, a dismissal) is never touched.
    """
    with transaction.atomic():
        # The row lock makes two workers triaging the same comment take turns.
        comment = Comment.objects.select_for_update().select_related("cut").get(pk=comment_id)
        cut = comment.cut
        existing = {f.position: f for f in comment.findings.all()}

        if comment.author_role == Comment.Role.CREATOR:
            drafts = []
        else:
            drafts = triage_comment(
                comment.text,
                duration_s=cut.duration_s,
                player_time_s=comment.timestamp_s,
            )

        locator = _scene_locator(cut) if drafts else None
        created = updated = 0
        kept: list[Finding] = []
        for position, draft in enumerate(drafts):
            suggested_scene_id = locator.locate(draft.timestamp_s) if locator else None
            parsed = [
                {"seconds": t.seconds, "start": t.start, "end": t.end, "text": t.text}
                for t in draft.timestamps
            ]
            finding = existing.get(position)
            if finding is None:
                finding = Finding.objects.create(
                    comment=comment,
                    cut=cut,
                    position=position,
                    text=draft.text,
                    span_start=draft.start,
                    span_end=draft.end,
                    timestamp_s=draft.timestamp_s,
                    timestamp_source=draft.timestamp_source,
                    parsed_timestamps=parsed,
                    suggested_category=draft.category,
                    category_confidence=round(draft.confidence, 4),
                    suggested_scene_id=suggested_scene_id,
                )
                created += 1
            else:
                finding.text = draft.text
                finding.span_start, finding.span_end = draft.start, draft.end
                finding.parsed_timestamps = parsed
                finding.suggested_category = draft.category
                finding.category_confidence = round(draft.confidence, 4)
                if finding.timestamp_source != Finding.TimestampSource.MANUAL:
                    finding.timestamp_s = draft.timestamp_s
                    finding.timestamp_source = draft.timestamp_source
                    finding.suggested_scene_id = suggested_scene_id
                finding.save()
                updated += 1
            kept.append(finding)

        # Findings the text no longer yields go, unless the creator already acted on them.
        stale = [f for pos, f in existing.items() if pos >= len(drafts)]
        removable = [f.pk for f in stale if f.state == Finding.State.NEW]
        if removable:
            Finding.objects.filter(pk__in=removable).delete()

        for finding in kept:
            finding_tokens_store(finding=finding)
        for finding in kept:
            if finding.duplicate_group_id is None and finding.state != Finding.State.DISMISSED:
                finding_assign_duplicate_group(finding=finding)

        Comment.objects.filter(pk=comment.pk).update(
            triage_state=(
                Comment.TriageState.SKIPPED
                if comment.author_role == Comment.Role.CREATOR
                else Comment.TriageState.DONE
            ),
            # The first triage's time stays: digests select comments by it, and a re-triage
            # (a worker retry, the sweep) must not make a comment "new" again.
            triaged_at=Coalesce("triaged_at", Value(timezone.now())),
        )
    return TriageResult(
        comment_id=comment_id, created=created, updated=updated, removed=len(removable)
    )


def finding_lookup_tokens(text: str) -> frozenset[str]:
    """What a finding is indexed under in FindingToken, and what a new text looks candidates up
    by: the strong tokens (quoted words, number pairs, math indices) and the keywords
    ("k:neuron") that let reports giving no time find each other. One definition for every path
    (single triage, batch triage, the review page), so they all see the same candidates."""
    return frozenset(token[:64] for token in index_tokens(text) | keyword_tokens(text))


def finding_tokens_store(*, finding: Finding) -> None:
    """Index a finding's lookup tokens (see finding_lookup_tokens)."""
    tokens = finding_lookup_tokens(finding.text)
    stored = set(finding.tokens.values_list("token", flat=True))
    if tokens == stored:
        return
    FindingToken.objects.filter(finding=finding).exclude(token__in=tokens).delete()
    FindingToken.objects.bulk_create(
        [FindingToken(finding=finding, cut_id=finding.cut_id, token=t) for t in tokens - stored]
    )


def finding_grouping_item(finding: Finding) -> GroupingItem:
    """How duplicate matching sees a stored finding (its decided category and scene first)."""
    return GroupingItem(
        key=finding.pk,
        text=finding.text,
        timestamp_s=finding.timestamp_s,
        category=finding.effective_category,
        scene=finding.effective_scene_id,
        group=finding.duplicate_group_id or ("finding", finding.pk),
    )


def _duplicate_candidates(finding: Finding) -> list[Finding]:
    return finding_duplicate_candidates(
        cut_id=finding.cut_id,
        timestamp_s=finding.timestamp_s,
        tokens=finding.tokens.values_list("token", flat=True),
        exclude_comment_id=finding.comment_id,
    )


def finding_duplicate_candidates(
    *,
    cut_id: int,
    timestamp_s: float | None,
    tokens: Iterable[str],
    exclude_comment_id: int | None = None,
    exclude_reviewer_id: int | None = None,
) -> list[Finding]:
    """A bounded set of stored findings that could report the same problem, fetched the way the
    engine's in-memory index does: those near the same time, those sharing a strong token, and
    those sharing at least two keywords. Never the whole cut.

    Triage asks for a stored finding (excluding its own comment); the review page asks for what
    a patron is still typing (excluding their own reports)."""
    base = Finding.objects.filter(cut_id=cut_id).exclude(state=Finding.State.DISMISSED)
    if exclude_comment_id is not None:
        base = base.exclude(comment_id=exclude_comment_id)
    if exclude_reviewer_id is not None:
        base = base.exclude(comment__reviewer_id=exclude_reviewer_id)
    candidates: dict[int, Finding] = {}
    if timestamp_s is not None:
        near = base.filter(
            timestamp_s__gte=timestamp_s - TIME_WINDOW_S,
            timestamp_s__lte=timestamp_s + TIME_WINDOW_S,
        ).order_by("-id")[:MAX_TIME_CANDIDATES]
        candidates.update((f.pk, f) for f in near)
    tokens = list(tokens)
    strong = [t for t in tokens if not t.startswith("k:")]
    keywords = [t for t in tokens if t.startswith("k:")]
    if strong:
        sharing = base.filter(
            pk__in=FindingToken.objects.filter(cut_id=cut_id, token__in=strong).values("finding_id")
        ).order_by("-id")[:MAX_TOKEN_CANDIDATES]
        candidates.update((f.pk, f) for f in sharing)
    if keywords:
        # The join is filtered to the shared keywords, so the count is how many are shared.
        wording = (
            base.filter(tokens__token__in=keywords)
            .annotate(shared=Count("tokens"))
            .filter(shared__gte=2)
            .order_by("-shared", "-id")[:MAX_KEYWORD_CANDIDATES]
        )
        for candidate in wording:
            candidates.setdefault(candidate.pk, candidate)
    return list(candidates.values())


def finding_assign_duplicate_group(*, finding: Finding) -> DuplicateGroup | None:
    """Match one finding against its cut's stored findings and join (or found) a group."""
    candidates = _duplicate_candidates(finding)
    if not candidates:
        return None
    match = match_group(
        finding_grouping_item(finding), [finding_grouping_item(c) for c in candidates]
    )
    if match is None:
        return None
    if isinstance(match, tuple):
        # The best match is a finding not yet in any group: the two found a new group together.
        group = DuplicateGroup.objects.create(cut_id=finding.cut_id)
        Finding.objects.filter(pk=match[1], duplicate_group__isnull=True).update(
            duplicate_group=group
        )
    else:
        group = DuplicateGroup.objects.get(pk=match)
    Finding.objects.filter(pk=finding.pk).update(duplicate_group=group)
    finding.duplicate_group = group
    return group


def comments_sweep_untriaged(*, older_than_s: int | None = None, limit: int = 1000) -> int:
    """Queue triage again for comments left pending (the broker was down, a worker died).
    Returns how many were queued."""
    older_than_s = settings.TRIAGE_SWEEP_AFTER_SECONDS if older_than_s is None else older_than_s
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_s)
    pending = list(
        Comment.objects.filter(triage_state=Comment.TriageState.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    for comment_id in pending:
        if not comment_queue_triage(comment_id=comment_id):
            break
        queued += 1
    return queued


def findings_reassign_scenes(*, cut: Cut, finding_ids: Iterable[int] | None = None) -> int:
    """After a cut's spans change, point each finding's suggested scene at the span that now
    contains it. Findings whose scene the creator set by hand keep it. Returns rows changed."""
    locator = _scene_locator(cut)
    findings = Finding.objects.filter(cut=cut).exclude(
        Q(timestamp_s__isnull=True) & Q(suggested_scene__isnull=True)
    )
    if finding_ids is not None:
        findings = findings.filter(pk__in=list(finding_ids))
    changed: list[Finding] = []
    for finding in findings.only("pk", "timestamp_s", "suggested_scene_id"):
        scene_id = locator.locate(finding.timestamp_s)
        if scene_id != finding.suggested_scene_id:
            finding.suggested_scene_id = scene_id
            changed.append(finding)
    Finding.objects.bulk_update(changed, ["suggested_scene"], batch_size=500)
    return len(changed)


@dataclass(frozen=True)
class TimelineImportResult:
    spans: int
    scenes_created: int
    findings_moved: int


def timeline_import(
    *, cut: Cut, entries: Iterable[TimelineEntry], source_path: str = ""
) -> TimelineImportResult:
    """Replace a cut's spans with the entries of a timeline file, creating scenes by name.

    All or nothing: every entry is checked against the cut before anything is written, and the
    error names the line (or clip) at fault. Findings are then re-assigned to the scene that now
    contains them.
    """
    entries = list(entries)
    for index, entry in enumerate(entries, start=1):
        where = f"line {entry.line}" if entry.line else f"clip {index}"
        if entry.start_s < 0:
            raise ValidationError(f"{where}: {entry.scene_name} starts before 0:00.")
        if entry.end_s <= entry.start_s:
            raise ValidationError(f"{where}: {entry.scene_name} ends before it starts.")
        if entry.end_s > cut.duration_s:
            raise ValidationError(
                f"{where}: {entry.scene_name} ends at {format_time(entry.end_s)}, past the end "
                f"of {cut} ({format_time(cut.duration_s)})."
            )
    with transaction.atomic():
        scenes = {s.name: s for s in Scene.objects.filter(video_id=cut.video_id)}
        missing = sorted({e.scene_name for e in entries} - set(scenes))
        created = Scene.objects.bulk_create(
            [Scene(video_id=cut.video_id, name=name, source_path=source_path) for name in missing]
        )
        scenes.update((s.name, s) for s in created)
        SceneSpan.objects.filter(cut=cut).delete()
        SceneSpan.objects.bulk_create(
            [
                SceneSpan(cut=cut, scene=scenes[e.scene_name], start_s=e.start_s, end_s=e.end_s)
                for e in entries
            ]
        )
        moved = findings_reassign_scenes(cut=cut)
    return TimelineImportResult(
        spans=len(entries), scenes_created=len(missing), findings_moved=moved
    )


def reviewer_for_import(*, source: str, name: str) -> Reviewer | None:
    """The reviewer behind an imported author name, the same person across re-imports."""
    name = name.strip()
    if not name:
        return None
    reviewer, _ = Reviewer.objects.get_or_create(
        external_id=f"{source}:{name}"[:200], defaults={"display_name": name[:150]}
    )
    return reviewer


# --- Errata: turning findings into confirmed problems, and the fix loop -------------------------


class ErrataConflict(Exception):
    """Someone else changed the same thing first (two creators triaging one cut at once).
    The message says what happened; nothing was changed by the losing action."""


class StaleVersion(ErrataConflict):
    """An update based on an old version of an erratum (HTTP 412 in the API)."""


# Which status may follow which. Merging is not a status (see erratum_merge).
STATUS_TRANSITIONS: dict[str, set[str]] = {
    Erratum.Status.OPEN: {"accepted", "fixed", "wontfix", "not_an_error"},
    Erratum.Status.ACCEPTED: {"open", "fixed", "wontfix", "not_an_error"},
    Erratum.Status.FIXED: {"verified", "accepted"},
    Erratum.Status.VERIFIED: {"accepted"},
    Erratum.Status.WONTFIX: {"open", "accepted"},
    Erratum.Status.NOT_AN_ERROR: {"open", "accepted"},
}
ERRATUM_EDITABLE_FIELDS = {
    "title",
    "description",
    "category",
    "severity",
    "timestamp_s",
    "scene",
    "remedy",
    "fix_note",
}


def _event(erratum: Erratum, *, actor, kind: str, changes: dict | None = None) -> None:
    ErratumEvent.objects.create(
        erratum=erratum, actor=actor, kind=kind, changes=_jsonable(changes or {})
    )


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "pk"):
        return value.pk
    return value


def _majority(values: Iterable, *, default=None):
    counts = Counter(v for v in values if v not in (None, ""))
    return counts.most_common(1)[0][0] if counts else default


def erratum_defaults_from_findings(findings: list[Finding]) -> dict:
    """What the inbox prefills when a group becomes an erratum: the category most reports give
    (an erratum category over content or none), the median time, the scene most reports fall in,
    and a title naming the problem and where it is."""
    categories = [f.effective_category for f in findings]
    erratum_like = [c for c in categories if c in ERRATUM_CATEGORIES]
    category = _majority(erratum_like or categories, default=Category.CONTENT)
    times = sorted(f.timestamp_s for f in findings if f.timestamp_s is not None)
    timestamp_s = times[len(times) // 2] if times else None
    scene_id = _majority(f.effective_scene_id for f in findings)
    # The word people quote most ("mabye") names a typo better than any sentence of theirs.
    quoted = _majority(
        q.strip(" .,;:!?") for f in findings for q in quoted_strings(f.text) if len(q) <= 40
    )
    label = Category(category).label
    where = f" at {format_time(timestamp_s)}" if timestamp_s is not None else ""
    if quoted:
        title = f"{label}{where}: “{quoted}”"
    else:
        first = min(findings, key=lambda f: (f.timestamp_s is None, f.pk or 0))
        title = f"{label}{where}: {_short(first.text)}"
    return {
        "title": title[:300],
        "category": category,
        "timestamp_s": timestamp_s,
        "scene_id": scene_id,
        "remedy": REMEDY_FOR_CATEGORY[Category(category)],
        # The inbox names the group by it ("3 reports near 6:00 — typo — 'mabye'").
        "quoted": quoted or "",
    }


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _lock_new_findings(*, finding_ids: list[int], erratum: Erratum) -> None:
    """Claim untriaged findings for an erratum with one conditional update: if another creator
    took any of them first, the count is short and the whole action is undone."""
    claimed = Finding.objects.filter(pk__in=finding_ids, state=Finding.State.NEW).update(
        state=Finding.State.ACCEPTED, erratum=erratum, updated_at=timezone.now()
    )
    if claimed != len(finding_ids):
        taken = len(finding_ids) - claimed
        raise ErrataConflict(
            f"{taken} of these {len(finding_ids)} findings were already accepted or dismissed "
            "by someone else; nothing was changed. Reload to see the current state."
        )


def _findings_of_one_cut(finding_ids: Iterable[int]) -> list[Finding]:
    ids = sorted(set(finding_ids))
    if not ids:
        raise ValidationError("Choose at least one finding.")
    findings = list(Finding.objects.filter(pk__in=ids).select_related("cut"))
    if len(findings) != len(ids):
        raise ValidationError("Some of these findings no longer exist.")
    if len({f.cut_id for f in findings}) != 1:
        raise ValidationError("Findings from different cuts cannot form one erratum.")
    return findings


def erratum_create_from_findings(
    *,
    finding_ids: Iterable[int],
    actor=None,
    title: str | None = None,
    description: str = "",
    category: str | None = None,
    severity: str = Erratum.Severity.MEDIUM,
    remedy: str | None = None,
    scene_id: int | None = None,
    timestamp_s: float | None = None,
) -> Erratum:
    """Accept findings (a suggested group, or a hand-picked set) as one new erratum."""
    findings = _findings_of_one_cut(finding_ids)
    cut = findings[0].cut
    defaults = erratum_defaults_from_findings(findings)
    category = category or defaults["category"]
    if category not in CATEGORY_VALUES:
        raise ValidationError({"category": f"Unknown category {category!r}."})
    timestamp_s = defaults["timestamp_s"] if timestamp_s is None else timestamp_s
    comment_validate_timestamp(cut=cut, timestamp_s=timestamp_s)
    in_video = Scene.objects.filter(pk=scene_id, video_id=cut.video_id)
    if scene_id is not None and not in_video.exists():
        raise ValidationError({"scene": "That scene is not in this video."})
    with transaction.atomic():
        erratum = Erratum.objects.create(
            video_id=cut.video_id,
            found_in_cut=cut,
            cut=cut,
            title=(title or defaults["title"]).strip()[:300] or defaults["title"],
            description=description,
            category=category,
            severity=severity,
            remedy=remedy or REMEDY_FOR_CATEGORY[Category(category)],
            scene_id=scene_id if scene_id is not None else defaults["scene_id"],
            timestamp_s=timestamp_s,
            created_by=actor,
        )
        _lock_new_findings(finding_ids=[f.pk for f in findings], erratum=erratum)
        _event(erratum, actor=actor, kind="created", changes={"findings": [f.pk for f in findings]})
        send_on_commit(
            signals.erratum_created,
            Erratum,
            erratum_id=erratum.pk,
            actor_id=getattr(actor, "pk", None),
        )
    return erratum


def erratum_add_findings(
    *,
    erratum: Erratum,
    finding_ids: Iterable[int],
    actor=None,
    expected_version: int | None = None,
) -> int:
    """Add untriaged findings to an existing erratum (more reports of a known problem)."""
    findings = _findings_of_one_cut(finding_ids)
    if erratum.merged_into_id:
        raise ErrataConflict(
            f"Erratum #{erratum.pk} was merged into #{erratum.merged_into_id}; add them there."
        )
    with transaction.atomic():
        # Re-read under a lock: the erratum may have been merged since the caller loaded it, and
        # findings added to a merged erratum would disappear behind its redirect.
        current = Erratum.objects.select_for_update().get(pk=erratum.pk)
        if current.merged_into_id:
            raise ErrataConflict(
                f"Erratum #{erratum.pk} was merged into #{current.merged_into_id} "
                "(perhaps by someone else just now); add them there."
            )
        if expected_version is not None:
            _check_version(erratum, expected_version)
        _lock_new_findings(finding_ids=[f.pk for f in findings], erratum=erratum)
        _event(
            erratum,
            actor=actor,
            kind="findings_added",
            changes={"findings": sorted(f.pk for f in findings)},
        )
        Erratum.objects.filter(pk=erratum.pk).update(version=F("version") + 1)
    return len(findings)


def finding_remove_from_erratum(*, finding: Finding, actor=None) -> None:
    """Take a finding back out of its erratum: it is untriaged again."""
    with transaction.atomic():
        erratum_id = finding.erratum_id
        moved = Finding.objects.filter(
            pk=finding.pk, state=Finding.State.ACCEPTED, erratum_id=erratum_id
        ).update(state=Finding.State.NEW, erratum=None, updated_at=timezone.now())
        if not moved or erratum_id is None:
            raise ErrataConflict("This finding is no longer in that erratum.")
        erratum = Erratum.objects.get(pk=erratum_id)
        _event(erratum, actor=actor, kind="finding_removed", changes={"finding": finding.pk})
        Erratum.objects.filter(pk=erratum_id).update(version=F("version") + 1)
    finding.refresh_from_db()


def finding_split_from_group(*, finding: Finding) -> DuplicateGroup:
    """The creator says this finding is not the same problem as the rest of its group. It gets a
    group of its own, so re-triage (which only groups ungrouped findings) leaves it apart."""
    with transaction.atomic():
        group = DuplicateGroup.objects.create(cut_id=finding.cut_id)
        Finding.objects.filter(pk=finding.pk).update(duplicate_group=group)
    finding.duplicate_group = group
    return group


def findings_dismiss(
    *, finding_ids: Iterable[int], category: str = Category.NONE, reason: str = ""
) -> int:
    """Dismiss untriaged findings as content (feedback) or none (praise, chatter)."""
    if category not in (Category.CONTENT, Category.NONE):
        raise ValidationError({"category": "Dismiss a finding as content or none."})
    ids = sorted(set(finding_ids))
    with transaction.atomic():
        changed = Finding.objects.filter(pk__in=ids, state=Finding.State.NEW).update(
            state=Finding.State.DISMISSED,
            category=category,
            dismissed_reason=reason[:300],
            updated_at=timezone.now(),
        )
        if changed != len(ids):
            raise ErrataConflict(
                f"{len(ids) - changed} of these findings were already triaged by someone else; "
                "nothing was changed."
            )
    return changed


def finding_restore(*, finding: Finding) -> None:
    """Undo a dismissal."""
    changed = Finding.objects.filter(pk=finding.pk, state=Finding.State.DISMISSED).update(
        state=Finding.State.NEW, dismissed_reason="", updated_at=timezone.now()
    )
    if not changed:
        raise ErrataConflict("This finding is not dismissed.")


def finding_update(
    *,
    finding: Finding,
    category: str | None = None,
    scene_id: int | None = None,
    timestamp_s: float | None = None,
    clear_scene: bool = False,
) -> Finding:
    """The creator's corrections to one finding: its category, scene or time. A corrected time
    also moves the suggested scene to the span that holds it."""
    if category is not None and category not in CATEGORY_VALUES:
        raise ValidationError({"category": f"Unknown category {category!r}."})
    with transaction.atomic():
        finding = Finding.objects.select_for_update().select_related("cut").get(pk=finding.pk)
        if category is not None:
            finding.category = category
        if timestamp_s is not None:
            comment_validate_timestamp(cut=finding.cut, timestamp_s=timestamp_s)
            finding.timestamp_s = timestamp_s
            finding.timestamp_source = Finding.TimestampSource.MANUAL
            finding.suggested_scene_id = _scene_locator(finding.cut).locate(timestamp_s)
        if scene_id is not None:
            if not Scene.objects.filter(pk=scene_id, video_id=finding.cut.video_id).exists():
                raise ValidationError({"scene": "That scene is not in this video."})
            finding.scene_id = scene_id
        elif clear_scene:
            finding.scene_id = None
        finding.save()
    return finding


def erratum_update(
    *, erratum: Erratum, actor=None, expected_version: int | None = None, **fields
) -> Erratum:
    """Edit an erratum's fields. With expected_version, a stale edit is refused (StaleVersion)
    instead of silently overwriting someone else's."""
    unknown = set(fields) - ERRATUM_EDITABLE_FIELDS
    if unknown:
        raise ValidationError(f"These fields cannot be edited here: {', '.join(sorted(unknown))}.")
    if "category" in fields and fields["category"] not in CATEGORY_VALUES:
        raise ValidationError({"category": f"Unknown category {fields['category']!r}."})
    if "title" in fields and not (fields["title"] or "").strip():
        raise ValidationError({"title": "An erratum needs a title."})
    if "timestamp_s" in fields:
        comment_validate_timestamp(cut=erratum.cut, timestamp_s=fields["timestamp_s"])
    if fields.get("scene") is not None and fields["scene"].video_id != erratum.video_id:
        raise ValidationError({"scene": "That scene is not in this video."})
    with transaction.atomic():
        current = Erratum.objects.select_for_update().get(pk=erratum.pk)
        if expected_version is not None and current.version != expected_version:
            raise StaleVersion(
                f"Erratum #{erratum.pk} was changed by someone else (version {current.version}, "
                f"you edited version {expected_version}). Reload and apply your change again."
            )
        changes = {}
        for name, value in fields.items():
            before = getattr(current, name)
            if before != value:
                changes[name] = [before, value]
                setattr(current, name, value)
        if changes:
            current.version += 1
            current.save()
            _event(current, actor=actor, kind="edited", changes=changes)
    return current


def erratum_transition(
    *,
    erratum: Erratum,
    status: str,
    actor=None,
    fixed_in_cut: Cut | None = None,
    reason: str = "",
    fix_note: str | None = None,
    expected_version: int | None = None,
) -> Erratum:
    """Move an erratum along its life: open → accepted → fixed (in a cut) → verified, or closed
    as wontfix / not_an_error with a reason. A conditional update on the current status makes a
    lost race an ErrataConflict instead of a silent overwrite."""
    if status not in Erratum.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    reason = (reason or "").strip()
    if status in (Erratum.Status.WONTFIX, Erratum.Status.NOT_AN_ERROR) and not reason:
        raise ValidationError(
            {"reason": f"Say why this erratum is {Erratum.Status(status).label.lower()}."}
        )
    if status == Erratum.Status.FIXED:
        if fixed_in_cut is None:
            raise ValidationError({"fixed_in_cut": "Say which cut fixes it."})
        if fixed_in_cut.video_id != erratum.video_id:
            raise ValidationError({"fixed_in_cut": "That cut is of another video."})
    allowed_from = [s for s, targets in STATUS_TRANSITIONS.items() if status in targets]
    now = timezone.now()
    update: dict = {"status": status, "version": F("version") + 1, "updated_at": now}
    if status == Erratum.Status.FIXED:
        update.update(fixed_in_cut=fixed_in_cut, fixed_at=now)
    if status == Erratum.Status.VERIFIED:
        update["verified_at"] = now
    if status in (Erratum.Status.WONTFIX, Erratum.Status.NOT_AN_ERROR):
        update["resolution_reason"] = reason
    if status in (Erratum.Status.OPEN, Erratum.Status.ACCEPTED):
        update.update(fixed_in_cut=None, fixed_at=None, verified_at=None, resolution_reason="")
    if fix_note is not None:
        update["fix_note"] = fix_note
    with transaction.atomic():
        query = Erratum.objects.filter(
            pk=erratum.pk, status__in=allowed_from, merged_into__isnull=True
        )
        if expected_version is not None:
            query = query.filter(version=expected_version)
        if not query.update(**update):
            current = Erratum.objects.get(pk=erratum.pk)
            if expected_version is not None and current.version != expected_version:
                raise StaleVersion(
                    f"Erratum #{erratum.pk} was changed by someone else; reload and try again."
                )
            if current.merged_into_id:
                raise ErrataConflict(
                    f"Erratum #{erratum.pk} was merged into #{current.merged_into_id}."
                )
            raise ErrataConflict(
                f"Erratum #{erratum.pk} is {current.get_status_display().lower()}; it cannot "
                f"become {Erratum.Status(status).label.lower()} from there."
            )
        changes = {"status": [erratum.status, status]}
        if fixed_in_cut is not None:
            changes["fixed_in_cut"] = fixed_in_cut.pk
        if reason:
            changes["reason"] = reason
        refreshed = Erratum.objects.get(pk=erratum.pk)
        _event(refreshed, actor=actor, kind="status", changes=changes)
        send_on_commit(
            signals.erratum_status_changed,
            Erratum,
            erratum_id=erratum.pk,
            before=erratum.status,
            after=status,
            actor_id=getattr(actor, "pk", None),
        )
    return refreshed


def _check_version(erratum: Erratum, expected_version: int) -> None:
    current = Erratum.objects.select_for_update().only("version").get(pk=erratum.pk)
    if current.version != expected_version:
        raise StaleVersion(
            f"Erratum #{erratum.pk} was changed by someone else (version {current.version}, "
            f"you read version {expected_version}). Reload and try again."
        )


def erratum_merge(
    *, source: Erratum, target: Erratum, actor=None, expected_version: int | None = None
) -> Erratum:
    """Merge a duplicate erratum into another: its findings move, and it keeps a redirect.

    Both rows are locked (in id order, so two opposite merges cannot deadlock); a merge that
    lost a race (either side already merged) is refused with a message saying so."""
    if source.pk == target.pk:
        raise ValidationError("An erratum cannot be merged into itself.")
    if source.video_id != target.video_id:
        raise ValidationError("Errata of different videos cannot be merged.")
    with transaction.atomic():
        locked = {
            e.pk: e
            for e in Erratum.objects.select_for_update()
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")
        }
        source, target = locked[source.pk], locked[target.pk]
        if expected_version is not None and source.version != expected_version:
            raise StaleVersion(
                f"Erratum #{source.pk} was changed by someone else (version {source.version}, "
                f"you read version {expected_version}). Reload and try again."
            )
        for erratum in (source, target):
            if erratum.merged_into_id:
                raise ErrataConflict(
                    f"Erratum #{erratum.pk} was already merged into #{erratum.merged_into_id} "
                    "(perhaps by someone else just now); nothing was changed."
                )
        moved = Finding.objects.filter(erratum=source).update(
            erratum=target, updated_at=timezone.now()
        )
        Erratum.objects.filter(pk=source.pk).update(
            merged_into=target, version=F("version") + 1, updated_at=timezone.now()
        )
        Erratum.objects.filter(merged_into=source).update(merged_into=target)
        Erratum.objects.filter(pk=target.pk).update(version=F("version") + 1)
        _event(source, actor=actor, kind="merged_into", changes={"target": target.pk})
        _event(
            target, actor=actor, kind="merged_from", changes={"source": source.pk, "moved": moved}
        )
    return Erratum.objects.get(pk=target.pk)


@dataclass(frozen=True)
class CarryResult:
    errata: int
    findings: int
    without_scene: int


def errata_carry_to_cut(*, from_cut: Cut, to_cut: Cut, actor=None) -> CarryResult:
    """Carry a cut's open errata and untriaged findings to the next cut, by scene: a time keeps
    its offset inside its scene, so a report at 6:03 lands where that moment is now. Items whose
    scene is not on the new timeline keep their time (clamped to the new cut)."""
    if from_cut.video_id != to_cut.video_id:
        raise ValidationError("Both cuts must be of the same video.")
    if from_cut.pk == to_cut.pk:
        raise ValidationError("Choose a different cut to carry errata to.")
    old_spans = list(SceneSpan.objects.filter(cut=from_cut).order_by("start_s"))
    new_span_by_scene: dict[int, SceneSpan] = {}
    for span in SceneSpan.objects.filter(cut=to_cut).order_by("start_s"):
        new_span_by_scene.setdefault(span.scene_id, span)
    old_locator = SceneLocator([SpanRef(s.pk, s.start_s, s.end_s) for s in old_spans])
    old_span_by_id = {s.pk: s for s in old_spans}
    new_locator = _scene_locator(to_cut)

    def carry(timestamp_s: float | None, scene_id: int | None) -> tuple[float | None, bool]:
        if timestamp_s is None:
            return None, True
        old_span = old_span_by_id.get(old_locator.locate(timestamp_s))
        if scene_id is not None and (old_span is None or old_span.scene_id != scene_id):
            # The creator named another scene than the one the time falls in: trust the scene.
            old_span = next((s for s in old_spans if s.scene_id == scene_id), old_span)
        new_span = new_span_by_scene.get(old_span.scene_id) if old_span else None
        if new_span is None:
            return min(timestamp_s, to_cut.duration_s), False
        offset = max(0.0, timestamp_s - old_span.start_s)
        return round(min(new_span.start_s + offset, new_span.end_s), 3), True

    carried_errata = carried_findings = without_scene = 0
    with transaction.atomic():
        errata = list(
            Erratum.objects.select_for_update().filter(
                cut=from_cut,
                status__in=[Erratum.Status.OPEN, Erratum.Status.ACCEPTED],
                merged_into__isnull=True,
            )
        )
        events = []
        now = timezone.now()
        for erratum in errata:
            new_time, found = carry(erratum.timestamp_s, erratum.scene_id)
            without_scene += not found
            events.append(
                ErratumEvent(
                    erratum=erratum,
                    actor=actor,
                    kind="carried",
                    changes={
                        "cut": [from_cut.pk, to_cut.pk],
                        "timestamp_s": [erratum.timestamp_s, new_time],
                    },
                )
            )
            erratum.cut, erratum.timestamp_s = to_cut, new_time
            erratum.version += 1
            erratum.updated_at = now
            carried_errata += 1
        # A new cut can carry hundreds of open errata: a few statements, not a few per erratum.
        Erratum.objects.bulk_update(
            errata, ["cut", "timestamp_s", "version", "updated_at"], batch_size=500
        )
        ErratumEvent.objects.bulk_create(events, batch_size=500)
        findings = list(
            Finding.objects.select_for_update().filter(
                Q(erratum__in=errata) | Q(state=Finding.State.NEW), cut=from_cut
            )
        )
        for finding in findings:
            new_time, found = carry(finding.timestamp_s, finding.effective_scene_id)
            finding.cut = to_cut
            finding.timestamp_s = new_time
            finding.suggested_scene_id = new_locator.locate(new_time)
            carried_findings += 1
        Finding.objects.bulk_update(
            findings, ["cut", "timestamp_s", "suggested_scene"], batch_size=500
        )
        FindingToken.objects.filter(finding__in=findings).update(cut=to_cut)
        DuplicateGroup.objects.filter(findings__in=findings).update(cut=to_cut)
    return CarryResult(
        errata=carried_errata, findings=carried_findings, without_scene=without_scene
    )


# --- Review links: the private pages patrons open, and what they post through them -------------


class ReviewLinkClosed(PermissionDenied):
    """The link was revoked or has expired: nothing more is posted through it. (A kind of
    PermissionDenied, so the API answers 403; the review page answers 410 Gone.)"""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            "This review link was revoked by the creator."
            if reason == "revoked"
            else "This review link has expired."
        )


REVIEW_LINK_READ_ONLY_MESSAGE = "Commenting is turned off for this link; you can watch and read."


def review_link_create(
    *,
    cut: Cut,
    label: str = "",
    expires_at=None,
    can_comment: bool = True,
    show_others_comments: bool = True,
    created_by=None,
) -> ReviewLink:
    """A new private link to one cut, with a random unguessable token (see ReviewLink)."""
    label = " ".join(label.split())
    if len(label) > 150:
        raise ValidationError({"label": "A label can be at most 150 characters."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "An expiry date must be in the future."})
    with transaction.atomic():
        return ReviewLink.objects.create(
            cut=cut,
            label=label,
            expires_at=expires_at,
            can_comment=can_comment,
            show_others_comments=show_others_comments,
            created_by=created_by,
        )


def review_link_revoke(*, review_link: ReviewLink) -> bool:
    """Revoke a link at once: every later request through it is refused. A comment racing the
    revocation waits for it on the link's row lock (see review_comment_create), so none lands
    after it. False when the link was already revoked."""
    with transaction.atomic():
        changed = ReviewLink.objects.filter(pk=review_link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    review_link.refresh_from_db(fields=["revoked_at"])
    return bool(changed)


def reviewer_for_user(*, user) -> Reviewer:
    """The reviewer a signed-in user comments as (one per account)."""
    reviewer, _ = Reviewer.objects.get_or_create(
        user=user, defaults={"display_name": str(user)[:150], "email": user.email or ""}
    )
    return reviewer


def reviewer_guest_create(*, display_name: str, email: str = "") -> Reviewer:
    """A named guest on a review link. The page remembers them in a cookie for that link."""
    name = " ".join((display_name or "").split())
    if not name:
        raise ValidationError({"name": "Tell us your name, so the creator can credit you."})
    if len(name) > 150:
        raise ValidationError({"name": "A name can be at most 150 characters."})
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": "That email address does not look right."}) from None
    return Reviewer.objects.create(display_name=name, email=email)


def _review_link_lock(review_link: ReviewLink) -> ReviewLink:
    """Lock the link's row for this transaction and check it is still open for posting."""
    link = ReviewLink.objects.select_for_update().get(pk=review_link.pk)
    reason = link.closed_reason()
    if reason:
        raise ReviewLinkClosed(reason)
    if not link.can_comment:
        raise PermissionDenied(REVIEW_LINK_READ_ONLY_MESSAGE)
    return link


def _review_author(*, reviewer, user, guest_name: str, guest_email: str) -> Reviewer:
    if reviewer is not None:
        return reviewer
    if user is not None and user.is_authenticated:
        return reviewer_for_user(user=user)
    return reviewer_guest_create(display_name=guest_name, email=guest_email)


def review_comment_create(
    *,
    review_link: ReviewLink,
    text: str,
    timestamp_s: float | None = None,
    parent: Comment | None = None,
    reviewer: Reviewer | None = None,
    user=None,
    guest_name: str = "",
    guest_email: str = "",
    source: str = Comment.Source.WEB,
) -> Comment:
    """A comment posted through a review link (its page, or a patron's client over the API), by
    the reviewer the browser remembers, the signed-in user, or a new named guest. The guest is
    created in the same transaction, so a refused comment leaves nothing behind. A reply to a
    reply joins its thread's first comment."""
    with transaction.atomic():
        link = _review_link_lock(review_link)
        cut = Cut.objects.select_related("video").get(pk=link.cut_id)
        if parent is not None:
            if parent.cut_id != cut.pk:
                raise ValidationError({"parent": "That comment is not on this cut."})
            if parent.parent_id is not None:
                parent = Comment.objects.get(pk=parent.parent_id)
            own = reviewer is not None and parent.reviewer_id == reviewer.pk
            if not (link.show_others_comments or own or parent.author_role == Comment.Role.CREATOR):
                raise ValidationError({"parent": "You can only reply to your own comments here."})
        author = _review_author(
            reviewer=reviewer, user=user, guest_name=guest_name, guest_email=guest_email
        )
        on_team = (
            user is not None
            and user.is_authenticated
            and Membership.objects.filter(team_id=cut.video.team_id, user=user).exists()
        )
        return comment_create(
            cut=cut,
            text=text,
            reviewer=author,
            author_role=Comment.Role.CREATOR if on_team else Comment.Role.PATRON,
            timestamp_s=timestamp_s,
            parent=parent,
            review_link=link,
            source=source,
        )


def metoo_add(
    *,
    finding: Finding,
    review_link: ReviewLink,
    reviewer: Reviewer | None = None,
    user=None,
    guest_name: str = "",
    guest_email: str = "",
) -> tuple[MeToo, bool]:
    """A viewer adds their voice to a report instead of writing it again: counted on the finding
    and credited to them. Saying it twice counts once (the second call returns created=False)."""
    with transaction.atomic():
        link = _review_link_lock(review_link)
        finding = Finding.objects.select_related("comment").get(pk=finding.pk)
        if finding.comment.cut_id != link.cut_id:
            raise ValidationError({"finding": "That report is not on this cut."})
        if not link.show_others_comments:
            raise ValidationError({"finding": "Reports of others are not shown on this link."})
        if finding.state == Finding.State.DISMISSED:
            raise ValidationError({"finding": "The creator has already set this report aside."})
        author = _review_author(
            reviewer=reviewer, user=user, guest_name=guest_name, guest_email=guest_email
        )
        if finding.comment.reviewer_id == author.pk:
            raise ValidationError({"finding": "This is your own report; it already counts."})
        return MeToo.objects.get_or_create(finding=finding, reviewer=author)


# --- Studio: new cuts, scenes from source, spans edited by hand --------------------------------


@dataclass(frozen=True)
class CutCreateResult:
    cut: Cut
    timeline: TimelineImportResult | None
    carried: CarryResult | None


def cut_create(
    *,
    video: Video,
    duration_s: float,
    label: str = "",
    fps=None,
    media_url: str = "",
    media_file=None,
    timeline_entries: Iterable[TimelineEntry] | None = None,
    carry_from: Cut | None = None,
    actor=None,
) -> CutCreateResult:
    """Add the next cut of a video (v2 after v1), with its timeline when one is given, and carry
    the open errata and untriaged findings of an earlier cut to it by scene. All or nothing: a
    timeline that does not fit the new cut leaves no cut behind."""
    if duration_s is None or duration_s <= 0:
        raise ValidationError({"duration_s": "A cut needs a duration longer than 0 s."})
    if fps is not None and fps <= 0:
        raise ValidationError({"fps": "Frames per second must be more than 0."})
    if carry_from is not None and carry_from.video_id != video.pk:
        raise ValidationError({"carry_from": "That cut is of another video."})
    with transaction.atomic():
        # The video row lock makes two people adding a cut at once get numbers 2 and 3.
        Video.objects.select_for_update().filter(pk=video.pk).first()
        number = (Cut.objects.filter(video=video).aggregate(last=Max("number"))["last"] or 0) + 1
        cut = Cut(
            video=video,
            number=number,
            label=label.strip()[:150],
            duration_s=duration_s,
            fps=fps,
            media_url=media_url,
        )
        if media_file:
            cut.media_file = media_file
        cut.save()
        timeline = None
        if timeline_entries is not None:
            timeline = timeline_import(cut=cut, entries=timeline_entries)
        carried = None
        if carry_from is not None:
            carried = errata_carry_to_cut(from_cut=carry_from, to_cut=cut, actor=actor)
    return CutCreateResult(cut=cut, timeline=timeline, carried=carried)


@dataclass(frozen=True)
class ScenesFromSourceResult:
    created: int
    updated: int


def scenes_import_from_source(
    *, video: Video, scenes: Iterable[ManimScene], source_path: str
) -> ScenesFromSourceResult:
    """Create the scenes a manim source file defines and record where each class is, so the
    render script can name the file and the class. Spans are not touched: the order on a cut
    comes from its timeline."""
    source_path = source_path.strip()[:300]
    scenes = list(scenes)
    with transaction.atomic():
        existing = {
            scene.name: scene
            for scene in Scene.objects.select_for_update().filter(
                video=video, name__in=[s.name for s in scenes]
            )
        }
        changed: list[Scene] = []
        new: list[Scene] = []
        for parsed in scenes:
            scene = existing.get(parsed.name)
            if scene is None:
                new.append(
                    Scene(
                        video=video,
                        name=parsed.name[:200],
                        source_path=source_path,
                        class_line=parsed.line,
                    )
                )
            elif (scene.source_path, scene.class_line) != (source_path, parsed.line):
                scene.source_path, scene.class_line = source_path, parsed.line
                changed.append(scene)
        Scene.objects.bulk_create(new)
        Scene.objects.bulk_update(changed, ["source_path", "class_line"])
    return ScenesFromSourceResult(created=len(new), updated=len(changed))


@dataclass(frozen=True)
class SpanEditResult:
    span: SceneSpan | None
    findings_moved: int


def _span_validate(*, cut: Cut, scene_name: str, start_s: float, end_s: float) -> None:
    if start_s < 0:
        raise ValidationError({"start_s": f"{scene_name} starts before 0:00."})
    if end_s <= start_s:
        raise ValidationError({"end_s": f"{scene_name} ends before it starts."})
    if end_s > cut.duration_s:
        raise ValidationError(
            {
                "end_s": (
                    f"{scene_name} ends at {format_time(end_s)}, past the end of {cut} "
                    f"({format_time(cut.duration_s)})."
                )
            }
        )


def scene_span_create(*, cut: Cut, scene_name: str, start_s: float, end_s: float) -> SpanEditResult:
    """Place a scene on a cut's timeline by hand (creating the scene by name if it is new),
    then point findings at the scene that now contains them."""
    scene_name = scene_name.strip()
    if not scene_name:
        raise ValidationError({"scene": "Name the scene."})
    _span_validate(cut=cut, scene_name=scene_name, start_s=start_s, end_s=end_s)
    with transaction.atomic():
        scene, _ = Scene.objects.get_or_create(video_id=cut.video_id, name=scene_name[:200])
        span = SceneSpan.objects.create(cut=cut, scene=scene, start_s=start_s, end_s=end_s)
        moved = findings_reassign_scenes(cut=cut)
    return SpanEditResult(span=span, findings_moved=moved)


def scene_span_update(
    *, span: SceneSpan, start_s: float, end_s: float, scene: Scene | None = None
) -> SpanEditResult:
    """Move a span's edges (or give it another scene) by hand, then point findings at the
    scene that now contains them."""
    with transaction.atomic():
        current = (
            SceneSpan.objects.select_for_update().select_related("cut", "scene").get(pk=span.pk)
        )
        scene = scene or current.scene
        if scene.video_id != current.cut.video_id:
            raise ValidationError({"scene": "That scene is not in this video."})
        _span_validate(cut=current.cut, scene_name=scene.name, start_s=start_s, end_s=end_s)
        current.scene, current.start_s, current.end_s = scene, start_s, end_s
        current.save()
        moved = findings_reassign_scenes(cut=current.cut)
    return SpanEditResult(span=current, findings_moved=moved)


def scene_span_delete(*, span: SceneSpan) -> SpanEditResult:
    """Take a span off a cut's timeline; findings inside it lose (or change) their scene."""
    with transaction.atomic():
        cut = Cut.objects.get(pk=span.cut_id)
        deleted, _ = SceneSpan.objects.filter(pk=span.pk).delete()
        if not deleted:
            raise ErrataConflict("This span was already removed (perhaps by someone else).")
        moved = findings_reassign_scenes(cut=cut)
    return SpanEditResult(span=None, findings_moved=moved)


# --- Comment imports: all or nothing, then triage in batches -------------------------------------

# Comments per bulk insert while importing, and per transaction while triaging a batch.
IMPORT_CHUNK_SIZE = 1000
TRIAGE_BATCH_SIZE = 500
# Files up to this size are imported during the request; larger ones by a Celery task.
IMPORT_INLINE_MAX_BYTES = 256 * 1024
# The largest comment file accepted (the studio's form, the API): 100,000 YouTube comments with
# their metadata fit.
IMPORT_MAX_BYTES = 200 * 1024 * 1024
# Exports of cuts with up to this many errata are rendered during the request.
EXPORT_INLINE_MAX_ERRATA = 5000

# progress(phase, done, total): phase is one of ImportJob.Phase; total is 0 while unknown.
ImportProgress = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class CommentImportResult:
    total: int  # comments in the file
    added: int
    skipped: int  # already imported by an earlier run
    creator: int  # of those added, the creator's own replies
    replies: int  # of those added, answers to another comment
    findings: int  # findings triage made from the added comments


def comment_import_creator_name(*, cut: Cut) -> str:
    """Whose comments in an import are the creator's replies, by default: the name the team's
    owner goes by (for the demo, "3blue1brown")."""
    owner = (
        Membership.objects.filter(team_id=cut.video.team_id, role=Membership.Role.OWNER)
        .select_related("user")
        .order_by("created_at", "id")
        .first()
    )
    if owner is None:
        return ""
    return owner.user.display_name or owner.user.get_full_name() or owner.user.username


def _imported_comment_ids(*, cut: Cut, source: str) -> dict[str, int]:
    """The external ids already imported into this cut from this source, to their rows."""
    known = dict(
        Comment.objects.filter(cut=cut, source=source)
        .exclude(external_id="")
        .values_list("external_id", "pk")
    )
    if source == Comment.Source.IMPORT_PATREON:
        # A paste carries no ids: a comment is who wrote what (and which repetition of it), so
        # comments stored under other ids (load_demo's seed ids) are recognised by content too.
        seen: Counter[tuple[str, str]] = Counter()
        rows = (
            Comment.objects.filter(cut=cut, source=source)
            .order_by("pk")
            .values_list("pk", "author_name", "text")
        )
        for pk, author, text in rows.iterator(chunk_size=2000):
            seen[(author, text)] += 1
            known.setdefault(comment_content_id("patreon", author, text, seen[(author, text)]), pk)
    return known


def _import_check_record(record: ImportedComment, *, cut: Cut) -> None:
    if not record.text.strip():
        raise CommentFileError("the comment has no text", where=record.where)
    # PostgreSQL text cannot hold NUL: refused here, naming the line, rather than by the insert.
    fields = (record.text, record.author_name, record.author_key, record.external_id)
    if any("\x00" in value for value in (*fields, record.parent_external_id)):
        raise CommentFileError(
            "it holds a NUL character (0x00), which cannot be stored", where=record.where
        )
    if len(record.text) > COMMENT_MAX_LENGTH:
        raise CommentFileError(
            f"the comment has {len(record.text):,} characters; at most "
            f"{COMMENT_MAX_LENGTH:,} are allowed",
            where=record.where,
        )
    if len(record.external_id) > 200:
        raise CommentFileError("the id is longer than 200 characters", where=record.where)
    if record.parent_external_id == record.external_id:
        raise CommentFileError("the comment answers itself", where=record.where)
    try:
        comment_validate_timestamp(cut=cut, timestamp_s=record.timestamp_s)
    except ValidationError as error:
        raise CommentFileError(" ".join(error.messages), where=record.where) from None


def _import_check(
    records: Iterable[ImportedComment],
    *,
    cut: Cut,
    known: dict[str, int],
    progress: ImportProgress,
) -> tuple[int, int]:
    """Read every record and refuse the file at the first bad one. Returns (total, new)."""
    seen: set[str] = set()
    parents_wanted: dict[str, str] = {}
    total = new = 0
    for record in records:
        total += 1
        _import_check_record(record, cut=cut)
        if record.external_id in seen:
            raise CommentFileError(
                f"the id {record.external_id!r} appears twice in the file", where=record.where
            )
        seen.add(record.external_id)
        new += record.external_id not in known
        parent = record.parent_external_id
        if parent and parent not in seen and parent not in known:
            parents_wanted.setdefault(parent, record.where)
        if total % 5000 == 0:
            progress(ImportJob.Phase.CHECKING, total, 0)
    for parent, where in parents_wanted.items():
        if parent not in seen:
            raise CommentFileError(
                f"it answers comment {parent!r}, which is neither in the file nor imported before",
                where=where,
            )
    if total == 0:
        raise CommentFileError("the file holds no comments")
    return total, new


def _import_reviewers(chunk: list[ImportedComment], cache: dict[str, int]) -> None:
    """The Reviewer of each author key in the chunk, created in bulk when new (the same person
    across re-imports and across files from one source)."""
    names = {
        r.author_key[:200]: r.author_name
        for r in chunk
        if r.author_key and r.author_key[:200] not in cache
    }
    if not names:
        return
    found = Reviewer.objects.filter(external_id__in=list(names))
    cache.update(found.values_list("external_id", "pk"))
    missing = [key for key in names if key not in cache]
    if missing:
        Reviewer.objects.bulk_create(
            [Reviewer(external_id=key, display_name=names[key][:150]) for key in missing],
            ignore_conflicts=True,
        )
        cache.update(
            Reviewer.objects.filter(external_id__in=missing).values_list("external_id", "pk")
        )


@dataclass
class _ImportWrite:
    added_ids: list[int]
    creator: int = 0
    replies: int = 0


def _import_write(
    records: Iterable[ImportedComment],
    *,
    cut: Cut,
    source: str,
    known: dict[str, int],
    new: int,
    progress: ImportProgress,
) -> _ImportWrite:
    """Insert the records not imported before, IMPORT_CHUNK_SIZE rows per statement. `known`
    grows with each insert so replies find their parent's row."""
    written = _ImportWrite(added_ids=[])
    reviewer_ids: dict[str, int] = {}
    # Replies whose parent comes later in the file: linked once every row exists.
    deferred: list[tuple[int, str]] = []
    now = timezone.now()

    def row(record: ImportedComment) -> dict:
        is_creator = record.is_creator
        parent = record.parent_external_id
        return {
            "cut_id": cut.pk,
            "reviewer_id": reviewer_ids.get(record.author_key[:200]) if record.author_key else None,
            "author_name": record.author_name[:150],
            "author_role": Comment.Role.CREATOR if is_creator else Comment.Role.PATRON,
            "text": record.text,
            "timestamp_s": record.timestamp_s,
            "source": source,
            "external_id": record.external_id,
            "parent_id": known.get(parent) if parent else None,
            "review_link_id": None,
            "posted_at": record.posted_at or now,
            "created_at": now,
            # The creator's own replies are answers, not reports: nothing to triage.
            "triage_state": (
                Comment.TriageState.SKIPPED if is_creator else Comment.TriageState.PENDING
            ),
            "triaged_at": now if is_creator else None,
        }

    def flush(chunk: list[ImportedComment]) -> None:
        _import_reviewers(chunk, reviewer_ids)
        remaining = chunk
        while remaining:
            # Parents before their replies: a reply whose parent is in this chunk waits a round.
            waiting = {r.external_id for r in remaining}
            level: list[ImportedComment] = []
            later: list[ImportedComment] = []
            for r in remaining:
                parent = r.parent_external_id
                ready = not parent or parent in known or parent not in waiting
                (level if ready else later).append(r)
            if not level:  # replies answering each other in a loop: link them afterwards
                level, later = later, []
            rows = [row(r) for r in level]
            _insert_rows(Comment, rows)
            stored = dict(
                Comment.objects.filter(
                    cut=cut, source=source, external_id__in=[r.external_id for r in level]
                ).values_list("external_id", "pk")
            )
            for record, values in zip(level, rows, strict=True):
                pk = stored[record.external_id]
                known[record.external_id] = pk
                written.added_ids.append(pk)
                written.creator += record.is_creator
                if record.parent_external_id:
                    written.replies += 1
                    if values["parent_id"] is None:
                        deferred.append((pk, record.parent_external_id))
            remaining = later
        progress(ImportJob.Phase.WRITING, len(written.added_ids), new)

    chunk: list[ImportedComment] = []
    for record in records:
        if record.external_id in known:
            continue
        chunk.append(record)
        if len(chunk) >= IMPORT_CHUNK_SIZE:
            flush(chunk)
            chunk = []
    if chunk:
        flush(chunk)
    if deferred:
        Comment.objects.bulk_update(
            [Comment(pk=pk, parent_id=known[parent]) for pk, parent in deferred],
            ["parent"],
            batch_size=IMPORT_CHUNK_SIZE,
        )
    return written


def comments_import(
    *,
    cut: Cut,
    fmt: str,
    open_file: Callable[[], IO[bytes]],
    creator_name: str | None = None,
    triage: bool = True,
    progress: ImportProgress | None = None,
) -> CommentImportResult:
    """Import a comment file (COMMENT_FORMATS) into a cut, all or nothing, then triage it.

    `open_file` opens the file for reading in binary; it is called twice, because the file is
    streamed twice rather than held in memory: once to check every record (a bad one raises
    CommentFileError naming its line or record, and nothing is written), once to write the
    new ones in one transaction with bulk inserts. Comments imported before (same cut, source
    and external id) are skipped, so re-importing a file adds nothing. The new comments are
    then triaged in batches (findings_triage_batch), each batch its own transaction: if that
    is interrupted the rest stay pending and the periodic sweep triages them.
    """
    if fmt not in COMMENT_FORMATS:
        raise ValidationError({"format": f"Use one of {', '.join(COMMENT_FORMATS)}."})
    if creator_name is None:
        creator_name = comment_import_creator_name(cut=cut)
    source = f"import:{fmt}"
    progress = progress or _no_progress
    known = _imported_comment_ids(cut=cut, source=source)
    progress(ImportJob.Phase.CHECKING, 0, 0)
    with open_file() as stream:
        records = comments_read(stream, fmt=fmt, creator_name=creator_name)
        total, new = _import_check(records, cut=cut, known=known, progress=progress)

    written = _ImportWrite(added_ids=[])
    if new:
        progress(ImportJob.Phase.WRITING, 0, new)
        try:
            with transaction.atomic(), open_file() as stream:
                records = comments_read(stream, fmt=fmt, creator_name=creator_name)
                written = _import_write(
                    records, cut=cut, source=source, known=known, new=new, progress=progress
                )
        except IntegrityError:
            raise ErrataConflict(
                "Some of these comments were imported by another import running at the same "
                "time; nothing was written by this one. Import the file again to add the rest."
            ) from None

    findings = 0
    if triage and written.added_ids:
        findings = findings_triage_batch(
            cut=cut, comment_ids=written.added_ids, progress=progress
        ).findings
    return CommentImportResult(
        total=total,
        added=len(written.added_ids),
        skipped=total - len(written.added_ids),
        creator=written.creator,
        replies=written.replies,
        findings=findings,
    )


@dataclass(frozen=True)
class BatchTriageResult:
    comments: int
    findings: int
    groups: int


def _score_across_comments(first: GroupingProfile, second: GroupingProfile) -> float:
    # As in findings_triage: the points of one comment are never duplicates of each other.
    # (Grouping keys are (comment id, ...), see _BatchEngine.)
    if first.item.key[0] == second.item.key[0]:  # type: ignore[index]
        return float("-inf")
    return score_pair(first, second)


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

    def __init__(self, duration_s: float, spans: list[SpanRef], seed: list[GroupingItem]):
        self.duration_s = duration_s
        self.locator = SceneLocator(spans)
        self.index = DuplicateIndex(scorer=_score_across_comments)
        for item in seed:
            self.index.add(item)

    def run(self, texts: list[tuple[int, str, float | None]]) -> dict[int, list[_Drafted]]:
        return self.match(_triage_texts(texts, self.duration_s))

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
                        scene=scene_id,
                    )
                )
                tokens = finding_lookup_tokens(draft.text)
                findings.append(_Drafted(pk, position, draft, scene_id, label, tokens))
        return drafted


def _triage_texts(
    texts: list[tuple[int, str, float | None]], duration_s: float
) -> dict[int, list[TriagedFinding]]:
    """The engine's analysis of comments' texts (splitting, times, categories): pure Python
    and independent per comment, so it can run in a worker of its own."""
    return {
        pk: triage_comment(text, duration_s=duration_s, player_time_s=player_s)
        for pk, text, player_s in texts
    }


# The matching half of a batch triage running in a worker process (see _engine_pools).
_worker_engine: _BatchEngine | None = None


def _engine_start(duration_s: float, spans: list[SpanRef], seed: list[GroupingItem]) -> None:
    global _worker_engine
    _worker_engine = _BatchEngine(duration_s, spans, seed)


def _engine_match(analysed: dict[int, list[TriagedFinding]]) -> dict[int, list[_Drafted]]:
    assert _worker_engine is not None
    return _worker_engine.match(analysed)


# Batches from which a batch triage runs the engine in worker processes (below, in this one).
TRIAGE_POOL_MIN_BATCHES = 8


def _engine_pools(
    duration_s: float, spans: list[SpanRef], seed: list[GroupingItem]
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
                initargs=(duration_s, spans, seed),
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
            "scene_id",
            "suggested_scene_id",
            "duplicate_group_id",
        )
    )
    for row in stored.iterator(chunk_size=2000):
        pk, comment_id, text, at, category, suggested, scene, suggested_scene, group_id = row
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
                scene=scene or suggested_scene,
                group=label,
            )
        )
    return seed, groups, starters


def _insert_rows(model: type, rows: list[dict]) -> None:
    """INSERT rows with one executemany, for the bulk paths of a large import. Django's
    bulk_create spends most of its time compiling a parameter per field per row in Python
    (bench/import_export.py measured ~80% of the insert time); here only JSON and date-time
    values go through their field's preparation. Missing fields take their defaults."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.attname not in rows[0]:
            defaults[f.attname] = f.get_default()
    prepared = {
        f.attname
        for f in fields
        if f.get_internal_type() in ("JSONField", "DateTimeField", "UUIDField")
    }
    by_name = {f.attname: f for f in fields}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    # Only names from the model are formatted in; every value is a parameter.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608
    params = []
    for row in rows:
        line = []
        for f in fields:
            value = row[f.attname] if f.attname in row else defaults[f.attname]
            if f.attname in prepared:
                value = by_name[f.attname].get_db_prep_save(value, connection)
            line.append(value)
        params.append(line)
    with connection.cursor() as cursor:
        for start in range(0, len(params), IMPORT_CHUNK_SIZE):
            cursor.executemany(sql, params[start : start + IMPORT_CHUNK_SIZE])


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
    progress = progress or _no_progress
    ids = sorted(set(comment_ids))
    chunks = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    spans = [
        SpanRef(scene, start, end)
        for scene, start, end in SceneSpan.objects.filter(cut=cut).values_list(
            "scene_id", "start_s", "end_s"
        )
    ]
    seed, groups, starters = _stored_grouping(cut)
    use_worker = len(chunks) >= TRIAGE_POOL_MIN_BATCHES if in_worker is None else in_worker
    pools = _engine_pools(cut.duration_s, spans, seed) if use_worker else None
    engine = None if pools is not None else _BatchEngine(cut.duration_s, spans, seed)
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
                analysing.append(pools[0].submit(_triage_texts, texts, cut.duration_s))
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
    _insert_rows(
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
    Finding.objects.bulk_update(joined, ["duplicate_group"], batch_size=IMPORT_CHUNK_SIZE)
    for d in new:
        if d.label == d.key and d.key not in groups and d.draft.category != "none":
            starters[d.key] = finding_ids[(d.comment_id, d.position)]
    _insert_rows(
        FindingToken,
        [
            {"finding_id": finding_ids[(d.comment_id, d.position)], "cut_id": cut.pk, "token": t}
            for d in new
            for t in sorted(d.tokens)
        ],
    )
    return len(founding)


# --- Import and export jobs (Celery) -------------------------------------------------------------


def _import_percent(phase: str, done: int, total: int) -> int:
    """Checking the file is the first 5 %, storing comments up to 30 %, triage the rest."""
    share = done / total if total else 0.0
    if phase == ImportJob.Phase.CHECKING:
        return 2
    if phase == ImportJob.Phase.WRITING:
        return 5 + round(25 * share)
    if phase == ImportJob.Phase.TRIAGING:
        return 30 + round(69 * share)
    return 0


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def import_job_create(
    *, cut: Cut, user, fmt: str, upload, creator_name: str = "", inline: bool | None = None
) -> ImportJob:
    """Store an uploaded comment file and import it: during this call when it is small (or
    `inline`), else by a Celery task queued on commit. The job keeps the progress and result."""
    if fmt not in COMMENT_FORMATS:
        raise ValidationError({"format": f"Use one of {', '.join(COMMENT_FORMATS)}."})
    from errata.tasks import import_comments_task

    run_now = upload.size <= IMPORT_INLINE_MAX_BYTES if inline is None else inline
    with transaction.atomic():
        job = ImportJob(
            cut=cut,
            created_by=user,
            format=fmt,
            filename=(upload.name or "")[:255],
            creator_name=creator_name.strip()[:150],
        )
        job.file.save(upload.name or f"comments.{fmt}", upload, save=False)
        job.save()
        if not run_now:
            import_comments_task.delay_on_commit(job.pk)
    if run_now:
        return import_job_run(job_id=job.pk)
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued import. Claimed with a conditional update, so a task delivered twice (or
    retried) runs the import once."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING,
        phase=ImportJob.Phase.CHECKING,
        started_at=timezone.now(),
    )
    job = ImportJob.objects.select_related("cut__video").get(pk=job_id)
    if not claimed:
        return job
    last_write = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        # At most a few updates a second; while comments are being stored the update is in the
        # import's own transaction, so the page sees the bar move when it commits.
        moment = time.monotonic()
        if moment - last_write[0] < 0.5 and done < total:
            return
        last_write[0] = moment
        fields: dict = {"phase": phase, "percent": _import_percent(phase, done, total)}
        if phase == ImportJob.Phase.WRITING and total:
            fields["total"] = total
        ImportJob.objects.filter(pk=job_id).update(**fields)

    storage, name = job.file.storage, job.file.name
    try:
        result = comments_import(
            cut=job.cut,
            fmt=job.format,
            open_file=lambda: storage.open(name, "rb"),
            creator_name=job.creator_name or None,
            progress=progress,
        )
    except (CommentFileError, ValidationError, ErrataConflict) as error:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            phase=ImportJob.Phase.FINISHED,
            error=_error_text(error),
            finished_at=timezone.now(),
        )
    except Exception:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            phase=ImportJob.Phase.FINISHED,
            error="The import stopped on an unexpected error; nothing more was written.",
            finished_at=timezone.now(),
        )
        raise
    else:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.DONE,
            phase=ImportJob.Phase.FINISHED,
            percent=100,
            total=result.total,
            added=result.added,
            skipped=result.skipped,
            findings=result.findings,
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def export_job_create(*, cut: Cut, user, fmt: str) -> ExportJob:
    """Queue a large export; its file is downloaded from the export page when it is done."""
    from errata.exports import EXPORT_FORMATS
    from errata.tasks import export_checklist_task

    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": f"Use one of {', '.join(EXPORT_FORMATS)}."})
    with transaction.atomic():
        job = ExportJob.objects.create(cut=cut, created_by=user, format=fmt)
        export_checklist_task.delay_on_commit(job.pk)
    return job


def export_job_run(*, job_id: int) -> ExportJob:
    from errata.exports import export_render

    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING
    )
    job = ExportJob.objects.select_related("cut__video").get(pk=job_id)
    if not claimed:
        return job
    try:
        result = export_render(cut=job.cut, fmt=job.format)
    except ValidationError as error:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=_error_text(error), finished_at=timezone.now()
        )
    else:
        job.file.save(result.filename, ContentFile(result.content.encode("utf-8")), save=False)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.DONE,
            file=job.file.name,
            filename=result.filename,
            content_type=result.content_type,
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job
