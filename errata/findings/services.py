"""Writes of triage's output: a comment's findings, their lookup tokens and duplicate groups,
and the creator's corrections to single findings (category, scene, time, dismissal).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from itertools import zip_longest

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Min, Q, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from errata.catalog.selectors import cut_scene_locator, cut_transcript
from errata.core.errors import ErrataConflict
from errata.core.locks import cut_duplicates_lock
from errata.core.queue import enqueue, publish
from errata.findings.grouping import finding_grouping_item, finding_lookup_tokens
from errata.findings.learning import team_adapter, triage_examples_record
from errata.findings.selectors import finding_duplicate_candidates
from errata.models import (
    CATEGORY_VALUES,
    Category,
    Comment,
    CutMedia,
    DuplicateGroup,
    Finding,
    FindingToken,
    Scene,
    TriageExample,
)
from errata.reviews.services import (
    comment_text_time,
    comment_validate_timestamp,
    comments_list_time_refresh,
)
from errata.triage import TriagedFinding, triage_comment
from errata.triage.adaptation import TeamAdapter
from errata.triage.duplicates import MATCH_THRESHOLD, match_group
from errata.triage.screen_text import screen_query
from errata.triage.transcripts import quoted_phrases

# Frame checks of a cut (errata/media/screen.py), queued by name like every task.
SCREEN_TASK = "errata.screen_read_cut"


@dataclass(frozen=True)
class TriageResult:
    comment_id: int
    created: int
    updated: int
    removed: int


def finding_range_end(comment: Comment, timestamp_s: float | None, source: str) -> float | None:
    """The end of a finding's range: its comment's out point, when the finding sits at the
    comment's in point, timed by the player or by a range typed in the text ("6:02-6:10"). A
    finding at another time is a point of its own."""
    if (
        comment.timestamp_end_s is None
        or source not in (Finding.TimestampSource.PLAYER, Finding.TimestampSource.TEXT)
        or timestamp_s is None
        or timestamp_s != comment.timestamp_s
        or comment.timestamp_end_s <= timestamp_s
    ):
        return None
    return comment.timestamp_end_s


def suggested_correction(draft: TriagedFinding) -> dict[str, str]:
    """The Finding fields holding the correction a report states (empty when it states none)."""
    correction = draft.correction
    return {
        "suggested_correction_wrong": correction.wrong[:200] if correction else "",
        "suggested_correction_right": correction.right[:200] if correction else "",
    }


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

        adapter = None
        if comment.author_role == Comment.Role.CREATOR:
            drafts = []
        else:
            adapter = team_adapter(video_id=cut.video_id)
            drafts = triage_comment(
                comment.text,
                duration_s=cut.duration_s,
                player_time_s=comment.timestamp_s,
                # Only a comment that quotes something can match the transcript.
                transcript=cut_transcript(cut=cut) if quoted_phrases(comment.text) else (),
                adjuster=adapter,
            )

        locator = cut_scene_locator(cut) if drafts else None
        created = updated = 0
        kept: list[Finding] = []
        for position, draft in enumerate(drafts):
            suggested_scene_id = locator.locate(draft.timestamp_s) if locator else None
            end_s = finding_range_end(comment, draft.timestamp_s, draft.timestamp_source)
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
                    timestamp_end_s=end_s,
                    timestamp_source=draft.timestamp_source,
                    parsed_timestamps=parsed,
                    suggested_category=draft.category,
                    category_confidence=round(draft.confidence, 4),
                    suggested_scene_id=suggested_scene_id,
                    **suggested_correction(draft),
                )
                created += 1
            else:
                finding.text = draft.text
                finding.span_start, finding.span_end = draft.start, draft.end
                finding.parsed_timestamps = parsed
                finding.suggested_category = draft.category
                finding.category_confidence = round(draft.confidence, 4)
                for name, value in suggested_correction(draft).items():
                    setattr(finding, name, value)
                if finding.timestamp_source != Finding.TimestampSource.MANUAL:
                    finding.timestamp_s = draft.timestamp_s
                    finding.timestamp_end_s = end_s
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
        if kept:
            # One cut's duplicates are assigned by one transaction at a time (see the lock).
            cut_duplicates_lock(cut_id=cut.pk)
        for finding in kept:
            if finding.duplicate_group_id is None and finding.state != Finding.State.DISMISSED:
                finding_assign_duplicate_group(finding=finding, adapter=adapter)

        if any(_on_screen_text(f) for f in kept):
            screen_read_request(cut_id=cut.pk)

        # One UPDATE of the comment row (see comment_text_time): its state and its text's time.
        Comment.objects.filter(pk=comment.pk).update(
            text_time_s=comment_text_time(),
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


def _on_screen_text(finding: Finding) -> bool:
    return (
        screen_query(
            finding.text,
            category=finding.effective_category,
            correction_wrong=finding.suggested_correction_wrong,
            correction_right=finding.suggested_correction_right,
        )
        is not None
    )


def screen_read_request(*, cut_id: int) -> bool:
    """Queue the frame checks of a cut (errata/media/screen.py: its findings' quoted text looked
    for on screen) after the commit, when its video is ready to read."""
    if not settings.FRAME_CHECKS:
        return False
    if not CutMedia.objects.filter(cut_id=cut_id, status=CutMedia.Status.READY).exists():
        return False
    enqueue(SCREEN_TASK, cut_id)
    return True


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


def _duplicate_candidates(finding: Finding) -> list[Finding]:
    return finding_duplicate_candidates(
        cut_id=finding.cut_id,
        timestamp_s=finding.timestamp_s,
        tokens=finding.tokens.values_list("token", flat=True),
        exclude_comment_id=finding.comment_id,
    )


def finding_assign_duplicate_group(
    *, finding: Finding, adapter: TeamAdapter | None = None
) -> DuplicateGroup | None:
    """Match one finding against its cut's stored findings and join (or found) a group, as
    strictly as the team's merges and splits taught (`adapter`)."""
    candidates = _duplicate_candidates(finding)
    if not candidates:
        return None
    match = match_group(
        finding_grouping_item(finding),
        [finding_grouping_item(c) for c in candidates],
        threshold=MATCH_THRESHOLD + (adapter.threshold_offset if adapter else 0.0),
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


TRIAGE_BATCH_TASK = "errata.triage_batch"


def comments_sweep_untriaged(
    *,
    older_than_s: int | None = None,
    limit: int | None = None,
    batch_size: int | None = None,
) -> int:
    """Queue triage for comments left pending (the broker was down, a worker died), in tasks of
    `batch_size` comments of one cut (triaged together, as an import does). A comment whose
    triage is queued is left alone until TRIAGE_QUEUED_LEASE_SECONDS have passed (its task may
    be waiting behind others; after that it counts as lost). Cuts take turns, a batch each, so
    one cut's 46,000 pending comments do not starve a cut with three. At most `limit` comments
    a sweep. Returns how many comments were queued."""
    older_than_s = settings.TRIAGE_SWEEP_AFTER_SECONDS if older_than_s is None else older_than_s
    limit = settings.TRIAGE_SWEEP_MAX_COMMENTS if limit is None else limit
    batch_size = settings.TRIAGE_SWEEP_BATCH if batch_size is None else batch_size
    now = timezone.now()
    waiting = Comment.objects.filter(
        Q(triage_queued_at__isnull=True)
        | Q(triage_queued_at__lte=now - timedelta(seconds=settings.TRIAGE_QUEUED_LEASE_SECONDS)),
        triage_state=Comment.TriageState.PENDING,
        created_at__lte=now - timedelta(seconds=older_than_s),
    )
    # The cut that has waited longest goes first in every round.
    per_cut = dict(
        waiting.values("cut_id")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
        .order_by("oldest", "cut_id")
        .values_list("cut_id", "n")
    )
    share = _fair_shares(per_cut, limit=limit, batch_size=batch_size)
    if not share:
        return 0
    # Each cut's oldest comments, up to its share (one query: rank within the cut).
    ranked = (
        waiting.filter(cut_id__in=list(share))
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("cut_id")], order_by=[F("created_at"), F("pk")]
            )
        )
        .filter(rank__lte=max(share.values()))
        .order_by("cut_id", "rank")
        .values_list("cut_id", "pk", "rank")
    )
    batches: dict[int, list[list[int]]] = {}
    for cut_id, pk, rank in ranked:
        if rank > share[cut_id]:
            continue
        cut_batches = batches.setdefault(cut_id, [])
        if not cut_batches or len(cut_batches[-1]) >= batch_size:
            cut_batches.append([])
        cut_batches[-1].append(pk)
    queued = 0
    # Round by round: every cut's first batch, then every cut's second...
    in_turn = [
        [(cut_id, ids) for ids in batches[cut_id]] for cut_id in per_cut if cut_id in batches
    ]
    for round_batches in zip_longest(*in_turn):
        for cut_id, comment_ids in filter(None, round_batches):
            if not publish(TRIAGE_BATCH_TASK, cut_id, comment_ids):
                return queued  # the broker is away: the rest wait for the next sweep
            Comment.objects.filter(pk__in=comment_ids).update(triage_queued_at=timezone.now())
            queued += len(comment_ids)
    return queued


