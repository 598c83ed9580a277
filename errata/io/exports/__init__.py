"""What leaves Errata: the fix checklist and its companions, for one cut.

`export_render(cut=..., fmt=...)` is the single entry point (the studio's export page, the
export task, `manage.py export_checklist`); each format is a small renderer over the same
reads. Formats:

- `md`: the fix checklist. Errata to fix grouped by scene in timeline order, then narration
  lines to re-record, then open content suggestions.
- `csv` / `json`: one row / object per erratum with every field (ERRATUM_FIELDS).
- `sh`: one render command per source file naming exactly the scenes to re-render.
- `edl`, `fcp7`, `fcpxml`, `otio`: markers for editing software, one per erratum to fix, on a
  clip spanning the cut, written by OpenTimelineIO's adapters: a CMX3600 EDL (any editor), Final
  Cut Pro 7 XML (Premiere, Resolve), FCPXML (Final Cut Pro X) and OTIO's own JSON.
- `srt`, `vtt`: the cut's transcript with the corrected lines of its caption-fix errata in place.
- `corrections`: what was wrong and what is right, by time, for a description or a pinned
  comment.
- `credits`: the names of the people whose reports became errata, for a thank-you line.

Every export is an injection boundary: text from patrons and scene names from timeline files
must never change the syntax of the file they land in. Every line of text is one line (line
breaks, control characters and bidirectional overrides removed); Markdown escapes every character
that could start a link, an image, emphasis, code or HTML; the script quotes every value with
shlex.quote and puts no text on a comment line that could end it; CSV neutralises cells that a
spreadsheet would run as formulas; the EDL is plain printable ASCII.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from errata.io.exports.checklist import Checklist, checklist_read
from errata.io.exports.credits import render_corrections, render_credits
from errata.io.exports.markdown import render_markdown
from errata.io.exports.markers import marker_note, render_edl, render_markers, render_subtitles
from errata.io.exports.script import render_script
from errata.io.exports.tables import ERRATUM_FIELDS, render_csv, render_json
from errata.models import Cut, Erratum

__all__ = [
    "ERRATUM_FIELDS",
    "EXPORT_FORMATS",
    "ExportResult",
    "export_render",
    "export_size",
    "marker_note",
]

EXPORT_FORMATS = (
    "md",
    "csv",
    "json",
    "sh",
    "edl",
    "fcp7",
    "fcpxml",
    "otio",
    "srt",
    "vtt",
    "corrections",
    "credits",
)


@dataclass(frozen=True)
class ExportResult:
    content: str
    content_type: str
    filename: str


_RENDERERS: dict[str, tuple[Callable[[Checklist], str], str, str]] = {
    "md": (render_markdown, "text/markdown; charset=utf-8", "checklist.md"),
    "csv": (render_csv, "text/csv; charset=utf-8", "errata.csv"),
    "json": (render_json, "application/json", "errata.json"),
    "sh": (render_script, "text/x-shellscript; charset=utf-8", "rerender.sh"),
    "edl": (render_edl, "text/plain; charset=us-ascii", "markers.edl"),
    "fcp7": (render_markers("fcp_xml"), "application/xml; charset=utf-8", "markers-fcp7.xml"),
    "fcpxml": (render_markers("fcpx_xml"), "application/xml; charset=utf-8", "markers.fcpxml"),
    "otio": (render_markers("otio_json"), "application/json", "markers.otio"),
    "srt": (render_subtitles("srt"), "application/x-subrip; charset=utf-8", "corrected.srt"),
    "vtt": (render_subtitles("vtt"), "text/vtt; charset=utf-8", "corrected.vtt"),
    "corrections": (render_corrections, "text/plain; charset=utf-8", "corrections.txt"),
    "credits": (render_credits, "text/plain; charset=utf-8", "credits.txt"),
}


def export_render(*, cut: Cut, fmt: str) -> ExportResult:
    """One export of a cut, ready to download or print."""
    if fmt not in _RENDERERS:
        raise ValidationError(
            f"Unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}."
        )
    render, content_type, suffix = _RENDERERS[fmt]
    content = render(checklist_read(cut))
    return ExportResult(
        content=content,
        content_type=content_type,
        filename=f"{cut.video.slug}-cut{cut.number}-{suffix}",
    )


def export_size(*, cut: Cut) -> int:
    """How many errata an export of this cut covers (decides between inline and a task)."""
    return Erratum.objects.filter(cut=cut, merged_into__isnull=True).count()
