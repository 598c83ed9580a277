"""Writes of the catalog: new cuts, scenes from a manim source, spans imported from a timeline
file or edited by hand. When spans change, the findings on the cut are pointed at the scene that
now holds their time (a suggestion; a scene the creator chose stays).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext

from errata.catalog.manim import ManimScene
from errata.catalog.selectors import cut_furthest_time, cut_scene_locator
from errata.catalog.timelines import TimelineEntry
from errata.catalog.transcripts import Cue
from errata.core.errors import ErrataConflict
from errata.models import (
    Comment,
    Cut,
    Erratum,
    Finding,
    Scene,
    SceneSpan,
    Team,
    TranscriptLine,
    Video,
)
from errata.triage.timestamps import format_time


def findings_reassign_scenes(*, cut: Cut, finding_ids: Iterable[int] | None = None) -> int:
    """After a cut's spans change, point each finding's suggested scene at the span that now
    contains it. Findings whose scene the creator set by hand keep it. Returns rows changed."""
    locator = cut_scene_locator(cut)
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
            raise ValidationError(
                gettext("%(where)s: %(scene_name)s starts before 0:00.")
                % {"where": where, "scene_name": entry.scene_name}
            )
        if entry.end_s <= entry.start_s:
            raise ValidationError(
                gettext("%(where)s: %(scene_name)s ends before it starts.")
                % {"where": where, "scene_name": entry.scene_name}
            )
        if entry.end_s > cut.duration_s:
            raise ValidationError(
                gettext(
                    "%(where)s: %(scene)s ends at %(end)s, past the end of %(cut)s (%(duration)s)."
                )
                % {
                    "where": where,
                    "scene": entry.scene_name,
                    "end": format_time(entry.end_s),
                    "cut": cut,
                    "duration": format_time(cut.duration_s),
                }
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


def video_create(*, team: Team, title: str, slug: str = "", fps=30) -> Video:
    """A new video of a team. Its short name (the slug, in every studio address) comes from the
    title unless given; it is unique across Errata."""
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": gettext("A video needs a title.")})
    if len(title) > 300:
        raise ValidationError({"title": gettext("A title can be at most 300 characters.")})
    if "\x00" in title:
        raise ValidationError({"title": gettext("A title cannot hold a NUL character.")})
    slug = slugify(slug or title)[:100]
    if not slug:
        raise ValidationError(
            {"slug": gettext("Use letters or digits in the title or the short name.")}
        )
    if fps is None or fps <= 0:
        raise ValidationError({"fps": gettext("Frames per second must be more than 0.")})
    try:
        with transaction.atomic():
            return Video.objects.create(team=team, title=title, slug=slug, fps=fps)
    except IntegrityError:
        raise ValidationError(
            {
                "slug": gettext("The short name %(slug)s is taken; pick another.")
                % {"slug": repr(slug)}
            }
        ) from None


@dataclass(frozen=True)
class CutCreateResult:
    cut: Cut
    timeline: TimelineImportResult | None


def cut_create(
    *,
    video: Video,
    duration_s: float,
    label: str = "",
    fps=None,
    media_url: str = "",
    timeline_entries: Iterable[TimelineEntry] | None = None,
) -> CutCreateResult:
    """Add the next cut of a video (v2 after v1), with its timeline when one is given. All or
    nothing: a timeline that does not fit the new cut leaves no cut behind. (Carrying errata to
    it is fixes.carrying.cut_create_and_carry; an uploaded video is attached by
    media.services.cut_media_attach, which checks and processes it.)"""
    if duration_s is None or duration_s <= 0:
        raise ValidationError({"duration_s": gettext("A cut needs a duration longer than 0 s.")})
    if fps is not None and fps <= 0:
        raise ValidationError({"fps": gettext("Frames per second must be more than 0.")})
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
        cut.save()
        timeline = None
        if timeline_entries is not None:
            timeline = timeline_import(cut=cut, entries=timeline_entries)
    return CutCreateResult(cut=cut, timeline=timeline)


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
        raise ValidationError(
            {"start_s": gettext("%(scene_name)s starts before 0:00.") % {"scene_name": scene_name}}
        )
    if end_s <= start_s:
        raise ValidationError(
            {"end_s": gettext("%(scene_name)s ends before it starts.") % {"scene_name": scene_name}}
        )
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
        raise ValidationError({"scene": gettext("Name the scene.")})
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
            raise ValidationError({"scene": gettext("That scene is not in this video.")})
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
            raise ErrataConflict(
                gettext("This span was already removed (perhaps by someone else).")
            )
        moved = findings_reassign_scenes(cut=cut)
    return SpanEditResult(span=None, findings_moved=moved)


@dataclass(frozen=True)
class TranscriptImportResult:
    lines: int
    replaced: int


def transcript_import(*, cut: Cut, cues: Iterable[Cue], source: str) -> TranscriptImportResult:
    """Replace a cut's transcript with these cues, all or nothing. A cue past the cut's end is
    refused by its number (a subtitle file of another cut, most likely); the last cue may run up
    to a second over, as subtitle files round."""
    cues = list(cues)
    if source not in TranscriptLine.Source.values:
        raise ValidationError(
            {"source": gettext("Unknown transcript source %(source)s.") % {"source": repr(source)}}
        )
    for number, cue in enumerate(cues, start=1):
        if cue.start_s > cut.duration_s or cue.end_s > cut.duration_s + 1:
            raise ValidationError(
                {
                    "file": gettext(
                        "Cue %(number)s (%(start)s) is past the end of %(cut)s (%(duration)s); "
                        "is this the right cut's subtitle file?"
                    )
                    % {
                        "number": number,
                        "start": format_time(cue.start_s),
                        "cut": cut,
                        "duration": format_time(cut.duration_s),
                    }
                }
            )
        if "\x00" in cue.text:
            raise ValidationError(
                {"file": gettext("Cue %(number)s holds a NUL character.") % {"number": number}}
            )
    with transaction.atomic():
        replaced, _ = TranscriptLine.objects.filter(cut=cut).delete()
        TranscriptLine.objects.bulk_create(
            [
                TranscriptLine(
                    cut=cut,
                    position=position,
                    start_s=cue.start_s,
                    end_s=min(cue.end_s, cut.duration_s),
                    text=cue.text,
                    source=source,
                )
                for position, cue in enumerate(cues)
            ],
            batch_size=1000,
        )
        Cut.objects.filter(pk=cut.pk).update(transcript_line_count=len(cues))
    cut.transcript_line_count = len(cues)
    return TranscriptImportResult(lines=len(cues), replaced=replaced)


def cut_duration_set(*, cut: Cut, duration_s: float, fps=None) -> Cut:
    """Change a cut's duration (and fps when given): by hand in the studio or the API, or from
    the probe of its uploaded video. Refused, naming what is in the way, when a span, comment,
    finding or erratum would lie past the new end (the database's trigger would refuse it too)."""
    if duration_s is None or not duration_s > 0:
        raise ValidationError({"duration_s": gettext("A cut needs a duration longer than 0 s.")})
    if fps is not None and fps <= 0:
        raise ValidationError({"fps": gettext("Frames per second must be more than 0.")})
    with transaction.atomic():
        locked = Cut.objects.select_for_update().get(pk=cut.pk)
        furthest = cut_furthest_time(cut=locked)
        if furthest is not None and furthest[0] > duration_s:
            at, what = furthest
            raise ValidationError(
                {
                    "duration_s": (
                        f"{cut} cannot end at {format_time(duration_s)}: {what} at "
                        f"{format_time(at)}. Move or remove what lies past the new end first."
                    )
                }
            )
        fields = {"duration_s": duration_s}
        if fps is not None:
            fields["fps"] = fps
        Cut.objects.filter(pk=cut.pk).update(**fields)
    for name, value in fields.items():
        setattr(cut, name, value)
    return cut


def cut_update(*, cut: Cut, label: str, media_url: str = "") -> Cut:
    """Rename a cut or change the address its video plays from. Its duration has its own
    service (cut_duration_set: it refuses an end before what lies on the cut), its video
    media.services.cut_media_attach, its timeline timeline_import."""
    label = " ".join((label or "").split())
    if len(label) > 150:
        raise ValidationError({"label": gettext("A label can be at most 150 characters.")})
    if "\x00" in label or "\x00" in (media_url or ""):
        raise ValidationError({"label": gettext("A label cannot hold a NUL character.")})
    Cut.objects.filter(pk=cut.pk).update(label=label, media_url=media_url or "")
    cut.label, cut.media_url = label, media_url or ""
    return cut


def cut_delete_refusal(*, cut: Cut) -> str:
    """Why this cut cannot be deleted ("" when it can): only a cut nobody has commented on and
    that holds no errata goes, so a mistaken new cut can be undone without losing anyone's
    work."""
    comments = Comment.objects.filter(cut=cut).count()
    if comments:
        return ngettext(
            "%(cut)s cannot be deleted: it has %(count)s comment.",
            "%(cut)s cannot be deleted: it has %(count)s comments.",
            comments,
        ) % {"cut": _cut_name(cut), "count": comments}
    held = Erratum.objects.filter(Q(cut=cut) | Q(found_in_cut=cut)).count()
    findings = Finding.objects.filter(cut=cut).count()
    if held or findings:
        return gettext(
            "%(cut)s cannot be deleted: it holds %(errata)s and %(findings)s carried from "
            "another cut. Carry them back first."
        ) % {
            "cut": _cut_name(cut),
            "errata": ngettext("%(count)s erratum", "%(count)s errata", held) % {"count": held},
            "findings": ngettext("%(count)s finding", "%(count)s findings", findings)
            % {"count": findings},
        }
    fixed = Erratum.objects.filter(fixed_in_cut=cut).count()
    if fixed:
        return ngettext(
            "%(cut)s cannot be deleted: %(count)s erratum is marked fixed in it.",
            "%(cut)s cannot be deleted: %(count)s errata are marked fixed in it.",
            fixed,
        ) % {"cut": _cut_name(cut), "count": fixed}
    return ""


def _cut_name(cut: Cut) -> str:
    return gettext("Cut %(number)s") % {"number": cut.number}


def cut_delete(*, cut: Cut) -> None:
    """Delete a cut with its timeline, review links and jobs; refused (ValidationError saying
    why) once it has comments or errata. The cut row is locked so a comment posted meanwhile
    either lands first (and refuses this) or finds the cut gone."""
    with transaction.atomic():
        locked = Cut.objects.select_for_update().filter(pk=cut.pk).first()
        if locked is None:
            raise ErrataConflict(gettext("This cut was already deleted."))
        refusal = cut_delete_refusal(cut=locked)
        if refusal:
            raise ValidationError(refusal)
        locked.delete()
