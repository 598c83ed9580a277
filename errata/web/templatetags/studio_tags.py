"""Template filters for the studio: times as people write them, and a finding in its comment."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext, gettext_lazy

from errata.models import Erratum, UndoRecord
from errata.triage.timestamps import format_time
from errata.web.studio.forms import time_text

register = template.Library()

# How much of the comment around a finding the inbox shows, on each side.
CONTEXT_CHARS = 160


@register.filter
def timecode(seconds: float | None) -> str:
    """6:03 for 363 s; an em dash when there is no time."""
    if seconds is None or seconds == "":
        return "—"
    return format_time(float(seconds))


@register.filter
def ms_timecode(milliseconds: int | None) -> str:
    """6:03.4 for 363400 ms (frames are grabbed at tenths of a second)."""
    if milliseconds is None or milliseconds == "":
        return "—"
    return time_text(int(milliseconds) / 1000)


@register.filter
def timeinput(seconds: float | None) -> str:
    """A time as a form field shows it (6:03, or 6:03.5 with a fraction); blank for none."""
    if seconds is None or seconds == "":
        return ""
    return time_text(float(seconds))


@register.filter
def in_context(finding) -> dict[str, str]:
    """The finding's text with a little of its comment on either side, so the creator sees
    what the point was about without opening the comment. Autoescaped by the template."""
    text = finding.comment.text
    start, end = finding.span_start, finding.span_end
    if not (0 <= start <= end <= len(text)) or start == end:
        return {"before": "", "text": finding.text, "after": ""}
    before = text[max(0, start - CONTEXT_CHARS) : start]
    after = text[end : end + CONTEXT_CHARS]
    if start > CONTEXT_CHARS:
        before = "…" + before.split(" ", 1)[-1]
    if end + CONTEXT_CHARS < len(text):
        after = after.rsplit(" ", 1)[0] + "…"
    return {"before": before, "text": text[start:end], "after": after}


@register.filter
def percent(value: float | None) -> str:
    return "" if value is None else f"{round(float(value) * 100)}%"


# History's field names as people say them ("reports: 3, 37", not "findings: #3, #37").
CHANGE_LABELS = {
    "findings": gettext_lazy("reports"),
    "finding": gettext_lazy("report"),
    "findings_removed": gettext_lazy("reports taken out"),
    "timestamp_s": gettext_lazy("timestamp"),
    "fixed_in_cut": gettext_lazy("fixed in cut"),
    "merged_into": gettext_lazy("merged into"),
    "correction_wrong": gettext_lazy("wrong"),
    "correction_right": gettext_lazy("right"),
    "corrected_line": gettext_lazy("corrected line"),
    "fix_note": gettext_lazy("fix note"),
}


@register.filter
def change(value, key: str) -> str:
    """One line of an erratum's history: "title: 'a' → 'b'" for an edit, the detail otherwise."""
    if key == "undo":
        return gettext("(an undo)")
    label = CHANGE_LABELS.get(key) or key.replace("_", " ")
    if isinstance(value, list) and len(value) == 2 and not key.startswith("finding"):
        before, after = value
        if key == "timestamp_s":
            before, after = timecode(before), timecode(after)
        return f"{label}: {_shown(before)} → {_shown(after)}"
    if isinstance(value, list):
        return f"{label}: {', '.join(str(v) for v in value)}"
    return f"{label}: {_shown(value)}"


def _shown(value) -> str:
    if value in (None, ""):
        return gettext("(none)")
    text = str(value)
    return text if len(text) <= 120 else text[:119] + "…"


@register.filter
def attr(obj, name: str):
    """A field of a dataclass by a name the template holds in a variable."""
    return getattr(obj, name, "")


@register.filter
def status_label(status: str) -> str:
    return Erratum.Status(status).label


EVENT_LABELS = {
    "created": gettext_lazy("created it"),
    "edited": gettext_lazy("edited it"),
    "status": gettext_lazy("changed the status"),
    "findings_added": gettext_lazy("added reports"),
    "finding_removed": gettext_lazy("took a report out"),
    "merged_into": gettext_lazy("merged it into another erratum"),
    "merged_from": gettext_lazy("merged another erratum into it"),
    "carried": gettext_lazy("carried it to a new cut"),
    "undone": gettext_lazy("undid an action"),
}


@register.filter
def event_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind.replace("_", " "))


@register.inclusion_tag("errata/studio/_undo_message.html", takes_context=True)
def undo_banner(context) -> dict:
    """The Undo of the action that redirected here (offered once, see web/studio/undo.py)."""
    request = context.get("request")
    record = None
    pk = request.session.pop("errata_undo", None) if request is not None else None
    if pk is not None and getattr(request, "user", None) is not None:
        record = (
            UndoRecord.objects.filter(pk=pk, actor_id=request.user.pk, undone_at__isnull=True)
            .select_related("video")
            .first()
        )
    return {
        "undo": record,
        "video": record.video if record else None,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
