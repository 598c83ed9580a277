"""Reads of errata: the board, an erratum's page, merge targets, and a cut's errata for exports."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext

from errata.catalog.selectors import CutTimeMap
from errata.core.queries import count_subquery
from errata.models import STATUS_ORDER, Cut, Erratum, ErratumEvent, Finding, MeToo, SceneSpan, Video


@dataclass(frozen=True)
class BoardFilters:
    category: str = ""
    status: str = ""
    severity: str = ""
    remedy: str = ""
    # "me" (the member looking) or "nobody".
    assignee: str = ""

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass
class BoardSection:
    """Errata under one heading: a scene (with its span) or a status."""

    title: str
    span: tuple[float, float] | None
    errata: list[Erratum]


@dataclass
class BoardPage:
    sections: list[BoardSection]
    page: Page
    status_counts: dict[str, int]


BOARD_VIEWS = ("scene", "status")


def board_errata(*, cut: Cut, filters: BoardFilters, viewer=None) -> QuerySet[Erratum]:
    """A cut's errata with everything a board row shows: its scene and where that scene sits on
    this cut, how many reports and me-toos it has, the cut that fixed it and who deals with it.
    `viewer` is whom the "assigned to me" filter means."""
    errata = Erratum.objects.filter(cut=cut, merged_into__isnull=True)
    for name in ("category", "status", "severity", "remedy"):
        value = getattr(filters, name)
        if value:
            errata = errata.filter(**{name: value})
    if filters.assignee == "me":
        errata = errata.filter(assignee_id=getattr(viewer, "pk", None))
    elif filters.assignee == "nobody":
        errata = errata.filter(assignee__isnull=True)
    scene_span = SceneSpan.objects.filter(cut=cut, scene=OuterRef("scene")).order_by("start_s")
    return errata.select_related("scene", "fixed_in_cut", "assignee").annotate(
        report_count=count_subquery(Finding.objects.filter(erratum=OuterRef("pk")), by="erratum"),
        me_too_count=count_subquery(
            MeToo.objects.filter(finding__erratum=OuterRef("pk")), by="finding__erratum"
        ),
        scene_start=Subquery(scene_span.values("start_s")[:1]),
        scene_end=Subquery(scene_span.values("end_s")[:1]),
    )


def board_page(
    *,
    cut: Cut,
    filters: BoardFilters,
    view: str = "scene",
    page_number: int | str | None = 1,
    per_page: int = 100,
    viewer=None,
) -> BoardPage:
    """The errata board: by scene in timeline order (errata without a scene last), or by
    status in the order of an erratum's life. Four queries whatever the number of errata."""
    errata = board_errata(cut=cut, filters=filters, viewer=viewer)
    if view == "status":
        rank = Case(
            *(When(status=status, then=Value(i)) for i, status in enumerate(STATUS_ORDER)),
            output_field=IntegerField(),
        )
        errata = errata.annotate(status_rank=rank).order_by(
            "status_rank", F("timestamp_s").asc(nulls_last=True), "pk"
        )
    else:
        errata = errata.order_by(
            F("scene_start").asc(nulls_last=True),
            "scene__name",
            F("timestamp_s").asc(nulls_last=True),
            "pk",
        )
    page = Paginator(errata, per_page).get_page(page_number)

    sections: list[BoardSection] = []
    for erratum in page.object_list:
        if view == "status":
            title, span = erratum.get_status_display(), None
        elif erratum.scene_id is None:
            title, span = gettext("No scene"), None
        else:
            title = erratum.scene.name
            span = (
                (erratum.scene_start, erratum.scene_end)
                if erratum.scene_start is not None
                else None
            )
        if not sections or sections[-1].title != title:
            sections.append(BoardSection(title=title, span=span, errata=[]))
        sections[-1].errata.append(erratum)

    return BoardPage(sections=sections, page=page, status_counts=board_status_counts(cut=cut))


def board_status_counts(*, cut: Cut) -> dict[str, int]:
    """The board's status chips, whatever the filters (one query): the board and the counts
    its pages poll for show the same numbers."""
    status_counts = dict.fromkeys(STATUS_ORDER, 0)
    for status, n in (
        Erratum.objects.filter(cut=cut, merged_into__isnull=True)
        .order_by()
        .values_list("status")
        .annotate(n=Count("*"))
    ):
        status_counts[status] = n
    return status_counts


