"""The triage inbox: suggested groups of findings, accepted as errata, added to one, dismissed,
split, corrected or answered.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from errata.catalog.selectors import spoken_lines_at, video_scene_names
from errata.core.errors import ErrataConflict, error_text
from errata.findings import services as findings_services
from errata.findings.selectors import (
    INBOX_ORDERS,
    dismissed_page,
    errata_for_picker,
    finding_has_group_mates,
    finding_of_cut,
    findings_on_cut,
    inbox_group_finding_ids,
    inbox_group_members,
    inbox_page,
    inbox_tab_counts,
    reporter_name,
)
from errata.findings.services import finding_update
from errata.fixes.selectors import erratum_of_cut
from errata.fixes.teamwork import cut_visit_new_since, cut_visit_record
from errata.fixes.undo import (
    erratum_add_findings_undoable,
    erratum_create_undoable,
    finding_split_undoable,
    findings_dismiss_undoable,
)
from errata.media.selectors import sightings_for
from errata.models import Category, Comment, Cut, Erratum, Finding, Remedy, UndoRecord
from errata.reviews.services import comment_create
from errata.web.studio.access import cut_url, form_errors, member_cut, studio_view, undo_offer
from errata.web.studio.forms import AcceptForm, DismissForm, FindingEditForm, ReplyForm
from errata.web.studio.media import frame_slots


def _inbox_context(request: HttpRequest, cut: Cut) -> dict:
    params = request.POST if request.method == "POST" else request.GET
    order = params.get("order") if params.get("order") in INBOX_ORDERS else "time"
    show = "dismissed" if params.get("show") == "dismissed" else "new"
    page_number = params.get("page") or 1
    context = {
        "video": cut.video,
        "cut": cut,
        "order": order,
        "show": show,
        "tabs": inbox_tab_counts(cut=cut),
        "category_choices": Category.choices,
        "severity_choices": Erratum.Severity.choices,
        "remedy_choices": Remedy.choices,
        "scene_names": video_scene_names(video=cut.video),
        # Findings that came since the member's last visit are marked new.
        "seen_since": cut_visit_new_since(user=request.user, cut=cut, page="inbox"),
    }
    if show == "dismissed":
        context["dismissed"] = dismissed_page(cut=cut, page_number=page_number)
    else:
        page = inbox_page(
            cut=cut,
            page_number=page_number,
            order=order,
            findings_total=context["tabs"]["untriaged"],
        )
        _add_frames_and_lines(cut, [f for group in page.groups for f in group.findings])
        context["inbox"] = page
    return context


def _add_frames_and_lines(cut: Cut, findings: list) -> None:
    slots = frame_slots([(cut, finding.timestamp_s) for finding in findings])
    sightings = sightings_for(finding_ids=[finding.pk for finding in findings])
    for finding, slot in zip(findings, slots, strict=True):
        finding.frame = slot
        finding.sighting = sightings.get(finding.pk)
    _add_spoken_lines(cut, findings)


def _add_spoken_lines(cut: Cut, findings: list) -> None:
    """Each finding's spoken line (what the transcript says at its time), for the page: one
    query for the page, none for a cut without a transcript."""
    if not cut.transcript_line_count:
        return
    spoken = spoken_lines_at(cut_id=cut.pk, times=[f.timestamp_s for f in findings])
    for finding in findings:
        finding.spoken_line = spoken.get(finding.timestamp_s, "")


@studio_view
@require_GET
def inbox(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    if not request.htmx or request.htmx.boosted:
        cut_visit_record(user=request.user, cut=cut, page="inbox")  # a page load is a visit
    context = _inbox_context(request, cut)
    if request.htmx and not request.htmx.boosted:
        return render(request, "errata/studio/_inbox_list.html", context)
    return render(request, "errata/studio/inbox.html", context)


@studio_view
@require_GET
def inbox_group_more(request: HttpRequest, slug: str, number: int, key: str) -> HttpResponse:
    """More members of one inbox group (its "N more" button), in the group's time order."""
    cut = member_cut(request, slug, number)
    try:
        offset = max(0, int(request.GET.get("offset", "0")))
    except ValueError:
        return HttpResponse("offset: a whole number, please.", status=400)
    findings, more = inbox_group_members(cut=cut, key=key, offset=offset)
    _add_frames_and_lines(cut, findings)
    return render(
        request,
        "errata/studio/_group_more.html",
        {
            "video": cut.video,
            "cut": cut,
            "group_key": key,
            "findings": findings,
            "next_offset": offset + len(findings) if more else None,
            "in_group": True,
        },
    )


