"""Carrying errata to a new cut: open errata and untriaged findings move to the cut that
replaces theirs, re-anchored by scene (scene-relative offset), so nothing is lost when timing
shifts. Those whose scene the new timeline lacks stay open where they are, and the studio shows
what would move before anything does (carry_preview).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from errata.catalog.selectors import CutTimeMap, cut_scene_locator
from errata.catalog.services import TimelineImportResult, cut_create
from errata.models import (
    Cut,
    DuplicateGroup,
    Erratum,
    ErratumEvent,
    Finding,
    FindingToken,
    Scene,
    Video,
)
from errata.reviews.services import comments_list_time_refresh


def carried_range_end(
    item: Erratum | Finding, new_start: float | None, to_cut: Cut
) -> float | None:
    """A range's end carried with its start: the same scene-relative mapping moves both, so the
    range keeps its length (cut short at the new cut's end); None when nothing is left of it."""
    if item.timestamp_end_s is None or item.timestamp_s is None or new_start is None:
        return None
    new_end = round(
        min(new_start + (item.timestamp_end_s - item.timestamp_s), to_cut.duration_s), 3
    )
    return new_end if new_end > new_start else None


@dataclass(frozen=True)
class CarryResult:
    errata: int
    findings: int
    # Errata and untriaged findings left open on the old cut: their scene is not on the new
    # cut's timeline, so there is no place to carry them to.
    without_scene: int


@dataclass(frozen=True)
class CarryPreview:
    """What carrying from one cut to another would do, for the page that asks to confirm."""

    from_cut: Cut
    to_cut: Cut
    errata: int
    findings: int
    staying_errata: list[Erratum]
    staying_findings: int
    missing_scenes: list[str]

    @property
    def moves_anything(self) -> bool:
        return bool(self.errata or self.findings)


@dataclass
class _CarryPlan:
    moving_errata: list[Erratum]
    staying_errata: list[Erratum]
    moving_findings: list[Finding]
    staying_findings: list[Finding]
    missing_scene_ids: set[int]


def _carry_plan(*, from_cut: Cut, to_cut: Cut, time_map: CutTimeMap, lock: bool) -> _CarryPlan:
    """Which open errata and untriaged findings move, and which stay because their scene is
    not on the new timeline. A finding goes with its erratum; an untriaged finding stays with
    the group of one that stays, so no duplicate group spans two cuts."""
    if from_cut.video_id != to_cut.video_id:
        raise ValidationError(_("Both cuts must be of the same video."))
    if from_cut.pk == to_cut.pk:
        raise ValidationError(_("Choose a different cut to carry errata to."))
    errata_rows = Erratum.objects.filter(
        cut=from_cut,
        status__in=[Erratum.Status.OPEN, Erratum.Status.ACCEPTED],
        merged_into__isnull=True,
    ).order_by("timestamp_s", "pk")
    # Carrying locks the rows it moves; the preview names the scenes of those that stay.
    errata_rows = errata_rows.select_for_update() if lock else errata_rows.select_related("scene")
    missing: set[int] = set()
    moving_errata, staying_errata = [], []
    for erratum in errata_rows:
        scene = time_map.missing_scene(erratum.timestamp_s, erratum.scene_id)
        (staying_errata if scene else moving_errata).append(erratum)
        if scene:
            missing.add(scene)
    finding_rows = Finding.objects.filter(
        Q(erratum__in=[e.pk for e in moving_errata + staying_errata]) | Q(state=Finding.State.NEW),
        cut=from_cut,
    )
    if lock:
        finding_rows = finding_rows.select_for_update()
    staying_ids = {e.pk for e in staying_errata}
    findings = list(finding_rows)
    staying_groups: set[int] = set()
    stays: dict[int, bool] = {}
    for finding in findings:
        if finding.erratum_id is not None:
            stays[finding.pk] = finding.erratum_id in staying_ids
            if stays[finding.pk] and finding.duplicate_group_id:
                staying_groups.add(finding.duplicate_group_id)
            continue
        scene = time_map.missing_scene(finding.timestamp_s, finding.effective_scene_id)
        stays[finding.pk] = scene is not None
        if scene:
            missing.add(scene)
            if finding.duplicate_group_id:
                staying_groups.add(finding.duplicate_group_id)
    for finding in findings:
        if finding.erratum_id is None and finding.duplicate_group_id in staying_groups:
            stays[finding.pk] = True
    return _CarryPlan(
        moving_errata=moving_errata,
        staying_errata=staying_errata,
        moving_findings=[f for f in findings if not stays[f.pk]],
        staying_findings=[f for f in findings if stays[f.pk]],
        missing_scene_ids=missing,
    )


def carry_preview(*, from_cut: Cut, to_cut: Cut) -> CarryPreview:
    """How many errata and findings carrying would move, which stay and which of their scenes
    the new timeline lacks: nothing is written (the carry page shows it and asks to confirm;
    the cut page warns with it about errata left behind)."""
    time_map = CutTimeMap(from_cut=from_cut, to_cut=to_cut)
    plan = _carry_plan(from_cut=from_cut, to_cut=to_cut, time_map=time_map, lock=False)
    names = Scene.objects.filter(pk__in=plan.missing_scene_ids).values_list("name", flat=True)
    return CarryPreview(
        from_cut=from_cut,
        to_cut=to_cut,
        errata=len(plan.moving_errata),
        findings=len(plan.moving_findings),
        staying_errata=plan.staying_errata,
        staying_findings=len([f for f in plan.staying_findings if f.erratum_id is None]),
        missing_scenes=sorted(names),
    )


def errata_carry_to_cut(*, from_cut: Cut, to_cut: Cut, actor=None) -> CarryResult:
    """Carry a cut's open errata and untriaged findings to the next cut, by scene: a time keeps
    its offset inside its scene, so a report at 6:03 lands where that moment is now. Items whose
    scene is not on the new timeline stay open on the old cut (the cut page warns about them);
    items in no scene at all (no timeline) keep their time, clamped to the new cut."""
    time_map = CutTimeMap(from_cut=from_cut, to_cut=to_cut)
    new_locator = cut_scene_locator(to_cut)
    carry = time_map.map

    with transaction.atomic():
        plan = _carry_plan(from_cut=from_cut, to_cut=to_cut, time_map=time_map, lock=True)
        errata = plan.moving_errata
        events = []
        now = timezone.now()
        for erratum in errata:
            new_time, _found = carry(erratum.timestamp_s, erratum.scene_id)
            new_end = carried_range_end(erratum, new_time, to_cut)
            events.append(
                ErratumEvent(
                    erratum=erratum,
                    actor=actor,
                    kind=ErratumEvent.Kind.CARRIED,
                    changes={
                        "cut": [from_cut.pk, to_cut.pk],
                        "timestamp_s": [erratum.timestamp_s, new_time],
                    },
                )
            )
            erratum.cut, erratum.timestamp_s = to_cut, new_time
            erratum.timestamp_end_s = new_end
            erratum.version += 1
            erratum.updated_at = now
        # A new cut can carry hundreds of open errata: a few statements, not a few per erratum.
        Erratum.objects.bulk_update(
            errata,
            ["cut", "timestamp_s", "timestamp_end_s", "version", "updated_at"],
            batch_size=500,
        )
        ErratumEvent.objects.bulk_create(events, batch_size=500)
        findings = plan.moving_findings
        for finding in findings:
            new_time, _found = carry(finding.timestamp_s, finding.effective_scene_id)
            finding.timestamp_end_s = carried_range_end(finding, new_time, to_cut)
            finding.cut = to_cut
            finding.timestamp_s = new_time
            finding.suggested_scene_id = new_locator.locate(new_time)
        Finding.objects.bulk_update(
            findings, ["cut", "timestamp_s", "timestamp_end_s", "suggested_scene"], batch_size=500
        )
        FindingToken.objects.filter(finding__in=findings).update(cut=to_cut)
        DuplicateGroup.objects.filter(findings__in=findings).update(cut=to_cut)
        # A comment listed at its findings' time on the old cut no longer is.
        comments_list_time_refresh(comment_ids={f.comment_id for f in findings})
    staying_findings = [f for f in plan.staying_findings if f.erratum_id is None]
    return CarryResult(
        errata=len(errata),
        findings=len(findings),
        without_scene=len(plan.staying_errata) + len(staying_findings),
    )


@dataclass(frozen=True)
class NewCutResult:
    cut: Cut
    timeline: TimelineImportResult | None
    carried: CarryResult | None


def cut_create_and_carry(
    *, video: Video, carry_from: Cut | None = None, actor=None, **cut_fields: Any
) -> NewCutResult:
    """Add the next cut of a video (catalog.services.cut_create) and carry the open errata and
    untriaged findings of an earlier cut to it, in one transaction: a timeline that does not fit
    the new cut leaves no cut behind and nothing carried."""
    if carry_from is not None and carry_from.video_id != video.pk:
        raise ValidationError({"carry_from": _("That cut is of another video.")})
    with transaction.atomic():
        created = cut_create(video=video, **cut_fields)
        carried = None
        if carry_from is not None:
            carried = errata_carry_to_cut(from_cut=carry_from, to_cut=created.cut, actor=actor)
    return NewCutResult(cut=created.cut, timeline=created.timeline, carried=carried)
