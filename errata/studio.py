"""The creator studio: a team's videos and cuts, the triage inbox, the errata board, an
erratum's page, scenes and timelines, and the fix loop.

Small view functions over services (writes) and selectors (reads). Every page is scoped to the
signed-in user's teams: another team's video is a 404, and someone in no team (a patron who
signed in) is refused with a 403. htmx requests get a fragment; a plain form post is redirected
back with a message, so every action also works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from errata import notifications, selectors, services
from errata.importers import (
    ManimSourceError,
    TimelineFileError,
    manim_scenes_read,
    timeline_entries_read,
)
from errata.models import Category, Comment, Cut, Erratum, Finding, Remedy, SceneSpan, Video
from errata.studio_forms import (
    AcceptForm,
    CarryForm,
    CutForm,
    DigestForm,
    DismissForm,
    ErratumEditForm,
    ErratumMergeForm,
    ErratumStatusForm,
    FindingEditForm,
    ManimSourceForm,
    ReplyForm,
    ReviewLinkForm,
    SpanForm,
    TimelineUploadForm,
    scene_by_name,
)
from errata.triage.timestamps import format_time

# --- Access ---------------------------------------------------------------------------------------


def studio_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Team members only. Anonymous visitors are sent to sign in; a signed-in user in no team
    (a patron with an account) is refused with a 403 page."""

    @wraps(view)
    def member_only(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not selectors.studio_member(user=request.user):
            return render(request, "errata/studio/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(member_only)


def _video(request: HttpRequest, slug: str) -> Video:
    video = selectors.video_for_member(user=request.user, slug=slug)
    if video is None:
        # The same answer whether the video exists on another team or not at all.
        raise Http404("No such video in your teams.")
    return video


def _cut(request: HttpRequest, slug: str, number: int) -> Cut:
    cut = selectors.cut_of_video(video=_video(request, slug), number=number)
    if cut is None:
        raise Http404("No such cut.")
    return cut


def _messages_of(error: ValidationError | Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _form_errors(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = ""
        if name in form.fields:
            label = form.fields[name].label or name.replace("_", " ").capitalize()
        parts += [f"{label}: {error}" if label else str(error) for error in errors]
    return " ".join(parts)


def _cut_url(name: str, cut: Cut, **query: str) -> str:
    """A page of the cut, keeping the parameters that differ from the page's defaults."""
    url = reverse(f"errata:studio:{name}", args=[cut.video.slug, cut.number])
    defaults = {"page": "1", "order": "time", "show": "new"}
    query = {k: v for k, v in query.items() if v and v != defaults.get(k)}
    return f"{url}?{urlencode(query)}" if query else url


# --- Videos and cuts ------------------------------------------------------------------------------


@studio_view
@require_GET
def videos(request: HttpRequest) -> HttpResponse:
    return render(
        request, "errata/studio/videos.html", {"videos": selectors.video_list(user=request.user)}
    )


@studio_view
@require_GET
def video(request: HttpRequest, slug: str) -> HttpResponse:
    video = _video(request, slug)
    return render(
        request,
        "errata/studio/video.html",
        {
            "video": video,
            "cuts": selectors.video_cuts(video=video),
            "scene_count": video.scenes.count(),
        },
    )


@studio_view
@require_GET
def cut(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = _cut(request, slug, number)
    return render(request, "errata/studio/cut.html", _cut_context(cut))


def _cut_context(cut: Cut, **extra) -> dict:
    context = {
        "video": cut.video,
        "cut": selectors.cut_with_counts(cut=cut),
        "review_links": selectors.cut_review_links(cut=cut),
        "carry_form": CarryForm(cut=cut),
        "review_link_form": ReviewLinkForm(),
        "site_url": settings.SITE_URL,
        "has_other_cuts": Cut.objects.filter(video_id=cut.video_id).exclude(pk=cut.pk).exists(),
        "span_count": cut.spans.count(),
    }
    context.update(extra)
    return context


@studio_view
@require_http_methods(["GET", "POST"])
def cut_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Add the next cut (v2...), with its timeline, carrying the open errata of an earlier one."""
    video = _video(request, slug)
    latest = Cut.objects.filter(video=video).order_by("-number").first()
    initial = {"carry_from": latest, "fps": video.fps}
    if latest is not None:
        initial["duration"] = latest.duration_s
    form = CutForm(request.POST or None, request.FILES or None, video=video, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entries = None
        upload = data.get("timeline")
        if upload:
            try:
                entries = timeline_entries_read(
                    upload.text, filename=upload.name, fps=float(data["fps"] or video.fps)
                )
            except TimelineFileError as error:
                form.add_error("timeline", str(error))
        if form.is_valid():
            try:
                result = services.cut_create(
                    video=video,
                    duration_s=data["duration"],
                    label=data["label"],
                    fps=data["fps"],
                    media_url=data["media_url"],
                    media_file=data.get("media_file"),
                    timeline_entries=entries,
                    carry_from=data["carry_from"],
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error(None, _messages_of(error))
            else:
                messages.success(request, _cut_created_message(result))
                return redirect("errata:studio:cut", video.slug, result.cut.number)
    status = 400 if form.errors else 200
    return render(
        request, "errata/studio/cut_new.html", {"video": video, "form": form}, status=status
    )


def _cut_created_message(result: services.CutCreateResult) -> str:
    parts = [f"Cut {result.cut.number} added"]
    if result.timeline:
        parts.append(f"with {result.timeline.spans} scene spans")
    message = " ".join(parts) + "."
    if result.carried:
        message += " " + _carried_message(result.carried)
    return message


def _carried_message(carried: services.CarryResult) -> str:
    message = (
        f"Carried {carried.errata} open errata and {carried.findings} findings to the new "
        "timeline by scene."
    )
    if carried.without_scene:
        message += f" {carried.without_scene} had no scene on the new timeline and kept their time."
    return message


@studio_view
@require_POST
def cut_carry(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = _cut(request, slug, number)
    form = CarryForm(request.POST, cut=cut)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("errata:studio:cut", slug, number)
    try:
        carried = services.errata_carry_to_cut(
            from_cut=form.cleaned_data["from_cut"], to_cut=cut, actor=request.user
        )
    except (ValidationError, services.ErrataConflict) as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, _carried_message(carried))
    return redirect("errata:studio:cut", slug, number)


@studio_view
@require_POST
def review_link_new(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Make a private review link to this cut (any member of the team may)."""
    cut = _cut(request, slug, number)
    form = ReviewLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("errata:studio:cut", slug, number)
    try:
        link = services.review_link_create(cut=cut, created_by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, f"Review link made: {settings.SITE_URL}{link.get_absolute_url()}")
    return redirect("errata:studio:cut", slug, number)


@studio_view
@require_POST
def review_link_revoke(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    """Revoke one of this cut's review links; it stops working at once."""
    cut = _cut(request, slug, number)
    link = cut.review_links.filter(pk=pk).first()
    if link is None:
        raise Http404("No such review link on this cut.")
    if services.review_link_revoke(review_link=link):
        messages.success(request, f"Revoked “{link.label or 'review link'}”: it no longer opens.")
    else:
        messages.info(request, "That link was already revoked.")
    return redirect("errata:studio:cut", slug, number)


# --- The triage inbox -----------------------------------------------------------------------------


def _inbox_context(request: HttpRequest, cut: Cut) -> dict:
    params = request.POST if request.method == "POST" else request.GET
    order = params.get("order") if params.get("order") in selectors.INBOX_ORDERS else "time"
    show = "dismissed" if params.get("show") == "dismissed" else "new"
    page_number = params.get("page") or 1
    context = {
        "video": cut.video,
        "cut": cut,
        "order": order,
        "show": show,
        "tabs": selectors.inbox_tab_counts(cut=cut),
        "category_choices": Category.choices,
        "severity_choices": Erratum.Severity.choices,
        "remedy_choices": Remedy.choices,
        "scene_names": selectors.video_scene_names(video=cut.video),
    }
    if show == "dismissed":
        context["dismissed"] = selectors.dismissed_page(cut=cut, page_number=page_number)
    else:
        context["inbox"] = selectors.inbox_page(cut=cut, page_number=page_number, order=order)
    return context


@studio_view
@require_GET
def inbox(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = _cut(request, slug, number)
    context = _inbox_context(request, cut)
    if request.htmx and not request.htmx.boosted:
        return render(request, "errata/studio/_inbox_list.html", context)
    return render(request, "errata/studio/inbox.html", context)


def _inbox_done(
    request: HttpRequest,
    cut: Cut,
    *,
    notice: str = "",
    alert: str = "",
    erratum: Erratum | None = None,
    status: int = 200,
) -> HttpResponse:
    """After an inbox action: htmx gets the list again (others may have triaged meanwhile) with
    the outcome on top; a plain form post goes back to the inbox."""
    if request.htmx:
        context = _inbox_context(request, cut)
        context.update(notice=notice, alert=alert, notice_erratum=erratum)
        return render(request, "errata/studio/_inbox_list.html", context, status=status)
    if alert:
        messages.error(request, alert)
    else:
        messages.success(request, notice)
    params = request.POST
    return redirect(
        _cut_url(
            "inbox",
            cut,
            page=params.get("page", ""),
            order=params.get("order", ""),
            show=params.get("show", ""),
        )
    )


def _inbox_refusal(request: HttpRequest, cut: Cut, message: str) -> HttpResponse:
    """Bad input changes nothing: htmx shows why above the list and leaves the list (and what
    was typed in it) alone."""
    if request.htmx:
        response = render(request, "errata/studio/_alert.html", {"alert": message}, status=400)
        response["HX-Retarget"] = "#inbox-alert"
        response["HX-Reswap"] = "innerHTML"
        return response
    return _inbox_done(request, cut, alert=message)


def _posted_finding_ids(request: HttpRequest, cut: Cut) -> list[int]:
    """The findings an action names, all of them on this cut; anything else (another cut, a
    finding carried away meanwhile) is a conflict and nothing is changed."""
    try:
        ids = sorted({int(value) for value in request.POST.getlist("finding")})
    except ValueError:
        raise ValidationError("Finding ids must be numbers.") from None
    if not ids:
        raise ValidationError("Choose at least one finding.")
    if Finding.objects.filter(pk__in=ids, cut=cut).count() != len(ids):
        raise services.ErrataConflict(
            "Some of these findings are no longer on this cut; nothing was changed."
        )
    return ids


def _finding_on_cut(cut: Cut, pk: int) -> Finding:
    finding = (
        Finding.objects.filter(pk=pk, cut=cut)
        .select_related("comment", "comment__reviewer", "scene", "suggested_scene")
        .first()
    )
    if finding is None:
        raise Http404("No such finding on this cut.")
    return finding


@studio_view
@require_POST
def inbox_accept(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Accept a group (or any set) of untriaged findings as one new erratum, with the fields
    as prefilled or as edited."""
    cut = _cut(request, slug, number)
    form = AcceptForm(request.POST, video=cut.video)
    if not form.is_valid():
        return _inbox_refusal(request, cut, _form_errors(form))
    data = form.cleaned_data
    try:
        ids = _posted_finding_ids(request, cut)
        erratum = services.erratum_create_from_findings(
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
        return _inbox_refusal(request, cut, _messages_of(error))
    except services.ErrataConflict as error:
        return _inbox_done(request, cut, alert=str(error), status=409)
    reports = "1 report" if len(ids) == 1 else f"{len(ids)} reports"
    return _inbox_done(
        request,
        cut,
        notice=f"Erratum #{erratum.pk} created from {reports}: {erratum.title}",
        erratum=erratum,
    )


@studio_view
@require_http_methods(["GET", "POST"])
def inbox_add_to_erratum(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """GET: the picker of errata this group could join, nearest first. POST: join it."""
    cut = _cut(request, slug, number)
    if request.method == "GET":
        ids = [int(v) for v in request.GET.getlist("finding") if v.isdigit()]
        findings = list(Finding.objects.filter(pk__in=ids, cut=cut).only("pk", "timestamp_s"))
        times = sorted(f.timestamp_s for f in findings if f.timestamp_s is not None)
        near = times[len(times) // 2] if times else None
        return render(
            request,
            "errata/studio/_add_to_erratum.html",
            {
                "video": cut.video,
                "cut": cut,
                "finding_ids": [f.pk for f in findings],
                "errata": selectors.errata_for_picker(cut=cut, near_s=near),
                "group_key": request.GET.get("group", ""),
            },
        )
    erratum = Erratum.objects.filter(pk=request.POST.get("erratum") or 0, cut=cut).first()
    if erratum is None:
        return _inbox_refusal(request, cut, "Choose an erratum of this cut.")
    try:
        ids = _posted_finding_ids(request, cut)
        added = services.erratum_add_findings(erratum=erratum, finding_ids=ids, actor=request.user)
    except ValidationError as error:
        return _inbox_refusal(request, cut, _messages_of(error))
    except services.ErrataConflict as error:
        return _inbox_done(request, cut, alert=str(error), status=409)
    reports = "1 report" if added == 1 else f"{added} reports"
    return _inbox_done(
        request,
        cut,
        notice=f"Added {reports} to erratum #{erratum.pk}: {erratum.title}",
        erratum=erratum,
    )


@studio_view
@require_POST
def inbox_dismiss(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Dismiss findings as content (feedback, a question) or none (praise, chatter)."""
    cut = _cut(request, slug, number)
    form = DismissForm(request.POST)
    if not form.is_valid():
        return _inbox_refusal(request, cut, _form_errors(form))
    try:
        ids = _posted_finding_ids(request, cut)
        dismissed = services.findings_dismiss(
            finding_ids=ids,
            category=form.cleaned_data["category"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        return _inbox_refusal(request, cut, _messages_of(error))
    except services.ErrataConflict as error:
        return _inbox_done(request, cut, alert=str(error), status=409)
    label = Category(form.cleaned_data["category"]).label.lower()
    findings = "1 finding" if dismissed == 1 else f"{dismissed} findings"
    return _inbox_done(request, cut, notice=f"Dismissed {findings} as {label}.")


@studio_view
@require_POST
def finding_split(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    """This finding is not the same problem as the rest of its group."""
    cut = _cut(request, slug, number)
    finding = _finding_on_cut(cut, pk)
    if finding.state != Finding.State.NEW:
        return _inbox_done(request, cut, alert="This finding was already triaged.", status=409)
    if finding.duplicate_group_id is None or (
        not Finding.objects.filter(duplicate_group_id=finding.duplicate_group_id, state="new")
        .exclude(pk=finding.pk)
        .exists()
    ):
        return _inbox_refusal(request, cut, "This finding is already on its own.")
    services.finding_split_from_group(finding=finding)
    return _inbox_done(request, cut, notice="Split out of its group: now a group of its own.")


@studio_view
@require_http_methods(["GET", "POST"])
def finding_edit(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    """Correct a finding's category, scene or time (GET: the form, in place)."""
    cut = _cut(request, slug, number)
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
        return _inbox_refusal(request, cut, _form_errors(form))
    data = form.cleaned_data
    try:
        services.finding_update(
            finding=finding,
            category=data["category"] or None,
            scene_id=data["scene"].pk if data["scene"] else None,
            clear_scene=data["scene"] is None,
            timestamp_s=data["timestamp"],
        )
    except ValidationError as error:
        return _inbox_refusal(request, cut, _messages_of(error))
    return _inbox_done(request, cut, notice="Finding updated.")


@studio_view
@require_http_methods(["GET", "POST"])
def finding_reply(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    """Reply to the person who wrote a finding's comment, as the creator."""
    cut = _cut(request, slug, number)
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
                "reporter": selectors.reporter_name(finding.comment),
            },
        )
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _inbox_refusal(request, cut, _form_errors(form))
    try:
        services.comment_create(
            cut=cut,
            text=form.cleaned_data["text"],
            author_name=str(request.user),
            author_role=Comment.Role.CREATOR,
            parent=finding.comment,
            source=Comment.Source.WEB,
        )
    except ValidationError as error:
        return _inbox_refusal(request, cut, _messages_of(error))
    return _inbox_done(
        request, cut, notice=f"Reply posted to {selectors.reporter_name(finding.comment)}."
    )


@studio_view
@require_POST
def finding_restore(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    cut = _cut(request, slug, number)
    finding = _finding_on_cut(cut, pk)
    try:
        services.finding_restore(finding=finding)
    except services.ErrataConflict as error:
        return _inbox_done(request, cut, alert=str(error), status=409)
    return _inbox_done(request, cut, notice="Restored to the inbox.")


# --- The errata board -----------------------------------------------------------------------------

BOARD_FILTER_CHOICES = {
    "category": Category.choices,
    "status": [(s.value, s.label) for s in selectors.STATUS_ORDER],
    "severity": Erratum.Severity.choices,
    "remedy": Remedy.choices,
}


def _board_filters(request: HttpRequest) -> selectors.BoardFilters:
    values = {}
    for name, choices in BOARD_FILTER_CHOICES.items():
        value = request.GET.get(name, "")
        # An unknown value (an old bookmark) is ignored rather than showing an empty board.
        values[name] = value if value in {c for c, _ in choices} else ""
    return selectors.BoardFilters(**values)


@studio_view
@require_GET
def board(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = _cut(request, slug, number)
    filters = _board_filters(request)
    view = request.GET.get("view") if request.GET.get("view") in selectors.BOARD_VIEWS else "scene"
    context = {
        "video": cut.video,
        "cut": cut,
        "filters": filters,
        "view": view,
        "board": selectors.board_page(
            cut=cut, filters=filters, view=view, page_number=request.GET.get("page") or 1
        ),
        "filter_choices": BOARD_FILTER_CHOICES,
        "latest_cut": Cut.objects.filter(video_id=cut.video_id).order_by("-number").first(),
        "query": urlencode({**filters.as_query(), "view": view}),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "errata/studio/_board_list.html", context)
    return render(request, "errata/studio/board.html", context)


# --- An erratum -----------------------------------------------------------------------------------


def _erratum(request: HttpRequest, slug: str, pk: int) -> Erratum:
    erratum = selectors.erratum_for_member(video=_video(request, slug), pk=pk)
    if erratum is None:
        raise Http404("No such erratum.")
    return erratum


def _erratum_context(erratum: Erratum, **extra) -> dict:
    video = erratum.video
    context = {
        "video": video,
        "cut": erratum.cut,
        "erratum": erratum,
        "reports": selectors.erratum_reports(erratum=erratum),
        "history": selectors.erratum_history(erratum=erratum),
        "span": selectors.erratum_scene_span(erratum=erratum),
        "edit_form": ErratumEditForm(video=video, initial=ErratumEditForm.initial_for(erratum)),
        "status_form": ErratumStatusForm(
            video=video,
            initial={
                "fixed_in_cut": Cut.objects.filter(video=video).order_by("-number").first(),
                "version": erratum.version,
                "fix_note": erratum.fix_note,
            },
        ),
        "merge_form": ErratumMergeForm(targets=selectors.errata_merge_targets(erratum=erratum)),
        "merge_suggestions": selectors.errata_for_picker(
            cut=erratum.cut, near_s=erratum.timestamp_s, exclude=erratum
        ),
        "scene_names": selectors.video_scene_names(video=video),
        "next_statuses": [
            (status, Erratum.Status(status).label)
            for status in selectors.STATUS_ORDER
            if status in services.STATUS_TRANSITIONS[erratum.status]
        ],
    }
    context.update(extra)
    return context


def _erratum_page(
    request: HttpRequest, erratum: Erratum, *, alert: str = "", status: int = 200, **forms
) -> HttpResponse:
    """The erratum page again, with what went wrong and the forms as they were typed."""
    erratum = selectors.erratum_for_member(video=erratum.video, pk=erratum.pk)
    context = _erratum_context(erratum, alert=alert, **forms)
    template = "errata/studio/_erratum_body.html" if request.htmx else "errata/studio/erratum.html"
    return render(request, template, context, status=status)


def _erratum_done(request: HttpRequest, erratum: Erratum, notice: str) -> HttpResponse:
    if request.htmx:
        return _erratum_page(request, erratum, notice=notice)
    messages.success(request, notice)
    return redirect("errata:studio:erratum", erratum.video.slug, erratum.pk)


@studio_view
@require_GET
def erratum(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    erratum = _erratum(request, slug, pk)
    if erratum.merged_into_id:
        messages.info(request, f"Erratum #{erratum.pk} was merged into this one.")
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
        services.erratum_update(
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
        )
    except services.ErrataConflict as error:
        return _erratum_page(request, erratum, alert=str(error), status=409, edit_form=form)
    except ValidationError as error:
        return _erratum_page(
            request, erratum, alert=_messages_of(error), status=400, edit_form=form
        )
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
        return _status_refused(request, erratum, _form_errors(form), 400, from_board, form)
    data = form.cleaned_data
    try:
        changed = services.erratum_transition(
            erratum=erratum,
            status=data["status"],
            actor=request.user,
            fixed_in_cut=data["fixed_in_cut"],
            reason=data["reason"],
            fix_note=data["fix_note"] if "fix_note" in request.POST else None,
            expected_version=data["version"],
        )
    except services.ErrataConflict as error:
        return _status_refused(request, erratum, str(error), 409, from_board, form)
    except ValidationError as error:
        return _status_refused(request, erratum, _messages_of(error), 400, from_board, form)
    notice = f"Erratum #{changed.pk} is now {changed.get_status_display().lower()}"
    if changed.status in (Erratum.Status.FIXED, Erratum.Status.VERIFIED):
        notice += f" (fixed in cut {changed.fixed_in_cut.number})"
    if from_board and request.htmx:
        row = selectors.board_row(cut=changed.cut, erratum_id=changed.pk)
        return render(
            request,
            "errata/studio/_board_row.html",
            {
                "video": erratum.video,
                "cut": changed.cut,
                "erratum": row,
                "notice": notice,
                "latest_cut": Cut.objects.filter(video_id=erratum.video_id)
                .order_by("-number")
                .first(),
            },
        )
    if from_board:
        messages.success(request, notice + ".")
        return redirect("errata:studio:board", slug, changed.cut.number)
    return _erratum_done(request, changed, notice + ".")


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
    return _erratum_page(request, erratum, alert=message, status=status, status_form=form)


@studio_view
@require_POST
def erratum_merge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Merge this erratum into another (a duplicate found late): its reports move there."""
    erratum = _erratum(request, slug, pk)
    form = ErratumMergeForm(request.POST, targets=selectors.errata_merge_targets(erratum=erratum))
    if not form.is_valid():
        return _erratum_page(
            request, erratum, alert=_form_errors(form), status=400, merge_form=form
        )
    try:
        target = services.erratum_merge(
            source=erratum, target=form.cleaned_data["target"], actor=request.user
        )
    except services.ErrataConflict as error:
        return _erratum_page(request, erratum, alert=str(error), status=409, merge_form=form)
    except ValidationError as error:
        return _erratum_page(
            request, erratum, alert=_messages_of(error), status=400, merge_form=form
        )
    messages.success(request, f"Erratum #{erratum.pk} was merged into this one.")
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
    finding = Finding.objects.filter(pk=finding_pk, erratum=erratum).first()
    if finding is None:
        return _erratum_page(
            request, erratum, alert="That report is no longer in this erratum.", status=409
        )
    try:
        services.finding_remove_from_erratum(finding=finding, actor=request.user)
    except services.ErrataConflict as error:
        return _erratum_page(request, erratum, alert=str(error), status=409)
    return _erratum_done(request, erratum, "The report is back in the inbox.")


# --- Scenes and timelines -------------------------------------------------------------------------


@studio_view
@require_http_methods(["GET", "POST"])
def scenes(request: HttpRequest, slug: str) -> HttpResponse:
    """A video's scenes; import their names and class lines from a manim source file."""
    video = _video(request, slug)
    form = ManimSourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["source"]
        try:
            parsed = manim_scenes_read(upload.text, filename=upload.name)
        except ManimSourceError as error:
            form.add_error("source", str(error))
        else:
            if not parsed:
                form.add_error("source", f"{upload.name} defines no scene classes.")
            else:
                result = services.scenes_import_from_source(
                    video=video,
                    scenes=parsed,
                    source_path=form.cleaned_data["source_path"] or upload.name,
                )
                messages.success(
                    request,
                    f"Read {len(parsed)} scene classes from {upload.name}: {result.created} new, "
                    f"{result.updated} updated.",
                )
                return redirect("errata:studio:scenes", video.slug)
    return render(
        request,
        "errata/studio/scenes.html",
        {"video": video, "scenes": selectors.video_scenes(video=video), "form": form},
        status=400 if form.errors else 200,
    )


def _timeline_context(cut: Cut, **extra) -> dict:
    context = {
        "video": cut.video,
        "cut": cut,
        "spans": selectors.cut_spans(cut=cut),
        "scene_names": selectors.video_scene_names(video=cut.video),
        "upload_form": TimelineUploadForm(),
        "span_form": SpanForm(),
    }
    context.update(extra)
    return context


@studio_view
@require_http_methods(["GET", "POST"])
def timeline(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A cut's spans; import them from a timeline file (replacing the old ones)."""
    cut = _cut(request, slug, number)
    if request.method == "GET":
        return render(request, "errata/studio/timeline.html", _timeline_context(cut))
    form = TimelineUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["timeline"]
        try:
            entries = timeline_entries_read(
                upload.text, filename=upload.name, fps=float(cut.effective_fps)
            )
            result = services.timeline_import(cut=cut, entries=entries)
        except TimelineFileError as error:
            form.add_error("timeline", str(error))
        except ValidationError as error:
            form.add_error("timeline", _messages_of(error))
        else:
            messages.success(
                request,
                f"Imported {result.spans} spans from {upload.name} ({result.scenes_created} new "
                f"scenes); {result.findings_moved} findings now point at another scene.",
            )
            return redirect("errata:studio:timeline", slug, number)
    return render(
        request,
        "errata/studio/timeline.html",
        _timeline_context(cut, upload_form=form),
        status=400,
    )


def _spans_done(
    request: HttpRequest, cut: Cut, *, notice: str = "", alert: str = "", status: int = 200
) -> HttpResponse:
    if request.htmx:
        context = _timeline_context(cut, notice=notice, alert=alert)
        return render(request, "errata/studio/_spans.html", context, status=status)
    if alert:
        messages.error(request, alert)
    else:
        messages.success(request, notice)
    return redirect("errata:studio:timeline", cut.video.slug, cut.number)


def _moved(result: services.SpanEditResult) -> str:
    if not result.findings_moved:
        return ""
    n = result.findings_moved
    return f" {n} finding{'s' if n != 1 else ''} now point{'s' if n == 1 else ''} at another scene."


@studio_view
@require_POST
def span_create(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cut = _cut(request, slug, number)
    form = SpanForm(request.POST)
    if not form.is_valid():
        return _spans_done(request, cut, alert=_form_errors(form), status=400)
    data = form.cleaned_data
    try:
        result = services.scene_span_create(
            cut=cut, scene_name=data["scene"], start_s=data["start"], end_s=data["end"]
        )
    except ValidationError as error:
        return _spans_done(request, cut, alert=_messages_of(error), status=400)
    return _spans_done(request, cut, notice=f"Added {result.span.scene.name}." + _moved(result))


@studio_view
@require_http_methods(["GET", "POST"])
def span_update(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    """Move a span's edges by hand (GET: the row as a form)."""
    cut = _cut(request, slug, number)
    span = SceneSpan.objects.filter(pk=pk, cut=cut).select_related("scene").first()
    if span is None:
        raise Http404("No such span on this cut.")
    if request.method == "GET":
        form = SpanForm(
            initial={"scene": span.scene.name, "start": span.start_s, "end": span.end_s}
        )
        return render(
            request,
            "errata/studio/_span_edit.html",
            {"video": cut.video, "cut": cut, "span": span, "form": form},
        )
    form = SpanForm(request.POST)
    if not form.is_valid():
        return _spans_done(request, cut, alert=_form_errors(form), status=400)
    data = form.cleaned_data
    try:
        scene = scene_by_name(video=cut.video, name=data["scene"])
        result = services.scene_span_update(
            span=span, start_s=data["start"], end_s=data["end"], scene=scene
        )
    except ValidationError as error:
        return _spans_done(request, cut, alert=_messages_of(error), status=400)
    span = result.span
    return _spans_done(
        request,
        cut,
        notice=f"{span.scene.name} is now {format_time(span.start_s)} to {format_time(span.end_s)}."
        + _moved(result),
    )


@studio_view
@require_POST
def span_delete(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    cut = _cut(request, slug, number)
    span = SceneSpan.objects.filter(pk=pk, cut=cut).select_related("scene").first()
    if span is None:
        return _spans_done(request, cut, alert="That span was already removed.", status=409)
    name = span.scene.name
    try:
        result = services.scene_span_delete(span=span)
    except services.ErrataConflict as error:
        return _spans_done(request, cut, alert=str(error), status=409)
    return _spans_done(request, cut, notice=f"Removed {name} from the timeline." + _moved(result))


# --- Notification settings ------------------------------------------------------------------------


@studio_view
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Each of the user's teams: a digest of new comments as they arrive, once a day, or never."""
    memberships = selectors.memberships_of(user=request.user)
    data = request.POST if request.method == "POST" else None
    rows = [
        (m, DigestForm(data, prefix=f"team-{m.team_id}", initial={"digest": m.digest}))
        for m in memberships
    ]
    if data is not None and all(form.is_valid() for _, form in rows):
        for membership, form in rows:
            notifications.membership_digest_set(
                membership=membership, digest=form.cleaned_data["digest"]
            )
        messages.success(request, "Saved your notification settings.")
        return redirect("errata:studio:notification_settings")
    return render(
        request,
        "errata/studio/notification_settings.html",
        {
            "rows": rows,
            "email": request.user.email,
            "digest_hour": f"{settings.DIGEST_HOUR}:00 ({settings.TIME_ZONE})",
        },
        status=400 if data is not None else 200,
    )
