"""Drawings on the frame: what a patron drew over the paused video (arrows, boxes, freehand),
stored with the comment as vector JSON in frame coordinates, and shown to the creator as SVG.

The JSON comes from a browser and so is hostile: every field is checked here (schema, counts,
finite numbers in range, a size limit) and what is stored is rebuilt from the checked values, so
nothing the client sent beyond the schema survives. The SVG is built from those numbers and a
fixed palette only, never from strings in the input.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

# The colours the review page offers, by name; a drawing names one, the SVG uses its value.
DRAWING_COLOURS = {
    "red": "#ff3b30",
    "yellow": "#ffd60a",
    "cyan": "#32d3ff",
    "white": "#ffffff",
}
DRAWING_KINDS = ("arrow", "box", "free")
DRAWING_MAX_SHAPES = 20
DRAWING_MAX_POINTS = 400  # in one freehand stroke
DRAWING_MAX_TOTAL_POINTS = 2000
# The JSON as sent, before parsing: a full drawing with rounded coordinates is well under this.
DRAWING_MAX_BYTES = 64 * 1024
# Width / height of the frame the drawing was made on; a drawing keeps it so shapes are not
# stretched when shown over a grab of the same frame.
DRAWING_ASPECT_RANGE = (0.2, 5.0)
DRAWING_DEFAULT_ASPECT = 16 / 9


def _refuse(message: str) -> ValidationError:
    return ValidationError({"drawing": message})


def _number(value: Any, *, where: str, low: float, high: float) -> float:
    # bool is an int in Python; true is not a coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refuse(_("%(where)s must be a number.") % {"where": where})
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise _refuse(
            _("%(where)s must be between %(low)s and %(high)s.")
            % {"where": where, "low": format(low, "g"), "high": format(high, "g")}
        )
    return round(number, 4)


def drawing_parse(raw: Any) -> Any:
    """The drawing as the review page's form sends it: a JSON string (empty for none)."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        return raw
    if len(raw.encode("utf-8", "surrogatepass")) > DRAWING_MAX_BYTES:
        raise _refuse(
            _("A drawing can be at most %(limit)s KB.") % {"limit": DRAWING_MAX_BYTES // 1024}
        )
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise _refuse(_("The drawing is not valid JSON.")) from None


def drawing_validate(raw: Any, *, duration_s: float | None = None) -> dict | None:
    """A checked copy of a drawing, or None for no drawing. Raises ValidationError naming the
    field `drawing` and what is wrong with it."""
    data = drawing_parse(raw)
    if data is None:
        return None
    if not isinstance(data, dict):
        raise _refuse(_("A drawing must be an object with a list of shapes."))
    unknown = set(data) - {"t", "aspect", "shapes"}
    if unknown:
        raise _refuse(
            _("A drawing has no field %(field)s.") % {"field": repr(sorted(map(str, unknown))[0])}
        )
    shapes = data.get("shapes")
    if not isinstance(shapes, list) or not shapes:
        raise _refuse(_("A drawing needs at least one shape."))
    if len(shapes) > DRAWING_MAX_SHAPES:
        raise _refuse(
            _("A drawing can have at most %(limit)s shapes; this one has %(count)s.")
            % {"limit": DRAWING_MAX_SHAPES, "count": len(shapes)}
        )
    checked: dict[str, Any] = {}
    if data.get("t") is not None:
        high = duration_s if duration_s is not None else 1e7
        checked["t"] = _number(data["t"], where=_("The drawing's time"), low=0, high=high)
    aspect = data.get("aspect", DRAWING_DEFAULT_ASPECT)
    checked["aspect"] = _number(
        aspect,
        where=_("The drawing's aspect ratio"),
        low=DRAWING_ASPECT_RANGE[0],
        high=DRAWING_ASPECT_RANGE[1],
    )
    total = 0
    out: list[dict[str, Any]] = []
    for index, shape in enumerate(shapes, start=1):
        where = _("Shape %(n)s") % {"n": index}
        if not isinstance(shape, dict):
            raise _refuse(_("%(where)s must be an object.") % {"where": where})
        kind, colour, points = shape.get("kind"), shape.get("color"), shape.get("points")
        if kind not in DRAWING_KINDS:
            raise _refuse(
                _("%(where)s: the kind must be one of %(kinds)s.")
                % {"where": where, "kinds": ", ".join(DRAWING_KINDS)}
            )
        if colour not in DRAWING_COLOURS:
            raise _refuse(
                _("%(where)s: the colour must be one of %(colours)s.")
                % {"where": where, "colours": ", ".join(DRAWING_COLOURS)}
            )
        if not isinstance(points, list):
            raise _refuse(_("%(where)s needs a list of points.") % {"where": where})
        wanted = (2, 2) if kind != "free" else (2, DRAWING_MAX_POINTS)
        if not wanted[0] <= len(points) <= wanted[1]:
            raise _refuse(
                _("%(where)s: a %(kind)s has %(low)s to %(high)s points, not %(count)s.")
                % {
                    "where": where,
                    "kind": kind,
                    "low": wanted[0],
                    "high": wanted[1],
                    "count": len(points),
                }
            )
        total += len(points)
        if total > DRAWING_MAX_TOTAL_POINTS:
            raise _refuse(
                _("A drawing can have at most %(limit)s points in all.")
                % {"limit": DRAWING_MAX_TOTAL_POINTS}
            )
        clean_points = []
        for point in points:
            if not isinstance(point, list) or len(point) != 2:
                raise _refuse(_("%(where)s: a point is a pair [x, y].") % {"where": where})
            clean_points.append(
                [
                    _number(point[0], where=_("%(where)s: x") % {"where": where}, low=0, high=1),
                    _number(point[1], where=_("%(where)s: y") % {"where": where}, low=0, high=1),
                ]
            )
        out.append({"kind": kind, "color": colour, "points": clean_points})
    checked["shapes"] = out
    return checked


def drawing_svg(drawing: dict | None, *, label: str = "") -> SafeString:
    """The drawing as inline SVG, sized to lie over a frame grab of the same aspect. Built from
    a stored (checked) drawing: numbers and palette colours only."""
    if not drawing or not drawing.get("shapes"):
        return SafeString("")
    aspect = drawing.get("aspect") or DRAWING_DEFAULT_ASPECT
    width, height = 1000, round(1000 / aspect)

    def xy(point: list[float]) -> tuple[str, str]:
        return f"{float(point[0]) * width:.1f}", f"{float(point[1]) * height:.1f}"

    parts: list[SafeString] = []
    for shape in drawing["shapes"]:
        colour = DRAWING_COLOURS.get(shape.get("color"), DRAWING_COLOURS["red"])
        points = [xy(p) for p in shape.get("points", [])]
        if len(points) < 2:
            continue
        if shape.get("kind") == "box":
            (x1, y1), (x2, y2) = points[0], points[1]
            x, y = min(float(x1), float(x2)), min(float(y1), float(y2))
            w, h = abs(float(x2) - float(x1)), abs(float(y2) - float(y1))
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" stroke="{}"'
                    ' vector-effect="non-scaling-stroke"></rect>',
                    f"{x:.1f}",
                    f"{y:.1f}",
                    f"{w:.1f}",
                    f"{h:.1f}",
                    colour,
                )
            )
        elif shape.get("kind") == "arrow":
            (x1, y1), (x2, y2) = [(float(a), float(b)) for a, b in points[:2]]
            angle = math.atan2(y2 - y1, x2 - x1)
            head = 28.0
            wings = [
                (x2 - head * math.cos(angle - s), y2 - head * math.sin(angle - s))
                for s in (0.45, -0.45)
            ]
            parts.append(
                format_html(
                    '<path d="M{} {} L{} {} M{} {} L{} {} L{} {}" stroke="{}"'
                    ' vector-effect="non-scaling-stroke"></path>',
                    f"{x1:.1f}",
                    f"{y1:.1f}",
                    f"{x2:.1f}",
                    f"{y2:.1f}",
                    f"{wings[0][0]:.1f}",
                    f"{wings[0][1]:.1f}",
                    f"{x2:.1f}",
                    f"{y2:.1f}",
                    f"{wings[1][0]:.1f}",
                    f"{wings[1][1]:.1f}",
                    colour,
                )
            )
        else:
            parts.append(
                format_html(
                    '<polyline points="{}" stroke="{}"'
                    ' vector-effect="non-scaling-stroke"></polyline>',
                    " ".join(f"{x},{y}" for x, y in points),
                    colour,
                )
            )
    return format_html(
        '<svg class="drawing" viewBox="0 0 {} {}" preserveAspectRatio="none" role="img"'
        ' aria-label="{}" fill="none" stroke-width="3" stroke-linecap="round"'
        ' stroke-linejoin="round">{}</svg>',
        width,
        height,
        label or _("Drawing on the frame"),
        format_html_join("", "{}", ((p,) for p in parts)),
    )
