"""Reads of videos, cuts, scenes and spans, scoped by the one membership rule (core.access)."""

from __future__ import annotations

from django.db.models import Exists, F, Max, OuterRef, Prefetch, Q, QuerySet

from errata.catalog.transcripts import cue_plain_text
from errata.core.access import team_ids_for
from errata.core.queries import count_subquery
from errata.models import (
    FIXED_STATUSES,
    OPEN_STATUSES,
    Comment,
    Cut,
    Erratum,
    Finding,
    Scene,
    SceneSpan,
    TranscriptLine,
    Video,
)
from errata.triage.scenes import SceneLocator, SpanRef
from errata.triage.transcripts import TranscriptCue, cue_at

# A finding's time is rarely on the very frame the line starts: a line this close counts.
SPOKEN_LINE_SLACK_S = 3.0


def cut_scene_locator(cut: Cut) -> SceneLocator:
    spans = SceneSpan.objects.filter(cut=cut).values_list("scene_id", "start_s", "end_s")
    return SceneLocator([SpanRef(scene=s, start_s=a, end_s=b) for s, a, b in spans])


def videos_for_member(*, user) -> QuerySet[Video]:
    """Every studio page starts here: a video is visible only to members of its team."""
    return Video.objects.filter(team_id__in=team_ids_for(user))


def video_for_member(*, user, slug: str) -> Video | None:
    # Every studio page shows the team's name in its breadcrumb.
    return videos_for_member(user=user).select_related("team").filter(slug=slug).first()


def cut_of_video(*, video: Video, number: int) -> Cut | None:
    cut = Cut.objects.filter(video=video, number=number).first()
    if cut is not None:
        cut.video = video  # already loaded; spares a query on every cut page
    return cut


def _cut_counts(cuts: QuerySet[Cut]) -> QuerySet[Cut]:
    """The four numbers the video list and the cut page show for a cut."""
    waiting = Comment.objects.filter(cut=OuterRef("pk"), author_role=Comment.Role.PATRON).filter(
        Q(triage_state=Comment.TriageState.PENDING)
        | Exists(Finding.objects.filter(comment=OuterRef("pk"), state=Finding.State.NEW))
    )
    return cuts.annotate(
        new_comments=count_subquery(waiting, by="cut"),
        untriaged_findings=count_subquery(
            Finding.objects.filter(cut=OuterRef("pk"), state=Finding.State.NEW), by="cut"
        ),
        open_errata=count_subquery(
            Erratum.objects.filter(
                cut=OuterRef("pk"), status__in=OPEN_STATUSES, merged_into__isnull=True
            ),
            by="cut",
        ),
        fixed_errata=count_subquery(
            Erratum.objects.filter(
                fixed_in_cut=OuterRef("pk"), status__in=FIXED_STATUSES, merged_into__isnull=True
            ),
            by="fixed_in_cut",
        ),
    )


def video_list(*, user) -> list[Video]:
    """The studio's first page: the team's videos, each with its cuts and their counts.
    Two queries whatever the number of videos and cuts."""
    videos = list(
        videos_for_member(user=user)
        .select_related("team")
        .annotate(
            open_errata=count_subquery(
                Erratum.objects.filter(
                    video=OuterRef("pk"), status__in=OPEN_STATUSES, merged_into__isnull=True
                ),
                by="video",
            ),
            fixed_errata=count_subquery(
                Erratum.objects.filter(
                    video=OuterRef("pk"), status__in=FIXED_STATUSES, merged_into__isnull=True
                ),
                by="video",
            ),
        )
        .prefetch_related(
            Prefetch(
                "cuts", queryset=_cut_counts(Cut.objects.order_by("number")), to_attr="cut_rows"
            )
        )
        .order_by("team__name", "-created_at", "pk")
    )
    for video in videos:
        video.new_comments = sum(cut.new_comments for cut in video.cut_rows)
        video.untriaged_findings = sum(cut.untriaged_findings for cut in video.cut_rows)
    return videos


def video_cuts(*, video: Video) -> list[Cut]:
    # The video page lists its cuts with their counts.
    return list(_cut_counts(Cut.objects.filter(video=video).order_by("number")))