def _fair_shares(waiting: dict[int, int], *, limit: int, batch_size: int) -> dict[int, int]:
    """How many of its waiting comments each cut gets queued: a batch each in turn (in the
    order of `waiting`) until `limit` is reached or nothing waits."""
    share = dict.fromkeys(waiting, 0)
    left = limit
    while left > 0:
        grew = False
        for cut_id in waiting:
            more = min(batch_size, waiting[cut_id] - share[cut_id], left)
            if more > 0:
                share[cut_id] += more
                left -= more
                grew = True
        if not grew:
            break
    return {cut_id: n for cut_id, n in share.items() if n}


def finding_split_from_group(*, finding: Finding) -> DuplicateGroup:
    """The creator says this finding is not the same problem as the rest of its group. It gets a
    group of its own, so re-triage (which only groups ungrouped findings) leaves it apart; the
    team's grouping learns to be stricter."""
    with transaction.atomic():
        group = DuplicateGroup.objects.create(cut_id=finding.cut_id)
        Finding.objects.filter(pk=finding.pk).update(duplicate_group=group)
        triage_examples_record(findings=[finding], kind=TriageExample.Kind.SPLIT)
    finding.duplicate_group = group
    return group


def findings_dismiss(
    *, finding_ids: Iterable[int], category: str = Category.NONE, reason: str = ""
) -> int:
    """Dismiss untriaged findings as content (feedback) or none (praise, chatter)."""
    if category not in (Category.CONTENT, Category.NONE):
        raise ValidationError({"category": _("Dismiss a finding as content or none.")})
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
                ngettext(
                    "%(count)s of these findings was already triaged by someone else; "
                    "nothing was changed.",
                    "%(count)s of these findings were already triaged by someone else; "
                    "nothing was changed.",
                    len(ids) - changed,
                )
                % {"count": len(ids) - changed}
            )
        # What triage suggested otherwise is a lesson for the team's categories.
        taught = Finding.objects.filter(pk__in=ids).exclude(suggested_category=category)
        triage_examples_record(
            findings=list(taught), kind=TriageExample.Kind.CATEGORY, category=category
        )
    return changed