def inbox_done(
    request: HttpRequest,
    cut: Cut,
    *,
    notice: str = "",
    alert: str = "",
    erratum: Erratum | None = None,
    status: int = 200,
    undo: UndoRecord | None = None,
) -> HttpResponse:
    """After an inbox action: htmx gets the list again (others may have triaged meanwhile) with
    the outcome on top; a plain form post goes back to the inbox."""
    if request.htmx:
        context = _inbox_context(request, cut)
        context.update(notice=notice, alert=alert, notice_erratum=erratum, undo=undo, undo_cut=cut)
        return render(request, "errata/studio/_inbox_list.html", context, status=status)
    if alert:
        messages.error(request, alert)
    else:
        messages.success(request, notice)
    undo_offer(request, undo)
    params = request.POST
    return redirect(
        cut_url(
            "inbox",
            cut,
            page=params.get("page", ""),
            order=params.get("order", ""),
            show=params.get("show", ""),
        )
    )


def inbox_refusal(request: HttpRequest, cut: Cut, message: str) -> HttpResponse:
    """Bad input changes nothing: htmx shows why above the list and leaves the list (and what
    was typed in it) alone."""
    if request.htmx:
        response = render(request, "errata/studio/_alert.html", {"alert": message}, status=400)
        response["HX-Retarget"] = "#inbox-alert"
        response["HX-Reswap"] = "innerHTML"
        return response
    return inbox_done(request, cut, alert=message)


def _posted_finding_ids(request: HttpRequest, cut: Cut) -> list[int]:
    """The findings an action names, all of them on this cut; anything else (another cut, a
    finding carried away meanwhile) is a conflict and nothing is changed."""
    try:
        ids = {int(value) for value in request.POST.getlist("finding")}
    except ValueError:
        raise ValidationError(_("Finding ids must be numbers.")) from None
    for key in request.POST.getlist("group"):
        if not re.fullmatch(r"[gf][0-9]{1,18}", key):
            raise ValidationError(_("A group is named g<number> or f<number>."))
        members = inbox_group_finding_ids(cut=cut, key=key)
        if not members:
            raise ErrataConflict(
                "This group has no untriaged findings left on this cut; nothing was changed."
            )
        ids.update(members)
    ids = sorted(ids)
    if not ids:
        raise ValidationError(_("Choose at least one finding."))
    if len(findings_on_cut(cut=cut, ids=ids)) != len(ids):
        raise ErrataConflict(
            "Some of these findings are no longer on this cut; nothing was changed."
        )
    return ids


def _finding_on_cut(cut: Cut, pk: int) -> Finding:
    finding = finding_of_cut(cut=cut, pk=pk)
    if finding is None:
        raise Http404("No such finding on this cut.")
    return finding


