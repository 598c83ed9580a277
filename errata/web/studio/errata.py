"""The errata board and an erratum's page: edit, status, merge, take a report back out."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from errata.catalog.selectors import spoken_lines_at, video_latest_cut, video_scene_names
from errata.core.errors import ErrataConflict, error_text
from errata.findings.selectors import errata_for_picker, inbox_tab_counts
from errata.fixes.selectors import (
    BOARD_VIEWS,
    BoardFilters,
    board_page,
    board_status_counts,
    errata_merge_targets,
    erratum_finding,
    erratum_for_member,
    erratum_history,
    erratum_moments,
    erratum_reports,
    erratum_scene_span,
)
from errata.fixes.services import (
    STATUS_TRANSITIONS,
    erratum_update,
    finding_remove_from_erratum,
)
from errata.fixes.teamwork import (
    cut_visit_new_since,
    cut_visit_record,
    erratum_assign,
    erratum_note_create,
    erratum_notes,
    team_members_of_video,
)
from errata.fixes.undo import erratum_merge_undoable, erratum_transition_undoable
from errata.media.selectors import (
    erratum_fix_checks,
    erratum_sighting,
    fix_check_crop,
    still_on_screen,
)
from errata.media.serving import stored_file_response
from errata.models import STATUS_ORDER, Category, Cut, Erratum, Remedy, UndoRecord
from errata.web.studio.access import (
    form_errors,
    member_cut,
    member_video,
    studio_view,
    undo_offer,
)
from errata.web.studio.forms import (
    ErratumEditForm,
    ErratumMergeForm,
    ErratumNoteForm,
    ErratumQuickForm,
    ErratumStatusForm,
    mark_invalid,
)
from errata.web.studio.media import frame_slots

BOARD_FILTER_CHOICES = {
    "category": Category.choices,
    "status": [(s.value, s.label) for s in STATUS_ORDER],
    "severity": Erratum.Severity.choices,
    "remedy": Remedy.choices,
    "assignee": [("me", gettext_lazy("me")), ("nobody", gettext_lazy("nobody"))],
}


def _board_filters(params: QueryDict) -> BoardFilters:
    values = {}
    for name, choices in BOARD_FILTER_CHOICES.items():
        value = params.get(name, "")
        # An unknown value (an old bookmark) is ignored rather than showing an empty board.
        values[name] = value if value in {c for c, _ in choices} else ""
    return BoardFilters(**values)


def _board_context(request: HttpRequest, cut, params: QueryDict, **extra) -> dict:
    """The board as its query string asks for it: filters, view (by scene / by status), page."""
    filters = _board_filters(params)
    view = params.get("view") if params.get("view") in BOARD_VIEWS else "scene"
    board = board_page(
        cut=cut,
        filters=filters,
        view=view,
        page_number=params.get("page") or 1,
        viewer=request.user,
    )
    context = {
        "video": cut.video,
        "cut": cut,
        "filters": filters,
        "view": view,
        "board": _with_screen_flags(board),
        "filter_choices": BOARD_FILTER_CHOICES,
        "latest_cut": video_latest_cut(video_id=cut.video_id),
        "members": list(team_members_of_video(video_id=cut.video_id)),
        "severity_choices": Erratum.Severity.choices,
        "query": urlencode({**filters.as_query(), "view": view}),
        # Errata made or changed since the member's last visit are marked (a page load records
        # a visit and replaces this; htmx refreshes keep the marks).
        "seen_since": (
            extra.pop("seen_since")
            if "seen_since" in extra
            else cut_visit_new_since(user=request.user, cut=cut, page="board")
        ),
    }
    context.update(extra)
    return context


def _board_params_of_page(request: HttpRequest) -> QueryDict:
    """The board's own query string (filters, view, page) when a row's quick action posts from
    it: htmx sends the page's URL, so the list comes back as the creator was looking at it."""
    current = request.headers.get("HX-Current-URL", "")
    return QueryDict(urlsplit(current).query)


