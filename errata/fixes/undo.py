"""Undo: triage and fix-loop actions recorded with what they changed, and taken back on request.

Each action runs through a wrapper here that calls the ordinary service and, in the same
transaction, keeps an UndoRecord of the rows' fields before (and markers of the state right
after: an erratum's version, a finding's new state). `undo_apply` restores the state before, in
one transaction under row locks, and refuses (ErrataConflict, the page's 409) when the record is
older than UNDO_WINDOW, already undone, not the caller's, or when anyone changed those rows since.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from errata.core.errors import ErrataConflict
from errata.core.events import erratum_status_changed, send_on_commit
from errata.findings import services as findings_services
from errata.fixes import services as fixes_services
from errata.models import (
    Cut,
    DuplicateGroup,
    Erratum,
    ErratumEvent,
    Finding,
    ReviewLink,
    TriageExample,
    UndoRecord,
    Video,
)
from errata.reviews.services import review_link_revoke

# How long an action can be taken back: long enough to notice a slip, short enough that the
# rows it touched have rarely been worked on since (and if they were, undo is refused).
UNDO_WINDOW = timedelta(minutes=15)

_STATUS_FIELDS = (
    "status",
    "fixed_in_cut_id",
    "fixed_at",
    "verified_at",
    "resolution_reason",
    "fix_note",
)


def _record(*, video_id: int, actor, kind: str, steps: list[dict]) -> UndoRecord:
    return UndoRecord.objects.create(
        video_id=video_id,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        steps=steps,
    )


def _last_lesson_id() -> int:
    # Lessons triage records for an action have higher ids than this; an undo takes them back.
    return TriageExample.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


# --- Steps: what one part of an action changed -------------------------------------------------


def _accept_step(erratum: Erratum) -> dict:
    current = Erratum.objects.only("version").get(pk=erratum.pk)
    ids = sorted(Finding.objects.filter(erratum_id=erratum.pk).values_list("pk", flat=True))
    return {"op": "accept", "erratum": erratum.pk, "version": current.version, "findings": ids}


def _dismiss_before(finding_ids: Iterable[int]) -> dict[str, list]:
    rows = Finding.objects.select_for_update().filter(pk__in=list(finding_ids))
    return {
        str(pk): [category, reason]
        for pk, category, reason in rows.values_list("pk", "category", "dismissed_reason")
    }


# --- Undoable actions ----------------------------------------------------------------------------


def erratum_create_undoable(*, actor, **fields) -> tuple[Erratum, UndoRecord]:
    """erratum_create_from_findings, kept for undo."""
    with transaction.atomic():
        erratum = fixes_services.erratum_create_from_findings(actor=actor, **fields)
        record = _record(
            video_id=erratum.video_id,
            actor=actor,
            kind=UndoRecord.Kind.ACCEPT,
            steps=[_accept_step(erratum)],
        )
    return erratum, record


def erratum_add_findings_undoable(
    *,
    erratum: Erratum,
    finding_ids: Iterable[int],
    actor,
    expected_version: int | None = None,
) -> tuple[int, UndoRecord]:
    """erratum_add_findings, kept for undo."""
    ids = sorted(set(finding_ids))
    with transaction.atomic():
        added = fixes_services.erratum_add_findings(
            erratum=erratum, finding_ids=ids, actor=actor, expected_version=expected_version
        )
        version = Erratum.objects.only("version").get(pk=erratum.pk).version
        record = _record(
            video_id=erratum.video_id,
            actor=actor,
            kind=UndoRecord.Kind.ADD,
            steps=[{"op": "add", "erratum": erratum.pk, "version": version, "findings": ids}],
        )
    return added, record


def findings_dismiss_undoable(
    *,
    video: Video | None = None,
    finding_ids: Iterable[int],
    actor,
    category: str,
    reason: str = "",
) -> tuple[int, UndoRecord | None]:
    """findings_dismiss, kept for undo (each finding's category and reason before). The record
    belongs to `video`, or to the first finding's video (the API may name several)."""
    ids = sorted(set(finding_ids))
    with transaction.atomic():
        before = _dismiss_before(ids)
        if video is None:
            first = Finding.objects.filter(pk__in=ids).select_related("cut").first()
            video = first.cut.video if first else None
        lessons_from = _last_lesson_id()
        dismissed = findings_services.findings_dismiss(
            finding_ids=ids, category=category, reason=reason
        )
        if video is None:
            return dismissed, None
        record = _record(
            video_id=video.pk,
            actor=actor,
            kind=UndoRecord.Kind.DISMISS,
            steps=[
                {
                    "op": "dismiss",
                    "category": category,
                    "before": before,
                    "lessons_from": lessons_from,
                }
            ],
        )
    return dismissed, record


def finding_split_undoable(*, finding: Finding, actor) -> UndoRecord:
    """finding_split_from_group, kept for undo (the group it was in)."""
    with transaction.atomic():
        locked = Finding.objects.select_for_update().select_related("cut").get(pk=finding.pk)
        previous = locked.duplicate_group_id
        lessons_from = _last_lesson_id()
        group = findings_services.finding_split_from_group(finding=locked)
        return _record(
            video_id=locked.cut.video_id,
            actor=actor,
            kind=UndoRecord.Kind.SPLIT,
            steps=[
                {
                    "op": "split",
                    "finding": locked.pk,
                    "group": group.pk,
                    "previous": previous,
                    "lessons_from": lessons_from,
                }
            ],
        )


def findings_categorise_undoable(
    *, video: Video, finding_ids: Iterable[int], actor, category: str
) -> tuple[int, UndoRecord]:
    """Set the category of several untriaged findings (bulk triage), kept for undo."""
    ids = sorted(set(finding_ids))
    with transaction.atomic():
        findings = list(Finding.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        if len(findings) != len(ids) or any(f.state != Finding.State.NEW for f in findings):
            raise ErrataConflict(
                _("Some of these findings were triaged by someone else; nothing was changed.")
            )
        before = {str(f.pk): f.category for f in findings}
        lessons_from = _last_lesson_id()
        for finding in findings:
            findings_services.finding_update(finding=finding, category=category)
        record = _record(
            video_id=video.pk,
            actor=actor,
            kind=UndoRecord.Kind.CATEGORY,
            steps=[
                {
                    "op": "category",
                    "category": category,
                    "before": before,
                    "lessons_from": lessons_from,
                }
            ],
        )
    return len(findings), record


def erratum_transition_undoable(*, erratum: Erratum, actor, **kwargs) -> tuple[Erratum, UndoRecord]:
    """erratum_transition, kept for undo (the status fields before)."""
    with transaction.atomic():
        before_row = Erratum.objects.select_for_update().get(pk=erratum.pk)
        before = {name: getattr(before_row, name) for name in _STATUS_FIELDS}
        before["fixed_at"], before["verified_at"] = (
            _iso(before["fixed_at"]),
            _iso(before["verified_at"]),
        )
        changed = fixes_services.erratum_transition(erratum=erratum, actor=actor, **kwargs)
        record = _record(
            video_id=erratum.video_id,
            actor=actor,
            kind=UndoRecord.Kind.STATUS,
            steps=[
                {
                    "op": "status",
                    "erratum": erratum.pk,
                    "version": changed.version,
                    "before": before,
                }
            ],
        )
    return changed, record


def erratum_merge_undoable(
    *, source: Erratum, target: Erratum, actor, expected_version: int | None = None
) -> tuple[Erratum, UndoRecord]:
    """erratum_merge, kept for undo (which findings moved, which redirects followed)."""
    with transaction.atomic():
        moved = sorted(Finding.objects.filter(erratum_id=source.pk).values_list("pk", flat=True))
        redirected = sorted(
            Erratum.objects.filter(merged_into_id=source.pk).values_list("pk", flat=True)
        )
        merged = fixes_services.erratum_merge(
            source=source, target=target, actor=actor, expected_version=expected_version
        )
        step = {
            "op": "merge",
            "source": source.pk,
            "target": target.pk,
            "version": merged.version,
            "findings": moved,
            "redirected": redirected,
        }
        record = _record(
            video_id=source.video_id, actor=actor, kind=UndoRecord.Kind.MERGE, steps=[step]
        )
    return merged, record


def review_link_revoke_undoable(
    *, review_link: ReviewLink, actor
) -> tuple[bool, UndoRecord | None]:
    """review_link_revoke, kept for undo. Nothing to undo when it was already revoked."""
    with transaction.atomic():
        if not review_link_revoke(review_link=review_link):
            return False, None
        cut = Cut.objects.only("video_id").get(pk=review_link.cut_id)
        record = _record(
            video_id=cut.video_id,
            actor=actor,
            kind=UndoRecord.Kind.REVOKE,
            steps=[
                {
                    "op": "revoke",
                    "link": review_link.pk,
                    "revoked_at": _iso(review_link.revoked_at),
                }
            ],
        )
    return True, record


def bulk_accept_undoable(
    *, video: Video, groups: list[list[int]], actor
) -> tuple[list[Erratum], UndoRecord]:
    """Accept several groups, one erratum each, undone as one step."""
    with transaction.atomic():
        errata = [
            fixes_services.erratum_create_from_findings(finding_ids=ids, actor=actor)
            for ids in groups
        ]
        record = _record(
            video_id=video.pk,
            actor=actor,
            kind=UndoRecord.Kind.BULK,
            steps=[_accept_step(erratum) for erratum in errata],
        )
    return errata, record


def bulk_dismiss_undoable(
    *, video: Video, finding_ids: Iterable[int], actor, category: str, reason: str = ""
) -> tuple[int, UndoRecord]:
    """Dismiss many findings (several groups; all likely praise and chatter) as one step."""
    dismissed, record = findings_dismiss_undoable(
        video=video, finding_ids=finding_ids, actor=actor, category=category, reason=reason
    )
    UndoRecord.objects.filter(pk=record.pk).update(kind=UndoRecord.Kind.BULK)
    record.kind = UndoRecord.Kind.BULK
    return dismissed, record


# --- Taking an action back ---------------------------------------------------------------------


def undo_record_of(*, video: Video, actor, pk: object) -> UndoRecord | None:
    """The caller's own undoable record on this video, or None (never someone else's)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return UndoRecord.objects.filter(pk=pk, video=video, actor=actor).first()


def undo_available(record: UndoRecord, *, now=None) -> bool:
    now = now or timezone.now()
    return record.undone_at is None and record.created_at > now - UNDO_WINDOW


def undo_apply(*, record: UndoRecord, actor) -> UndoRecord:
    """Restore the state before the record's action. All of it or nothing."""
    with transaction.atomic():
        locked = UndoRecord.objects.select_for_update().get(pk=record.pk)
        if locked.actor_id is None or locked.actor_id != getattr(actor, "pk", None):
            raise ErrataConflict(_("Only the person who acted can undo this."))
        if locked.undone_at is not None:
            raise ErrataConflict(_("This was already undone."))
        if not undo_available(locked):
            raise ErrataConflict(
                _("Too late to undo: actions can be undone for %(minutes)s minutes.")
                % {"minutes": int(UNDO_WINDOW.total_seconds() // 60)}
            )
        for step in reversed(locked.steps):
            _UNDO[step["op"]](step, actor=actor)
        locked.undone_at = timezone.now()
        locked.save(update_fields=["undone_at"])
    return locked


def _changed_since() -> ErrataConflict:
    return ErrataConflict(
        _("This can no longer be undone: it was changed since (perhaps by someone else).")
    )


def _lock_erratum(pk: int, version: int) -> Erratum:
    erratum = Erratum.objects.select_for_update().filter(pk=pk).first()
    if erratum is None or erratum.version != version or erratum.merged_into_id:
        raise _changed_since()
    return erratum


def _undo_accept(step: dict, *, actor) -> None:
    erratum = _lock_erratum(step["erratum"], step["version"])
    ids = step["findings"]
    # Its reports must be exactly the ones accepted (none added, removed or merged in since).
    if sorted(Finding.objects.filter(erratum=erratum).values_list("pk", flat=True)) != ids:
        raise _changed_since()
    Finding.objects.filter(pk__in=ids, erratum=erratum).update(
        state=Finding.State.NEW, erratum=None, updated_at=timezone.now()
    )
    erratum.delete()


def _undo_add(step: dict, *, actor) -> None:
    erratum = _lock_erratum(step["erratum"], step["version"])
    ids = step["findings"]
    released = Finding.objects.filter(
        pk__in=ids, erratum=erratum, state=Finding.State.ACCEPTED
    ).update(state=Finding.State.NEW, erratum=None, updated_at=timezone.now())
    if released != len(ids):
        raise _changed_since()
    ErratumEvent.objects.create(
        erratum=erratum,
        actor=actor,
        kind=ErratumEvent.Kind.UNDONE,
        changes={"findings_removed": ids},
    )
    Erratum.objects.filter(pk=erratum.pk).update(version=F("version") + 1)


def _forget_lessons(step: dict, finding_ids: list[int], kind: str, category: str = "") -> None:
    """The lesson an undone decision taught triage goes too, unless it was learned already."""
    lessons = TriageExample.objects.filter(
        id__gt=step.get("lessons_from", 0), finding_id__in=finding_ids, kind=kind, learned=False
    )
    if category:
        lessons = lessons.filter(category=category)
    lessons.delete()


def _undo_dismiss(step: dict, *, actor) -> None:
    before = {int(pk): value for pk, value in step["before"].items()}
    ids = sorted(before)
    locked = Finding.objects.select_for_update().filter(
        pk__in=ids, state=Finding.State.DISMISSED, category=step["category"]
    )
    if len(list(locked.values_list("pk", flat=True))) != len(ids):
        raise _changed_since()
    now = timezone.now()
    by_before: dict[tuple[str, str], list[int]] = {}
    for pk, (category, reason) in before.items():
        by_before.setdefault((category, reason), []).append(pk)
    for (category, reason), pks in by_before.items():
        Finding.objects.filter(pk__in=pks).update(
            state=Finding.State.NEW, category=category, dismissed_reason=reason, updated_at=now
        )
    _forget_lessons(step, ids, TriageExample.Kind.CATEGORY, step["category"])


def _undo_category(step: dict, *, actor) -> None:
    before = {int(pk): value for pk, value in step["before"].items()}
    ids = sorted(before)
    locked = Finding.objects.select_for_update().filter(
        pk__in=ids, state=Finding.State.NEW, category=step["category"]
    )
    if len(list(locked.values_list("pk", flat=True))) != len(ids):
        raise _changed_since()
    by_before: dict[str, list[int]] = {}
    for pk, category in before.items():
        by_before.setdefault(category, []).append(pk)
    for category, pks in by_before.items():
        Finding.objects.filter(pk__in=pks).update(category=category, updated_at=timezone.now())
    _forget_lessons(step, ids, TriageExample.Kind.CATEGORY, step["category"])


def _undo_split(step: dict, *, actor) -> None:
    moved = Finding.objects.filter(
        pk=step["finding"], duplicate_group_id=step["group"], state=Finding.State.NEW
    )
    previous = step["previous"]
    if previous is not None and not DuplicateGroup.objects.filter(pk=previous).exists():
        previous = None
    if not moved.update(duplicate_group_id=previous, updated_at=timezone.now()):
        raise _changed_since()
    DuplicateGroup.objects.filter(pk=step["group"], findings__isnull=True).delete()
    _forget_lessons(step, [step["finding"]], TriageExample.Kind.SPLIT)


def _undo_status(step: dict, *, actor) -> None:
    erratum = _lock_erratum(step["erratum"], step["version"])
    before = step["before"]
    after_status = erratum.status
    Erratum.objects.filter(pk=erratum.pk).update(
        status=before["status"],
        fixed_in_cut_id=before["fixed_in_cut_id"],
        fixed_at=parse_datetime(before["fixed_at"]) if before["fixed_at"] else None,
        verified_at=parse_datetime(before["verified_at"]) if before["verified_at"] else None,
        resolution_reason=before["resolution_reason"],
        fix_note=before["fix_note"],
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    ErratumEvent.objects.create(
        erratum=erratum,
        actor=actor,
        kind=ErratumEvent.Kind.STATUS,
        changes={"status": [after_status, before["status"]], "undo": True},
    )
    send_on_commit(
        erratum_status_changed,
        Erratum,
        erratum_id=erratum.pk,
        before=after_status,
        after=before["status"],
        actor_id=getattr(actor, "pk", None),
    )


def _undo_merge(step: dict, *, actor) -> None:
    locked = {
        e.pk: e
        for e in Erratum.objects.select_for_update()
        .filter(pk__in=[step["source"], step["target"]])
        .order_by("pk")
    }
    source, target = locked.get(step["source"]), locked.get(step["target"])
    if (
        source is None
        or target is None
        or target.version != step["version"]
        or source.merged_into_id != target.pk
        or target.merged_into_id
    ):
        raise _changed_since()
    ids = step["findings"]
    if Finding.objects.filter(pk__in=ids, erratum=target).count() != len(ids):
        raise _changed_since()
    now = timezone.now()
    Finding.objects.filter(pk__in=ids).update(erratum=source, updated_at=now)
    Erratum.objects.filter(pk=source.pk).update(
        merged_into=None, version=F("version") + 1, updated_at=now
    )
    Erratum.objects.filter(pk__in=step["redirected"], merged_into=target).update(merged_into=source)
    Erratum.objects.filter(pk=target.pk).update(version=F("version") + 1, updated_at=now)
    for erratum, changes in (
        (source, {"merged_into": [target.pk, None]}),
        (target, {"unmerged": source.pk, "moved": len(ids)}),
    ):
        ErratumEvent.objects.create(
            erratum=erratum, actor=actor, kind=ErratumEvent.Kind.UNDONE, changes=changes
        )


def _undo_revoke(step: dict, *, actor) -> None:
    revoked_at = parse_datetime(step["revoked_at"]) if step["revoked_at"] else None
    if not ReviewLink.objects.filter(pk=step["link"], revoked_at=revoked_at).update(
        revoked_at=None
    ):
        raise _changed_since()


_UNDO = {
    "accept": _undo_accept,
    "add": _undo_add,
    "dismiss": _undo_dismiss,
    "category": _undo_category,
    "split": _undo_split,
    "status": _undo_status,
    "merge": _undo_merge,
    "revoke": _undo_revoke,
}