@studio_view
@require_POST
def inbox_accept(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Accept a group (or any set) of untriaged findings as one new erratum, with the fields
    as prefilled or as edited."""
    cut = member_cut(request, slug, number)
    form = AcceptForm(request.POST, video=cut.video)
    if not form.is_valid():
        return inbox_refusal(request, cut, form_errors(form))
    data = form.cleaned_data
    try:
        ids = _posted_finding_ids(request, cut)
        erratum, record = erratum_create_undoable(
            finding_ids=ids,
            actor=request.user,
            title=data["title"] or None,
            category=data["category"],
            severity=data["severity"],
            remedy=data["remedy"],
            scene_id=data["scene"].pk if data["scene"] else None,
            timestamp_s=data["timestamp"],
        )
    except ValidationError as error:
        return inbox_refusal(request, cut, error_text(error))
    except ErrataConflict as error:
        return inbox_done(request, cut, alert=str(error), status=409)
    reports = ngettext("%(count)s report", "%(count)s reports", len(ids)) % {"count": len(ids)}
    return inbox_done(
        request,
        cut,
        notice=_("Erratum #%(erratum_id)s created from %(reports)s: %(title)s")
        % {"erratum_id": erratum.pk, "reports": reports, "title": erratum.title},
        erratum=erratum,
        undo=record,
    )


@studio_view
@require_http_methods(["GET", "POST"])
def inbox_add_to_erratum(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """GET: the picker of errata this group could join, nearest first. POST: join it."""
    cut = member_cut(request, slug, number)
    if request.method == "GET":
        ids = [int(v) for v in request.GET.getlist("finding") if v.isdigit()]
        if not ids and request.GET.get("group"):
            ids = inbox_group_finding_ids(cut=cut, key=request.GET["group"])
        findings = findings_on_cut(cut=cut, ids=ids)
        times = sorted(f.timestamp_s for f in findings if f.timestamp_s is not None)
        near = times[len(times) // 2] if times else None
        return render(
            request,
            "errata/studio/_add_to_erratum.html",
            {
                "video": cut.video,
                "cut": cut,
                "finding_ids": [f.pk for f in findings],
                "errata": errata_for_picker(cut=cut, near_s=near),
                "group_key": request.GET.get("group", ""),
            },
        )
    erratum = erratum_of_cut(cut=cut, pk=request.POST.get("erratum"))
    if erratum is None:
        return inbox_refusal(request, cut, "Choose an erratum of this cut.")
    try:
        ids = _posted_finding_ids(request, cut)
        added, record = erratum_add_findings_undoable(
            erratum=erratum, finding_ids=ids, actor=request.user
        )
    except ValidationError as error:
        return inbox_refusal(request, cut, error_text(error))
    except ErrataConflict as error:
        return inbox_done(request, cut, alert=str(error), status=409)
    reports = ngettext("%(count)s report", "%(count)s reports", added) % {"count": added}
    return inbox_done(
        request,
        cut,
        notice=_("Added %(reports)s to erratum #%(erratum_id)s: %(title)s")
        % {"reports": reports, "erratum_id": erratum.pk, "title": erratum.title},
        erratum=erratum,
        undo=record,
    )


@studio_view
@require_POST
def inbox_dismiss(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Dismiss findings as content (feedback, a question) or none (praise, chatter)."""
    cut = member_cut(request, slug, number)
    form = DismissForm(request.POST)
    if not form.is_valid():
        return inbox_refusal(request, cut, form_errors(form))
    try:
        ids = _posted_finding_ids(request, cut)
        dismissed, record = findings_dismiss_undoable(
            video=cut.video,
            actor=request.user,
            finding_ids=ids,
            category=form.cleaned_data["category"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        return inbox_refusal(request, cut, error_text(error))
    except ErrataConflict as error:
        return inbox_done(request, cut, alert=str(error), status=409)
    label = Category(form.cleaned_data["category"]).label.lower()
    findings = ngettext("%(count)s finding", "%(count)s findings", dismissed) % {"count": dismissed}
    return inbox_done(
        request,
        cut,
        notice=_("Dismissed %(findings)s as %(label)s.") % {"findings": findings, "label": label},
        undo=record,
    )


@studio_view
@require_POST
def finding_split(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    """This finding is not the same problem as the rest of its group."""
    cut = member_cut(request, slug, number)
    finding = _finding_on_cut(cut, pk)
    if finding.state != Finding.State.NEW:
        return inbox_done(request, cut, alert=_("This finding was already triaged."), status=409)
    if not finding_has_group_mates(finding=finding):
        return inbox_refusal(request, cut, "This finding is already on its own.")
    record = finding_split_undoable(finding=finding, actor=request.user)
    return inbox_done(
        request, cut, notice=_("Split out of its group: now a group of its own."), undo=record
    )


@studio_view
@require_http_methods(["GET", "POST"])
def finding_edit(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    """Correct a finding's category, scene or time (GET: the form, in place)."""
    cut = member_cut(request, slug, number)
    finding = _finding_on_cut(cut, pk)
    if request.method == "GET":
        form = FindingEditForm(
            video=cut.video,
            initial={
                "category": finding.category,
                "scene": finding.scene.name if finding.scene_id else "",
                "timestamp": finding.timestamp_s,
            },
        )
        return render(
            request,
            "errata/studio/_finding_edit.html",
            {"video": cut.video, "cut": cut, "finding": finding, "form": form},
        )
    form = FindingEditForm(request.POST, video=cut.video)
    if not form.is_valid():
        return inbox_refusal(request, cut, form_errors(form))
    data = form.cleaned_data
    try:
        finding_update(
            finding=finding,
            category=data["category"] or None,
            scene_id=data["scene"].pk if data["scene"] else None,
            clear_scene=data["scene"] is None,
            timestamp_s=data["timestamp"],
        )
    except ValidationError as error:
        return inbox_refusal(request, cut, error_text(error))
    return inbox_done(request, cut, notice=_("Finding updated."))


@studio_view
@require_http_methods(["GET", "POST"])
def finding_reply(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    """Reply to the person who wrote a finding's comment, as the creator."""
    cut = member_cut(request, slug, number)
    finding = _finding_on_cut(cut, pk)
    if request.method == "GET":
        return render(
            request,
            "errata/studio/_reply_form.html",
            {
                "video": cut.video,
                "cut": cut,
                "finding": finding,
                "form": ReplyForm(),
                "reporter": reporter_name(finding.comment),
            },
        )
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return inbox_refusal(request, cut, form_errors(form))
    try:
        comment_create(
            cut=cut,
            text=form.cleaned_data["text"],
            author_name=str(request.user),
            author_role=Comment.Role.CREATOR,
            parent=finding.comment,
            source=Comment.Source.WEB,
        )
    except ValidationError as error:
        return inbox_refusal(request, cut, error_text(error))
    return inbox_done(
        request,
        cut,
        notice=_("Reply posted to %(comment)s.") % {"comment": reporter_name(finding.comment)},
    )


@studio_view
@require_POST
def finding_restore(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    cut = member_cut(request, slug, number)
    finding = _finding_on_cut(cut, pk)
    try:
        findings_services.finding_restore(finding=finding)
    except ErrataConflict as error:
        return inbox_done(request, cut, alert=str(error), status=409)
    return inbox_done(request, cut, notice=_("Restored to the inbox."))
