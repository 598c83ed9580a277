"""Template filters for the review page: times as the player shows them, and comment text
escaped with its times made into seek links."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from errata.models import Category
from errata.reviews import text as reviews_text
from errata.reviews.selectors import NO_TIME_S

register = template.Library()


@register.filter
def clock(seconds: float | None) -> str:
    """6:03 for 363 seconds; blank for no time (or the list's "no time" place)."""
    if seconds is None or seconds >= NO_TIME_S:
        return ""
    return reviews_text.clock(seconds)


@register.filter
def seconds(value: float | None) -> str:
    """A time for a data attribute or a #t= link: plain decimal, no exponent."""
    if value is None:
        return ""
    return f"{value:.3f}".rstrip("0").rstrip(".")


@register.filter
def comment_html(text: str, duration_s: float | None = None) -> SafeString:
    return reviews_text.comment_html(text, duration_s=duration_s)


@register.filter
def category_label(value: str) -> str:
    try:
        return Category(value).label
    except ValueError:
        return value


@register.filter
def editable_by(comment, viewer) -> bool:
    """Whether this viewer sees Edit and Delete on this comment: their own, within its edit
    window, and (as far as the listed reports tell) none taken into an erratum. The service
    checks all of it again on the request."""
    reviewer_id = getattr(viewer, "reviewer_id", None)
    if not reviewer_id or comment.reviewer_id != reviewer_id or not comment.edit_window_open():
        return False
    return not any(f.erratum_id for f in getattr(comment, "shown_findings", ()))


@register.filter
def iso(value) -> str:
    return value.isoformat() if value else ""