def finding_restore(*, finding: Finding) -> None:
    """Undo a dismissal."""
    changed = Finding.objects.filter(pk=finding.pk, state=Finding.State.DISMISSED).update(
        state=Finding.State.NEW, dismissed_reason="", updated_at=timezone.now()
    )
    if not changed:
        raise ErrataConflict(_("This finding is not dismissed."))


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
        raise ValidationError(
            {"category": _("Unknown category %(category)s.") % {"category": repr(category)}}
        )
    with transaction.atomic():
        finding = Finding.objects.select_for_update().select_related("cut").get(pk=finding.pk)
        if category is not None and category != finding.effective_category:
            # The creator corrected triage's category: a labelled example for their team.
            triage_examples_record(
                findings=[finding], kind=TriageExample.Kind.CATEGORY, category=category
            )
        if category is not None:
            finding.category = category
        if timestamp_s is not None:
            comment_validate_timestamp(cut=finding.cut, timestamp_s=timestamp_s)
            if finding.timestamp_end_s is not None:
                # A moved range keeps its length, while it still fits the cut.
                end_s = timestamp_s + (finding.timestamp_end_s - (finding.timestamp_s or 0))
                finding.timestamp_end_s = end_s if end_s <= finding.cut.duration_s else None
            finding.timestamp_s = timestamp_s
            finding.timestamp_source = Finding.TimestampSource.MANUAL
            finding.suggested_scene_id = cut_scene_locator(finding.cut).locate(timestamp_s)
        if scene_id is not None:
            if not Scene.objects.filter(pk=scene_id, video_id=finding.cut.video_id).exists():
                raise ValidationError({"scene": _("That scene is not in this video.")})
            finding.scene_id = scene_id
        elif clear_scene:
            finding.scene_id = None
        finding.save()
        if timestamp_s is not None:
            comments_list_time_refresh(comment_ids=[finding.comment_id])
    return finding