def erratum_for_member(*, video: Video, pk: int) -> Erratum | None:
    # The erratum page shows its scene, the cuts it was found, carried and fixed in, and where it
    # was merged.
    erratum = (
        Erratum.objects.filter(video=video, pk=pk)
        .select_related(
            "scene", "cut", "found_in_cut", "fixed_in_cut", "merged_into", "created_by", "assignee"
        )
        .first()
    )
    if erratum is not None:
        erratum.video = video
        erratum.cut.video = video
    return erratum


def erratum_reports(*, erratum: Erratum) -> list[Finding]:
    # Every report of an erratum with its comment, its author (and their account, for the
    # picture Patreon gave them) and the people who said "me too".
    return list(
        Finding.objects.filter(erratum=erratum)
        .select_related("comment", "comment__reviewer__user", "cut", "scene", "suggested_scene")
        .prefetch_related(
            Prefetch("me_toos", queryset=MeToo.objects.select_related("reviewer").order_by("pk"))
        )
        .order_by(F("timestamp_s").asc(nulls_last=True), "pk")
    )


def erratum_history(*, erratum: Erratum) -> list[ErratumEvent]:
    # The history list names who made each change.
    return list(ErratumEvent.objects.filter(erratum=erratum).select_related("actor"))


def erratum_scene_span(*, erratum: Erratum) -> SceneSpan | None:
    if erratum.scene_id is None:
        return None
    return (
        SceneSpan.objects.filter(cut_id=erratum.cut_id, scene_id=erratum.scene_id)
        .order_by("start_s")
        .first()
    )


def errata_merge_targets(*, erratum: Erratum) -> QuerySet[Erratum]:
    """What an erratum can be merged into: the other live errata on the same cut."""
    return (
        Erratum.objects.filter(cut_id=erratum.cut_id, merged_into__isnull=True)
        .exclude(pk=erratum.pk)
        .order_by(F("timestamp_s").asc(nulls_last=True), "pk")
    )


def errata_of_cut(*, cut: Cut) -> QuerySet[Erratum]:
    """Every erratum whose time refers to this cut, except the redirects merges leave."""
    # The exports print the scene (name, source file) and the cuts by number for each erratum.
    return (
        Erratum.objects.filter(cut=cut, merged_into__isnull=True)
        .select_related("scene", "found_in_cut", "fixed_in_cut")
        .order_by("timestamp_s", "id")
    )


def erratum_finding(*, erratum: Erratum, pk: int) -> Finding | None:
    return Finding.objects.filter(pk=pk, erratum=erratum).first()


def erratum_of_cut(*, cut: Cut, pk: int | str | None) -> Erratum | None:
    try:
        pk = int(pk or 0)
    except (TypeError, ValueError):
        return None
    return Erratum.objects.filter(pk=pk, cut=cut).first()


@dataclass(frozen=True)
class ErratumMoment:
    """The erratum's moment on one cut: where it was found, or where it was fixed."""

    label: str
    cut: Cut
    timestamp_s: float | None


def erratum_moments(*, erratum: Erratum) -> list[ErratumMoment]:
    """The erratum's moment in the cut it was found in and, once fixed, in the cut it was fixed
    in, mapped from its current cut by scene-relative offset (as errata are carried), so the
    erratum page can show the two frames side by side."""
    wanted = [(gettext("Found in"), erratum.found_in_cut)]
    if erratum.fixed_in_cut_id and erratum.fixed_in_cut_id != erratum.found_in_cut_id:
        wanted.append((gettext("Fixed in"), erratum.fixed_in_cut))
    moments = []
    for label, cut in wanted:
        if cut.pk == erratum.cut_id:
            at = erratum.timestamp_s
        else:
            at, _ = CutTimeMap(from_cut=erratum.cut, to_cut=cut).map(
                erratum.timestamp_s, erratum.scene_id
            )
        moments.append(ErratumMoment(label=f"{label} cut {cut.number}", cut=cut, timestamp_s=at))
    return moments