def cut_with_counts(*, cut: Cut) -> Cut:
    # The cut page's four numbers.
    counted = _cut_counts(Cut.objects.filter(pk=cut.pk)).get()
    counted.video = cut.video
    return counted


def video_scene_names(*, video: Video) -> list[str]:
    # The scene pickers (a datalist shared by every form on the page).
    return list(Scene.objects.filter(video=video).order_by("name").values_list("name", flat=True))


def video_scenes(*, video: Video) -> list[Scene]:
    # The scenes page: each scene with where its class is and on how many cuts it appears.
    return list(
        Scene.objects.filter(video=video)
        .annotate(
            span_count=count_subquery(SceneSpan.objects.filter(scene=OuterRef("pk")), by="scene")
        )
        .order_by("source_path", F("class_line").asc(nulls_last=True), "name")
    )


def cut_spans(*, cut: Cut) -> list[SceneSpan]:
    # The timeline page: the cut's spans in order, each with its scene and how many untriaged
    # findings or errata currently point at it.
    return list(
        SceneSpan.objects.filter(cut=cut)
        .select_related("scene")
        .annotate(
            finding_count=count_subquery(
                Finding.objects.filter(cut=cut, state=Finding.State.NEW).filter(
                    Q(scene=OuterRef("scene"))
                    | Q(scene__isnull=True, suggested_scene=OuterRef("scene"))
                ),
                by="cut",
            ),
            erratum_count=count_subquery(
                Erratum.objects.filter(cut=cut, scene=OuterRef("scene"), merged_into__isnull=True),
                by="cut",
            ),
        )
        .order_by("start_s", "pk")
    )


def cut_spans_in_order(*, cut: Cut) -> list[SceneSpan]:
    # The checklist names each scene's source file and span: the scene comes with its span.
    return list(SceneSpan.objects.filter(cut=cut).select_related("scene").order_by("start_s", "id"))


def video_latest_cut(*, video_id: int) -> Cut | None:
    """The newest cut of a video: where fixes land ("fixed in cut N") and what a new cut follows.
    The one read of it, for the new-cut form, the board and the erratum page."""
    return Cut.objects.filter(video_id=video_id).order_by("-number").first()


def video_cuts_newest_first(*, video_id: int, exclude: Cut | None = None) -> QuerySet[Cut]:
    # The cut pickers of the status, new-cut and carry forms list the newest first.
    cuts = Cut.objects.filter(video_id=video_id).order_by("-number")
    return cuts.exclude(pk=exclude.pk) if exclude is not None else cuts


def cut_has_siblings(*, cut: Cut) -> bool:
    # The cut page offers carrying errata only when the video has another cut.
    return Cut.objects.filter(video_id=cut.video_id).exclude(pk=cut.pk).exists()


def cut_span(*, cut: Cut, pk: int) -> SceneSpan | None:
    # The timeline's span editors name the span's scene.
    return SceneSpan.objects.filter(pk=pk, cut=cut).select_related("scene").first()


def scene_by_name(*, video: Video, name: str) -> Scene | None:
    return Scene.objects.filter(video=video, name=name.strip()).first()


def cut_span_count(*, cut: Cut) -> int:
    return SceneSpan.objects.filter(cut=cut).count()


def cut_transcript(*, cut: Cut) -> list[TranscriptCue]:
    """The cut's transcript as plain data, in time order (triage and exports read it)."""
    rows = TranscriptLine.objects.filter(cut=cut).order_by("position")
    return [
        TranscriptCue(start_s=a, end_s=b, text=cue_plain_text(t))
        for a, b, t in rows.values_list("start_s", "end_s", "text")
    ]


def cut_transcript_lines(*, cut: Cut) -> list[TranscriptLine]:
    return list(TranscriptLine.objects.filter(cut=cut).order_by("position"))


def spoken_lines_at(*, cut_id: int, times: list[float]) -> dict[float, str]:
    """What is said at each of these times on a cut (the line spoken then, else the nearest
    within a few seconds): one query for all of them (the inbox page, an erratum's page)."""
    times = [t for t in times if t is not None]
    if not times:
        return {}
    rows = list(
        TranscriptLine.objects.filter(
            cut_id=cut_id,
            start_s__lte=max(times) + SPOKEN_LINE_SLACK_S,
            end_s__gte=min(times) - SPOKEN_LINE_SLACK_S,
        )
        .order_by("start_s")
        .values_list("start_s", "end_s", "text")
    )
    cues = [TranscriptCue(a, b, cue_plain_text(t)) for a, b, t in rows]
    found = {}
    for time_s in times:
        cue = cue_at(cues, time_s, slack_s=SPOKEN_LINE_SLACK_S)
        if cue is not None:
            found[time_s] = cue.text
    return found


