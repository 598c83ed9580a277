"""Range comments and drawings on the frame, as the studio shows them: "6:02-6:10" and the
drawing as inline SVG over the frame grab."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from errata.reviews.drawings import drawing_svg as _drawing_svg
from errata.triage.timestamps import format_time

register = template.Library()


@register.filter
def time_range(item) -> str:
    """6:02-6:10 (with an en dash) for a finding, erratum or comment with a range; 6:02 for a
    point; an em dash when it has no time."""
    start = getattr(item, "timestamp_s", None)
    if start is None:
        return "—"
    end = getattr(item, "timestamp_end_s", None)
    if end is None:
        return format_time(start)
    return f"{format_time(start)}\u2013{format_time(end)}"


@register.filter
def drawing_svg(drawing) -> SafeString:
    """A stored drawing (checked when the comment was posted) as SVG: numbers and palette
    colours only, never text from the input."""
    return _drawing_svg(drawing if isinstance(drawing, dict) else None)
