"""Bulk triage in the inbox: several selected groups accepted (an erratum each), dismissed or
given one category; and "dismiss all likely praise and chatter" after a preview. Each bulk
action is undone as one step (errata/fixes/undo.py).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from errata.core.errors import ErrataConflict, error_text
from errata.findings.selectors import findings_on_cut, inbox_chatter, inbox_group_finding_ids
from errata.fixes.undo import (
    bulk_accept_undoable,
    bulk_dismiss_undoable,
    findings_categorise_undoable,
)
from errata.models import CATEGORY_VALUES, Category, Cut
from errata.web.studio.access import member_cut, studio_view
from errata.web.studio.inbox import inbox_done, inbox_refusal

BULK_ACTIONS = ("accept", "dismiss-none", "dismiss-content", "category")
# A page shows 25 groups; a bulk action names at most a few pages of them.
BULK_MAX_GROUPS = 200
# "Dismiss all likely praise and chatter" confirms the ids it previewed, no more than this.
CHATTER_MAX = 5000


def _posted_groups(request: HttpRequest, cut: Cut) -> list[list[int]]:
    """The selected groups' untriaged findings, group by group; a group triaged meanwhile is a
    conflict and nothing is changed."""
    keys = list(dict.fromkeys(request.POST.getlist("group")))
    if not keys:
        raise ValidationError({"group": _("Select at least one group.")})
    if len(keys) > BULK_MAX_GROUPS:
        raise ValidationError(
            {"group": _("Select at most %(count)s groups at once.") % {"count": BULK_MAX_GROUPS}}
        )
    groups = []
    for key in keys:
        if not re.fullmatch(r"[gf][0-9]{1,18}", key):
            raise ValidationError({"group": _("A group is named g<number> or f<number>.")})
        members = inbox_group_finding_ids(cut=cut, key=key)
        if not members:
            raise ErrataConflict(
                _("A selected group has no untriaged findings left; nothing was changed.")
            )
        groups.append(members)
    return groups


def _posted_chatter(request: HttpRequest, cut: Cut) -> list[int]:
    """The findings the chatter preview showed (and nothing else: what arrived since waits for
    the next preview)."""
    values = request.POST.getlist("finding")
    if not values:
        raise ValidationError({"finding": _("Nothing to dismiss.")})
    if len(values) > CHATTER_MAX:
        raise ValidationError(
            {"finding": _("At most %(count)s findings at once.") % {"count": CHATTER_MAX}}
        )
    try:
        ids = sorted({int(value) for value in values})
    except ValueError:
        raise ValidationError({"finding": _("Finding ids must be numbers.")}) from None
    if len(findings_on_cut(cut=cut, ids=ids)) != len(ids):
        raise ErrataConflict(
            _("Some of these findings are no longer on this cut; nothing was changed.")
        )
    return ids


@studio_view
@require_POST
def inbox_bulk(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """One action on every selected group (or on the previewed chatter)."""
    cut = member_cut(request, slug, number)
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS and action != "chatter":
        return inbox_refusal(request, cut, _("action: choose accept, dismiss or category."))
    category = request.POST.get("category", "")
    if action == "category" and category not in CATEGORY_VALUES:
        return inbox_refusal(request, cut, _("category: choose one of the categories."))
    try:
        if action == "chatter":
            ids = _posted_chatter(request, cut)
            count, record = bulk_dismiss_undoable(
                video=cut.video,
                finding_ids=ids,
                actor=request.user,
                category=Category.NONE,
                reason=_("likely praise or chatter"),
            )
            notice = ngettext(
                "Dismissed %(count)s finding as praise or chatter.",
                "Dismissed %(count)s findings as praise or chatter.",
                count,
            ) % {"count": count}
            return inbox_done(request, cut, notice=notice, undo=record)
        groups = _posted_groups(request, cut)
        if action == "accept":
            errata, record = bulk_accept_undoable(
                video=cut.video, groups=groups, actor=request.user
            )
            notice = ngettext(
                "Accepted %(count)s group: erratum %(numbers)s.",
                "Accepted %(count)s groups: errata %(numbers)s.",
                len(errata),
            ) % {"count": len(errata), "numbers": ", ".join(f"#{e.pk}" for e in errata)}
            return inbox_done(request, cut, notice=notice, undo=record)
        ids = sorted({pk for members in groups for pk in members})
        if action == "category":
            count, record = findings_categorise_undoable(
                video=cut.video, finding_ids=ids, actor=request.user, category=category
            )
            notice = ngettext(
                "Set %(count)s finding to %(label)s.",
                "Set %(count)s findings to %(label)s.",
                count,
            ) % {"count": count, "label": Category(category).label.lower()}
            return inbox_done(request, cut, notice=notice, undo=record)
        as_category = Category.CONTENT if action == "dismiss-content" else Category.NONE
        count, record = bulk_dismiss_undoable(
            video=cut.video, finding_ids=ids, actor=request.user, category=as_category
        )
        notice = ngettext(
            "Dismissed %(count)s finding as %(label)s.",
            "Dismissed %(count)s findings as %(label)s.",
            count,
        ) % {"count": count, "label": as_category.label.lower()}
        return inbox_done(request, cut, notice=notice, undo=record)
    except ValidationError as error:
        return inbox_refusal(request, cut, error_text(error))
    except ErrataConflict as error:
        return inbox_done(request, cut, alert=str(error), status=409)


@studio_view
@require_GET
def inbox_chatter_preview(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """What "dismiss all likely praise and chatter" would dismiss, with the button to do it."""
    cut = member_cut(request, slug, number)
    return render(
        request,
        "errata/studio/_chatter_preview.html",
        {"video": cut.video, "cut": cut, "findings": inbox_chatter(cut=cut)},
    )