def cut_furthest_time(*, cut: Cut) -> tuple[float, str] | None:
    """The latest time anything lies at on a cut (a span's end, a comment, finding or erratum
    time) and what it is, or None on an empty cut: a new duration must not end before it."""
    candidates = [
        (SceneSpan.objects.filter(cut=cut).aggregate(t=Max("end_s"))["t"], "a scene span ends"),
        (Comment.objects.filter(cut=cut).aggregate(t=Max("timestamp_s"))["t"], "a comment"),
        (Finding.objects.filter(cut=cut).aggregate(t=Max("timestamp_s"))["t"], "a finding"),
        (Erratum.objects.filter(cut=cut).aggregate(t=Max("timestamp_s"))["t"], "an erratum"),
    ]
    found = [(t, what) for t, what in candidates if t is not None]
    return max(found, key=lambda item: item[0]) if found else None


class CutTimeMap:
    """Where a moment of one cut is in another cut of the same video, by scene: a time keeps
    its offset inside its scene (scene-relative offset), so 6:03 in cut 1 is where that moment
    is in cut 2 even if earlier scenes got longer. The rule errata are carried by, and the one
    the erratum page shows "before" and "after" frames by."""

    def __init__(self, *, from_cut: Cut, to_cut: Cut) -> None:
        self.to_cut = to_cut
        self.old_spans = list(SceneSpan.objects.filter(cut=from_cut).order_by("start_s"))
        self.new_span_by_scene: dict[int, SceneSpan] = {}
        for span in SceneSpan.objects.filter(cut=to_cut).order_by("start_s"):
            self.new_span_by_scene.setdefault(span.scene_id, span)
        self.old_locator = SceneLocator([SpanRef(s.pk, s.start_s, s.end_s) for s in self.old_spans])
        self.old_span_by_id = {s.pk: s for s in self.old_spans}

    def map(self, timestamp_s: float | None, scene_id: int | None) -> tuple[float | None, bool]:
        """(the time on the other cut, whether its scene was found there). Items whose scene
        is not on the other cut's timeline keep their time, clamped to that cut."""
        if timestamp_s is None:
            return None, True
        old_span = self._old_span(timestamp_s, scene_id)
        new_span = self.new_span_by_scene.get(old_span.scene_id) if old_span else None
        if new_span is None:
            return min(timestamp_s, self.to_cut.duration_s), False
        offset = max(0.0, timestamp_s - old_span.start_s)
        return round(min(new_span.start_s + offset, new_span.end_s), 3), True

    def _old_span(self, timestamp_s: float, scene_id: int | None) -> SceneSpan | None:
        old_span = self.old_span_by_id.get(self.old_locator.locate(timestamp_s))
        if scene_id is not None and (old_span is None or old_span.scene_id != scene_id):
            # The creator named another scene than the one the time falls in: trust the scene.
            old_span = next((s for s in self.old_spans if s.scene_id == scene_id), old_span)
        return old_span

    def missing_scene(self, timestamp_s: float | None, scene_id: int | None) -> int | None:
        """The scene a moment is in on the first cut when that scene is not on the other cut's
        timeline (carrying leaves such a moment where it is), else None. A moment in no scene
        (a cut without a timeline, nothing named) has none missing: it keeps its time."""
        old_span = self._old_span(timestamp_s, scene_id) if timestamp_s is not None else None
        scene = old_span.scene_id if old_span is not None else scene_id
        if scene is None or scene in self.new_span_by_scene:
            return None
        return scene


def video_source_scene_names(*, video: Video) -> list[str]:
    """The names of the scene classes read from the video's manim source files, in the order
    they are defined there (file by file): the order proposed spans are named in."""
    return list(
        Scene.objects.filter(video=video, class_line__isnull=False)
        .order_by("source_path", "class_line", "name")
        .values_list("name", flat=True)
    )
