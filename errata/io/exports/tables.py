"""One row (CSV) or object (JSON) per erratum with every field; CSV neutralises formulas."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from errata.io.exports.checklist import Checklist, Row, range_label

# Column name, and how to read it from a row. Documented in the README.
ERRATUM_FIELDS: list[tuple[str, Callable[[Row], object]]] = [
    ("id", lambda r: r.erratum.pk),
    ("title", lambda r: r.erratum.title),
    ("description", lambda r: r.erratum.description),
    ("category", lambda r: r.erratum.category),
    ("severity", lambda r: r.erratum.severity),
    ("status", lambda r: r.erratum.status),
    ("remedy", lambda r: r.erratum.remedy),
    ("timestamp_s", lambda r: r.erratum.timestamp_s),
    (
        "time",
        lambda r: range_label(r.erratum) if r.erratum.timestamp_s is not None else "",
    ),
    ("scene", lambda r: r.scene.name if r.scene else ""),
    ("scene_is_decided", lambda r: r.erratum.scene_id is not None),
    ("source_path", lambda r: r.scene.source_path if r.scene else ""),
    ("reporters", lambda r: r.reporter_count),
    ("reporter_names", lambda r: [p.name for p in r.reporters if p.name]),
    ("fix_note", lambda r: r.erratum.fix_note),
    ("resolution_reason", lambda r: r.erratum.resolution_reason),
    ("found_in_cut", lambda r: r.erratum.found_in_cut.number),
    ("cut", lambda r: r.erratum.cut.number),
    ("fixed_in_cut", lambda r: r.erratum.fixed_in_cut.number if r.erratum.fixed_in_cut else None),
    ("version", lambda r: r.erratum.version),
    ("created_at", lambda r: r.erratum.created_at.isoformat()),
    ("updated_at", lambda r: r.erratum.updated_at.isoformat()),
    ("fixed_at", lambda r: r.erratum.fixed_at.isoformat() if r.erratum.fixed_at else None),
    ("verified_at", lambda r: r.erratum.verified_at.isoformat() if r.erratum.verified_at else None),
    # A range's end and length (last, so readers of the older columns are not shifted).
    ("timestamp_end_s", lambda r: r.erratum.timestamp_end_s),
    ("duration_s", lambda r: _duration(r.erratum)),
]


def _duration(erratum) -> float | None:
    if erratum.timestamp_end_s is None or erratum.timestamp_s is None:
        return None
    return round(erratum.timestamp_end_s - erratum.timestamp_s, 3)


def _erratum_record(row: Row) -> dict[str, object]:
    return {name: read(row) for name, read in ERRATUM_FIELDS}


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        # A spreadsheet would run this patron-written cell as a formula.
        return "'" + value
    return value


def render_csv(checklist: Checklist) -> str:
    buffer = io.StringIO()
    # RFC 4180's CRLF: with it the writer also quotes a cell holding a lone carriage return,
    # which spreadsheets read as a new row (with "\n" alone it did not: a row injection).
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for name, _ in ERRATUM_FIELDS])
    for row in checklist.rows:
        writer.writerow([_csv_cell(read(row)) for _, read in ERRATUM_FIELDS])
    return buffer.getvalue()


def render_json(checklist: Checklist) -> str:
    cut = checklist.cut
    document = {
        "video": {
            "slug": cut.video.slug,
            "title": cut.video.title,
            "render_command": cut.video.render_command,
        },
        "cut": {
            "number": cut.number,
            "label": cut.label,
            "duration_s": cut.duration_s,
            "fps": float(cut.effective_fps),
        },
        "errata": [_erratum_record(row) for row in checklist.rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