@studio_view
@require_GET
def board(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    if request.htmx and not request.htmx.boosted:
        context = _board_context(request, cut, request.GET)
        return render(request, "errata/studio/_board_list.html", context)
    # A page load is a visit: errata made or changed since the one before are marked.
    seen_since = cut_visit_record(user=request.user, cut=cut, page="board")
    context = _board_context(request, cut, request.GET, seen_since=seen_since)
    return render(request, "errata/studio/board.html", context)


@studio_view
@require_GET
def board_counts(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The board's and inbox's counts, polled every few seconds so a teammate's work shows.
    Two small queries; an unchanged answer is a 304 (the browser revalidates by ETag)."""
    cut = member_cut(request, slug, number)
    response = render(
        request,
        "errata/studio/_board_counts.html",
        {
            "video": cut.video,
            "cut": cut,
            "status_counts": board_status_counts(cut=cut),
            "tabs": inbox_tab_counts(cut=cut),
        },
    )
    etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
    response["ETag"] = etag
    # Revalidated each time (never served stale), and only this member's browser keeps it.
    response["Cache-Control"] = "private, no-cache"
    if etag in request.headers.get("If-None-Match", ""):
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        not_modified["Cache-Control"] = response["Cache-Control"]
        return not_modified
    return response


@studio_view
@require_POST
def erratum_quick(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One field of an erratum set in place: severity (keys 1-4), assignee or title, from the
    board (the list comes back, the row focused) or the inbox's notice after an accept."""
    erratum = _erratum(request, slug, pk)
    form = ErratumQuickForm(request.POST, members=team_members_of_video(video_id=erratum.video_id))
    if not form.is_valid():
        return _quick_refused(request, erratum, form_errors(form), 400)
    data = form.cleaned_data
    try:
        if "assignee" in request.POST:
            erratum = erratum_assign(erratum=erratum, assignee=data["assignee"], actor=request.user)
        fields = {name: data[name] for name in ("severity", "title") if request.POST.get(name)}
        if fields:
            erratum = erratum_update(erratum=erratum, actor=request.user, **fields)
    except ErrataConflict as error:
        return _quick_refused(request, erratum, str(error), 409)
    except ValidationError as error:
        return _quick_refused(request, erratum, error_text(error), 400)
    notice = _("Erratum #%(pk)s saved") % {"pk": erratum.pk}
    if request.POST.get("from") == "board" and request.htmx:
        return _board_list_response(request, erratum, notice)
    if request.htmx:
        return render(
            request,
            "errata/studio/_title_saved.html",
            {"video": erratum.video, "erratum": erratum, "notice": notice},
        )
    messages.success(request, notice + ".")
    if request.POST.get("from") == "board":
        return redirect("errata:studio:board", slug, erratum.cut.number)
    return redirect("errata:studio:erratum", slug, erratum.pk)


def _board_list_response(
    request: HttpRequest, erratum: Erratum, notice: str, undo: UndoRecord | None = None
) -> HttpResponse:
    # The whole list again, not just the row: the status chips change and, by status, the row
    # moves to its new section. The row acted on takes the focus (studio.js).
    cut = Cut.objects.select_related("video").get(pk=erratum.cut_id)
    response = render(
        request,
        "errata/studio/_board_list.html",
        _board_context(
            request,
            cut,
            _board_params_of_page(request),
            notice=notice,
            acted_on=erratum.pk,
            undo=undo,
        ),
    )
    response["HX-Retarget"] = "#board-list"
    response["HX-Reswap"] = "outerHTML"
    return response


def _quick_refused(request: HttpRequest, erratum: Erratum, message: str, status: int):
    if request.htmx:
        response = render(request, "errata/studio/_alert.html", {"alert": message}, status=status)
        if request.POST.get("from") == "board":
            response["HX-Retarget"] = "#board-alert"
            response["HX-Reswap"] = "innerHTML"
        return response
    messages.error(request, message)
    return redirect("errata:studio:erratum", erratum.video.slug, erratum.pk)


def _with_screen_flags(board):
    """Flag the board's errata still on screen in a later cut (frame checks), in one query."""
    errata = [erratum for section in board.sections for erratum in section.errata]
    flags = still_on_screen(erratum_ids=[erratum.pk for erratum in errata])
    for erratum in errata:
        erratum.still_on_screen_in = flags.get(erratum.pk)
    return board


def _erratum(request: HttpRequest, slug: str, pk: int) -> Erratum:
    erratum = erratum_for_member(video=member_video(request, slug), pk=pk)
    if erratum is None:
        raise Http404("No such erratum.")
    return erratum


def _add_drawn_frames(erratum: Erratum, reports: list) -> None:
    """The frame under each report's drawing (issue 15): the report's moment on the erratum's
    cut, which carrying moved scene by scene with the erratum."""
    drawn = [f for f in reports if f.comment.drawing and f.cut_id == erratum.cut_id]
    slots = frame_slots([(erratum.cut, f.timestamp_s) for f in drawn])
    for finding, slot in zip(drawn, slots, strict=True):
        finding.frame = slot


def _erratum_context(erratum: Erratum, **extra) -> dict:
    video = erratum.video
    moments = erratum_moments(erratum=erratum)
    slots = frame_slots([(moment.cut, moment.timestamp_s) for moment in moments])
    context = {
        # The same moment where it was found and where it was fixed, side by side.
        "moments": list(zip(moments, slots, strict=True)),
        "video": video,
        "cut": erratum.cut,
        "erratum": erratum,
        "reports": (reports := erratum_reports(erratum=erratum)),
        "sighting": erratum_sighting(erratum_id=erratum.pk),
        "fix_checks": erratum_fix_checks(erratum_id=erratum.pk),
        "history": erratum_history(erratum=erratum),
        "span": erratum_scene_span(erratum=erratum),
        "edit_form": ErratumEditForm(video=video, initial=ErratumEditForm.initial_for(erratum)),
        "status_form": ErratumStatusForm(
            video=video,
            initial={
                "fixed_in_cut": video_latest_cut(video_id=video.pk),
                "version": erratum.version,
                "fix_note": erratum.fix_note,
            },
        ),
        "merge_form": ErratumMergeForm(targets=errata_merge_targets(erratum=erratum)),
        "merge_suggestions": errata_for_picker(
            cut=erratum.cut, near_s=erratum.timestamp_s, exclude=erratum
        ),
        "scene_names": video_scene_names(video=video),
        "notes": erratum_notes(erratum=erratum),
        "note_form": ErratumNoteForm(),
        "members": list(team_members_of_video(video_id=video.pk)),
        "spoken_line": (
            spoken_lines_at(cut_id=erratum.cut_id, times=[erratum.timestamp_s]).get(
                erratum.timestamp_s, ""
            )
            if erratum.cut.transcript_line_count
            else ""
        ),
        "next_statuses": [
            (status, Erratum.Status(status).label)
            for status in STATUS_ORDER
            if status in STATUS_TRANSITIONS[erratum.status]
        ],
    }
    _add_drawn_frames(erratum, reports)
    context.update(extra)
    return context


def _erratum_page(
    request: HttpRequest, erratum: Erratum, *, alert: str = "", status: int = 200, **forms
) -> HttpResponse:
    """The erratum page again, with what went wrong and the forms as they were typed."""
    erratum = erratum_for_member(video=erratum.video, pk=erratum.pk)
    context = _erratum_context(erratum, alert=alert, **forms)
    template = "errata/studio/_erratum_body.html" if request.htmx else "errata/studio/erratum.html"
    return render(request, template, context, status=status)


def _erratum_done(
    request: HttpRequest, erratum: Erratum, notice: str, undo: UndoRecord | None = None
) -> HttpResponse:
    if request.htmx:
        return _erratum_page(request, erratum, notice=notice, undo=undo)
    messages.success(request, notice)
    undo_offer(request, undo)
    return redirect("errata:studio:erratum", erratum.video.slug, erratum.pk)


@studio_view
@require_GET
def erratum(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    erratum = _erratum(request, slug, pk)
    if erratum.merged_into_id:
        messages.info(
            request,
            _("Erratum #%(erratum_id)s was merged into this one.") % {"erratum_id": erratum.pk},
        )
        return redirect("errata:studio:erratum", slug, erratum.merged_into_id)
    return render(request, "errata/studio/erratum.html", _erratum_context(erratum))


@studio_view
@require_POST
def erratum_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    erratum = _erratum(request, slug, pk)
    form = ErratumEditForm(request.POST, video=erratum.video)
    if not form.is_valid():
        return _erratum_page(request, erratum, status=400, edit_form=form)
    data = form.cleaned_data
    try:
        erratum_update(
            erratum=erratum,
            actor=request.user,
            expected_version=data["version"],
            title=data["title"],
            description=data["description"],
            category=data["category"],
            severity=data["severity"],
            remedy=data["remedy"],
            scene=data["scene"],
            timestamp_s=data["timestamp"],
            fix_note=data["fix_note"],
            corrected_line=data["corrected_line"],
            correction_wrong=data["correction_wrong"],
            correction_right=data["correction_right"],
        )
    except ErrataConflict as error:
        return _erratum_page(request, erratum, alert=str(error), status=409, edit_form=form)
    except ValidationError as error:
        return _erratum_page(request, erratum, alert=error_text(error), status=400, edit_form=form)
    return _erratum_done(request, erratum, "Saved.")


@studio_view
@require_POST
def erratum_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Move an erratum along the fix loop: accepted, fixed in a cut, verified, or closed as
    wontfix / not_an_error with a reason. The board's quick buttons post here too."""
    erratum = _erratum(request, slug, pk)
    from_board = request.POST.get("from") == "board"
    form = ErratumStatusForm(request.POST, video=erratum.video)
    if not form.is_valid():
        return _status_refused(request, erratum, form_errors(form), 400, from_board, form)
    data = form.cleaned_data
    try:
        changed, record = erratum_transition_undoable(
            erratum=erratum,
            status=data["status"],
            actor=request.user,
            fixed_in_cut=data["fixed_in_cut"],
            reason=data["reason"],
            fix_note=data["fix_note"] if "fix_note" in request.POST else None,
            expected_version=data["version"],
        )
    except ErrataConflict as error:
        return _status_refused(request, erratum, str(error), 409, from_board, form)
    except ValidationError as error:
        for field, errors in getattr(error, "error_dict", {}).items():
            form.add_error(field if field in form.fields else None, errors)
        return _status_refused(request, erratum, error_text(error), 400, from_board, form)
    notice = _("Erratum #%(pk)s is now %(status)s") % {
        "pk": changed.pk,
        "status": changed.get_status_display().lower(),
    }
    if changed.status in (Erratum.Status.FIXED, Erratum.Status.VERIFIED):
        notice += f" (fixed in cut {changed.fixed_in_cut.number})"
    if from_board and request.htmx:
        return _board_list_response(request, changed, notice, undo=record)
    if from_board:
        messages.success(request, notice + ".")
        undo_offer(request, record)
        return redirect("errata:studio:board", slug, changed.cut.number)
    return _erratum_done(request, changed, notice + ".", undo=record)


def _status_refused(
    request: HttpRequest, erratum: Erratum, message: str, status: int, from_board: bool, form
) -> HttpResponse:
    if from_board:
        if request.htmx:
            response = render(
                request, "errata/studio/_alert.html", {"alert": message}, status=status
            )
            response["HX-Retarget"] = "#board-alert"
            response["HX-Reswap"] = "innerHTML"
            return response
        messages.error(request, message)
        return redirect("errata:studio:board", erratum.video.slug, erratum.cut.number)
    if form.errors and not form.non_field_errors():
        # Said beside the field it is about (and focused there), not at the top of the page.
        message = ""
    return _erratum_page(
        request, erratum, alert=message, status=status, status_form=mark_invalid(form)
    )


@studio_view
@require_POST
def erratum_note(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A post in the team's discussion of an erratum (never shown to patrons)."""
    erratum = _erratum(request, slug, pk)
    form = ErratumNoteForm(request.POST)
    if form.is_valid():
        try:
            erratum_note_create(
                erratum=erratum, author=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            for field, errors in getattr(error, "error_dict", {"text": [error]}).items():
                form.add_error(field, errors)
    if form.errors:
        return _erratum_page(request, erratum, status=400, note_form=mark_invalid(form))
    return _erratum_done(request, erratum, _("Posted to the discussion."))


@studio_view
@require_POST
def erratum_merge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Merge this erratum into another (a duplicate found late): its reports move there."""
    erratum = _erratum(request, slug, pk)
    form = ErratumMergeForm(request.POST, targets=errata_merge_targets(erratum=erratum))
    if not form.is_valid():
        return _erratum_page(request, erratum, alert=form_errors(form), status=400, merge_form=form)
    try:
        target, record = erratum_merge_undoable(
            source=erratum, target=form.cleaned_data["target"], actor=request.user
        )
    except ErrataConflict as error:
        return _erratum_page(request, erratum, alert=str(error), status=409, merge_form=form)
    except ValidationError as error:
        return _erratum_page(request, erratum, alert=error_text(error), status=400, merge_form=form)
    messages.success(
        request, _("Erratum #%(erratum_id)s was merged into this one.") % {"erratum_id": erratum.pk}
    )
    undo_offer(request, record)
    url = reverse("errata:studio:erratum", args=[slug, target.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@studio_view
@require_POST
def erratum_remove_finding(
    request: HttpRequest, slug: str, pk: int, finding_pk: int
) -> HttpResponse:
    """Take a report back out of an erratum: it returns to the inbox."""
    erratum = _erratum(request, slug, pk)
    finding = erratum_finding(erratum=erratum, pk=finding_pk)
    if finding is None:
        return _erratum_page(
            request, erratum, alert=_("That report is no longer in this erratum."), status=409
        )
    try:
        finding_remove_from_erratum(finding=finding, actor=request.user)
    except ErrataConflict as error:
        return _erratum_page(request, erratum, alert=str(error), status=409)
    return _erratum_done(request, erratum, "The report is back in the inbox.")


@studio_view
@require_GET
def fix_check_image(request: HttpRequest, slug: str, pk: int, check_pk: int, which: str):
    """A crop of a fix check: the reported text in the earlier cut ("before") and the same
    place in the later one ("after")."""
    erratum = _erratum(request, slug, pk)
    crop = fix_check_crop(erratum_id=erratum.pk, pk=check_pk, which=which)
    if which not in {"before", "after"} or crop is None:
        raise Http404("No such crop.")
    return stored_file_response(request, crop, content_type="image/jpeg")
