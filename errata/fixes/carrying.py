"""Carrying errata to a new cut: open errata and untriaged findings move to the cut that
replaces theirs, re-anchored by scene (scene-relative offset), so nothing is lost when timing
shifts.
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
    without_scene: int


def errata_carry_to_cut(*, from_cut: Cut, to_cut: Cut, actor=None) -> CarryResult:
    """Carry a cut's open errata and untriaged findings to the next cut, by scene: a time keeps
    its offset inside its scene, so a report at 6:03 lands where that moment is now. Items whose
    scene is not on the new timeline keep their time (clamped to the new cut)."""
    if from_cut.video_id != to_cut.video_id:
        raise ValidationError(_("Both cuts must be of the same video."))
    if from_cut.pk == to_cut.pk:
        raise ValidationError(_("Choose a different cut to carry errata to."))
    time_map = CutTimeMap(from_cut=from_cut, to_cut=to_cut)
    new_locator = cut_scene_locator(to_cut)
    carry = time_map.map

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
            new_end = carried_range_end(erratum, new_time, to_cut)
            without_scene += not found
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
            carried_errata += 1
        # A new cut can carry hundreds of open errata: a few statements, not a few per erratum.
        Erratum.objects.bulk_update(
            errata,
            ["cut", "timestamp_s", "timestamp_end_s", "version", "updated_at"],
            batch_size=500,
        )
        ErratumEvent.objects.bulk_create(events, batch_size=500)
        findings = list(
            Finding.objects.select_for_update().filter(
                Q(erratum__in=errata) | Q(state=Finding.State.NEW), cut=from_cut
            )
        )
        for finding in findings:
            new_time, found = carry(finding.timestamp_s, finding.effective_scene_id)
            finding.timestamp_end_s = carried_range_end(finding, new_time, to_cut)
            finding.cut = to_cut
            finding.timestamp_s = new_time
            finding.suggested_scene_id = new_locator.locate(new_time)
            carried_findings += 1
        Finding.objects.bulk_update(
            findings, ["cut", "timestamp_s", "timestamp_end_s", "suggested_scene"], batch_size=500
        )
        FindingToken.objects.filter(finding__in=findings).update(cut=to_cut)
        DuplicateGroup.objects.filter(findings__in=findings).update(cut=to_cut)
        # A comment listed at its findings' time on the old cut no longer is.
        comments_list_time_refresh(comment_ids={f.comment_id for f in findings})
    return CarryResult(
        errata=carried_errata, findings=carried_findings, without_scene=without_scene
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
