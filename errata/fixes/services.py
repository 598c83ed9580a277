"""Writes of errata: turning findings into confirmed problems, editing, merging, and the status
life (open → accepted → fixed → verified, or closed with a reason). Racing actions are
conditional updates or row locks: the loser gets an ErrataConflict, nothing half-done.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from errata.core.errors import ErrataConflict, StaleVersion
from errata.core.events import erratum_created, erratum_status_changed, send_on_commit
from errata.findings.learning import triage_examples_record
from errata.findings.titles import erratum_defaults_from_findings
from errata.models import (
    CATEGORY_VALUES,
    REMEDY_FOR_CATEGORY,
    Category,
    Cut,
    Erratum,
    ErratumEvent,
    Finding,
    Scene,
    TriageExample,
)
from errata.reviews.services import comment_validate_timestamp

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
    "corrected_line",
    "correction_wrong",
    "correction_right",
}
CORRECTION_MAX_LENGTH = 200


def _validate_correction(*, wrong: str, right: str) -> tuple[str, str]:
    """A correction names what is right, and may name what is wrong; both fit a line."""
    wrong, right = (wrong or "").strip(), (right or "").strip()
    for name, value in (("correction_wrong", wrong), ("correction_right", right)):
        if len(value) > CORRECTION_MAX_LENGTH:
            raise ValidationError(
                {name: f"Keep the correction under {CORRECTION_MAX_LENGTH} characters."}
            )
    if wrong and not right:
        raise ValidationError({"correction_right": _("Say what is right, too.")})
    return wrong, right


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


def _lock_new_findings(*, finding_ids: list[int], erratum: Erratum) -> None:
    """Claim untriaged findings for an erratum with one conditional update: if another creator
    took any of them first, the count is short and the whole action is undone."""
    claimed = Finding.objects.filter(pk__in=finding_ids, state=Finding.State.NEW).update(
        state=Finding.State.ACCEPTED, erratum=erratum, updated_at=timezone.now()
    )
    if claimed != len(finding_ids):
        taken = len(finding_ids) - claimed
        raise ErrataConflict(
            ngettext(
                "%(taken)s of these %(count)s finding was already accepted or dismissed "
                "by someone else; nothing was changed. Reload to see the current state.",
                "%(taken)s of these %(count)s findings were already accepted or dismissed "
                "by someone else; nothing was changed. Reload to see the current state.",
                len(finding_ids),
            )
            % {"taken": taken, "count": len(finding_ids)}
        )


def _findings_of_one_cut(finding_ids: Iterable[int]) -> list[Finding]:
    ids = sorted(set(finding_ids))
    if not ids:
        raise ValidationError(_("Choose at least one finding."))
    findings = list(Finding.objects.filter(pk__in=ids).select_related("cut"))
    if len(findings) != len(ids):
        raise ValidationError(_("Some of these findings no longer exist."))
    if len({f.cut_id for f in findings}) != 1:
        raise ValidationError(_("Findings from different cuts cannot form one erratum."))
    return findings


def _range_end_moved(erratum: Erratum, timestamp_s: float | None) -> float | None:
    """A moved erratum keeps its range's length, while the range still fits the cut."""
    if timestamp_s is None or erratum.timestamp_end_s is None or erratum.timestamp_s is None:
        return None
    end_s = timestamp_s + (erratum.timestamp_end_s - erratum.timestamp_s)
    return end_s if end_s <= erratum.cut.duration_s else None


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
    correction_wrong: str | None = None,
    correction_right: str | None = None,
) -> Erratum:
    """Accept findings (a suggested group, or a hand-picked set) as one new erratum. What is
    left out comes from the findings, the correction they state included."""
    findings = _findings_of_one_cut(finding_ids)
    cut = findings[0].cut
    defaults = erratum_defaults_from_findings(findings)
    category = category or defaults["category"]
    if category not in CATEGORY_VALUES:
        raise ValidationError(
            {"category": _("Unknown category %(category)s.") % {"category": repr(category)}}
        )
    timestamp_end_s = defaults["timestamp_end_s"] if timestamp_s is None else None
    timestamp_s = defaults["timestamp_s"] if timestamp_s is None else timestamp_s
    comment_validate_timestamp(cut=cut, timestamp_s=timestamp_s)
    if correction_wrong is None and correction_right is None:
        correction_wrong, correction_right = (
            defaults["correction_wrong"],
            defaults["correction_right"],
        )
    correction_wrong, correction_right = _validate_correction(
        wrong=correction_wrong or "", right=correction_right or ""
    )
    in_video = Scene.objects.filter(pk=scene_id, video_id=cut.video_id)
    if scene_id is not None and not in_video.exists():
        raise ValidationError({"scene": _("That scene is not in this video.")})
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
            timestamp_end_s=timestamp_end_s,
            correction_wrong=correction_wrong,
            correction_right=correction_right,
            created_by=actor,
        )
        _lock_new_findings(finding_ids=[f.pk for f in findings], erratum=erratum)
        _event(
            erratum,
            actor=actor,
            kind=ErratumEvent.Kind.CREATED,
            changes={"findings": [f.pk for f in findings]},
        )
        send_on_commit(
            erratum_created,
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
            _("Erratum #%(erratum_id)s was merged into #%(merged_into_id)s; add them there.")
            % {"erratum_id": erratum.pk, "merged_into_id": erratum.merged_into_id}
        )
    with transaction.atomic():
        # Re-read under a lock: the erratum may have been merged since the caller loaded it, and
        # findings added to a merged erratum would disappear behind its redirect.
        current = Erratum.objects.select_for_update().get(pk=erratum.pk)
        if current.merged_into_id:
            raise ErrataConflict(
                _(
                    "Erratum #%(erratum_id)s was merged into #%(merged_into_id)s "
                    "(perhaps by someone else just now); add them there."
                )
                % {"erratum_id": erratum.pk, "merged_into_id": current.merged_into_id}
            )
        if expected_version is not None:
            _check_version(erratum, expected_version)
        grouped = set(erratum.findings.values_list("duplicate_group_id", flat=True))
        apart = [
            f
            for f in findings
            if f.duplicate_group_id is None or f.duplicate_group_id not in grouped
        ]
        if apart:
            # Reports triage did not group with this erratum's: one lesson for the team.
            triage_examples_record(findings=apart[:1], kind=TriageExample.Kind.MERGE)
        _lock_new_findings(finding_ids=[f.pk for f in findings], erratum=erratum)
        _event(
            erratum,
            actor=actor,
            kind=ErratumEvent.Kind.FINDINGS_ADDED,
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
            raise ErrataConflict(_("This finding is no longer in that erratum."))
        erratum = Erratum.objects.get(pk=erratum_id)
        _event(
            erratum,
            actor=actor,
            kind=ErratumEvent.Kind.FINDING_REMOVED,
            changes={"finding": finding.pk},
        )
        Erratum.objects.filter(pk=erratum_id).update(version=F("version") + 1)
    finding.refresh_from_db()


def erratum_update(
    *, erratum: Erratum, actor=None, expected_version: int | None = None, **fields
) -> Erratum:
    """Edit an erratum's fields. With expected_version, a stale edit is refused (StaleVersion)
    instead of silently overwriting someone else's."""
    unknown = set(fields) - ERRATUM_EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be edited here: %(unknown)s.")
            % {"unknown": ", ".join(sorted(unknown))}
        )
    if "category" in fields and fields["category"] not in CATEGORY_VALUES:
        raise ValidationError(
            {
                "category": _("Unknown category %(category)s.")
                % {"category": repr(fields["category"])}
            }
        )
    if "title" in fields and not (fields["title"] or "").strip():
        raise ValidationError({"title": _("An erratum needs a title.")})
    if "timestamp_s" in fields:
        comment_validate_timestamp(cut=erratum.cut, timestamp_s=fields["timestamp_s"])
        if erratum.timestamp_end_s is not None:
            fields["timestamp_end_s"] = _range_end_moved(erratum, fields["timestamp_s"])
    if "correction_wrong" in fields or "correction_right" in fields:
        # Checked as the pair the erratum will hold (the constraint wants a right part).
        fields["correction_wrong"], fields["correction_right"] = _validate_correction(
            wrong=fields.get("correction_wrong", erratum.correction_wrong),
            right=fields.get("correction_right", erratum.correction_right),
        )
    if fields.get("scene") is not None and fields["scene"].video_id != erratum.video_id:
        raise ValidationError({"scene": _("That scene is not in this video.")})
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
            _event(current, actor=actor, kind=ErratumEvent.Kind.EDITED, changes=changes)
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
        raise ValidationError(
            {"status": _("Unknown status %(status)s.") % {"status": repr(status)}}
        )
    reason = (reason or "").strip()
    if status in (Erratum.Status.WONTFIX, Erratum.Status.NOT_AN_ERROR) and not reason:
        raise ValidationError(
            {
                "reason": _("Say why this erratum is %(status)s.")
                % {"status": Erratum.Status(status).label.lower()}
            }
        )
    if status == Erratum.Status.FIXED:
        if fixed_in_cut is None:
            raise ValidationError({"fixed_in_cut": _("Say which cut fixes it.")})
        if fixed_in_cut.video_id != erratum.video_id:
            raise ValidationError({"fixed_in_cut": _("That cut is of another video.")})
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
                    _("Erratum #%(erratum_id)s was merged into #%(merged_into_id)s.")
                    % {"erratum_id": erratum.pk, "merged_into_id": current.merged_into_id}
                )
            raise ErrataConflict(
                _("Erratum #%(erratum_id)s is %(status)s; it cannot become %(wanted)s from there.")
                % {
                    "erratum_id": erratum.pk,
                    "status": current.get_status_display().lower(),
                    "wanted": Erratum.Status(status).label.lower(),
                }
            )
        changes = {"status": [erratum.status, status]}
        if fixed_in_cut is not None:
            changes["fixed_in_cut"] = fixed_in_cut.pk
        if reason:
            changes["reason"] = reason
        refreshed = Erratum.objects.get(pk=erratum.pk)
        _event(refreshed, actor=actor, kind=ErratumEvent.Kind.STATUS, changes=changes)
        send_on_commit(
            erratum_status_changed,
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
        raise ValidationError(_("An erratum cannot be merged into itself."))
    if source.video_id != target.video_id:
        raise ValidationError(_("Errata of different videos cannot be merged."))
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
                    _(
                        "Erratum #%(erratum_id)s was already merged into #%(merged_into_id)s "
                        "(perhaps by someone else just now); nothing was changed."
                    )
                    % {"erratum_id": erratum.pk, "merged_into_id": erratum.merged_into_id}
                )
        # Two errata of one problem: triage kept their reports apart, a lesson for the team.
        triage_examples_record(
            findings=list(Finding.objects.filter(erratum=source).order_by("id")[:1]),
            kind=TriageExample.Kind.MERGE,
        )
        moved = Finding.objects.filter(erratum=source).update(
            erratum=target, updated_at=timezone.now()
        )
        Erratum.objects.filter(pk=source.pk).update(
            merged_into=target, version=F("version") + 1, updated_at=timezone.now()
        )
        Erratum.objects.filter(merged_into=source).update(merged_into=target)
        Erratum.objects.filter(pk=target.pk).update(version=F("version") + 1)
        _event(
            source, actor=actor, kind=ErratumEvent.Kind.MERGED_INTO, changes={"target": target.pk}
        )
        _event(
            target,
            actor=actor,
            kind=ErratumEvent.Kind.MERGED_FROM,
            changes={"source": source.pk, "moved": moved},
        )
    return Erratum.objects.get(pk=target.pk)
