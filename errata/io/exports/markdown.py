"""The fix checklist in Markdown: every character that could start syntax is escaped."""

from __future__ import annotations

import re
from collections import defaultdict

from errata.findings.selectors import content_suggestions_open
from errata.io.exports.checklist import (
    Checklist,
    Row,
    clip,
    count_label,
    one_line,
    range_label,
    reports_phrase,
    rows_to_fix,
    rows_to_rerecord,
    short_description,
)
from errata.models import OPEN_STATUSES, Category, Remedy, SceneSpan
from errata.triage.timestamps import format_time

# The characters that start Markdown inline syntax: links and images ([ ]), emphasis and
# strikethrough (* _ ~), code (`), HTML, autolinks and entities (< > &), and the backslash
# itself. Escaped with a backslash (CommonMark), each shows as itself. Block syntax (# - + >)
# only counts at the start of a line, and patron text never starts one.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~&])")


def md_escape(text: str) -> str:
    """Patron text on one line, every Markdown and HTML character shown as itself."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(text))


def md_code(text: str) -> str:
    """A code span that holds `text` literally, backticks included: CommonMark closes a code
    span only at a run of backticks as long as the one that opened it."""
    text = one_line(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def md_span(spans: list[SceneSpan]) -> str:
    return ", ".join(f"{format_time(s.start_s)}\u2013{format_time(s.end_s)}" for s in spans)


def render_markdown(checklist: Checklist) -> str:
    cut = checklist.cut
    video = cut.video
    to_fix = rows_to_fix(checklist.rows)
    rerecord = rows_to_rerecord(checklist.rows)
    content_errata = [
        r
        for r in checklist.rows
        if r.erratum.status in OPEN_STATUSES and r.erratum.category == Category.CONTENT
    ]
    suggestions = content_suggestions_open(cut=cut)
    order = checklist.scene_order()
    spans_of = checklist.spans_of()

    by_scene: dict[int | None, list[Row]] = defaultdict(list)
    for row in to_fix:
        by_scene[row.scene.pk if row.scene else None].append(row)
    placed = sorted((s for s in by_scene if s in order), key=order.__getitem__)
    unplaced = sorted(
        (s for s in by_scene if s is not None and s not in order),
        key=lambda s: by_scene[s][0].scene.name,
    )

    cut_name = f"cut {cut.number}" + (f" ({cut.label})" if cut.label else "")
    lines = [
        f"# Fix checklist: {md_escape(video.title)}, {cut_name}",
        "",
        f"{count_label(len(to_fix), 'erratum', 'errata')} to fix in "
        f"{count_label(len(placed) + len(unplaced), 'scene')}, "
        f"{count_label(len(rerecord), 'narration line')} to re-record, "
        f"{count_label(len(content_errata) + len(suggestions), 'open content suggestion')}.",
        "",
        "## Errata to fix, by scene",
        "",
    ]
    if not to_fix:
        lines += ["Nothing to fix.", ""]

    def item(row: Row) -> str:
        e = row.erratum
        extra = "" if e.remedy == Remedy.RERENDER else f" ({Remedy(e.remedy).label.lower()})"
        return (
            f"- [ ] {range_label(e)} · {e.category} · {md_escape(short_description(e))}"
            f"{extra} · {reports_phrase(row)}"
        )

    for number, scene_id in enumerate([*placed, *unplaced], start=1):
        rows = sorted(by_scene[scene_id], key=lambda r: (r.erratum.timestamp_s or 0, r.erratum.pk))
        scene = rows[0].scene
        source = f" · {md_code(scene.source_path)}" if one_line(scene.source_path) else ""
        span = md_span(spans_of[scene_id]) if scene_id in spans_of else "not on this cut"
        lines += [f"### {number}. {md_escape(scene.name)}{source} · {span}", ""]
        lines += [item(r) for r in rows]
        lines.append("")
    if None in by_scene:
        lines += ["### Not linked to a scene", ""]
        lines += [item(r) for r in by_scene[None]]
        lines.append("")

    lines += ["## Narration to re-record", ""]
    if not rerecord:
        lines += ["Nothing to re-record.", ""]
    for row in rerecord:
        e = row.erratum
        scene = f" · {md_escape(row.scene.name)}" if row.scene else ""
        lines.append(
            f"- [ ] {range_label(e)}{scene} · {md_escape(short_description(e))} · "
            f"{reports_phrase(row)}"
        )
    if rerecord:
        lines.append("")

    lines += ["## Open content suggestions", ""]
    if not content_errata and not suggestions:
        lines += ["None open.", ""]
    for row in content_errata:
        e = row.erratum
        lines.append(
            f"- {range_label(e)} · {md_escape(short_description(e))} · {reports_phrase(row)}"
        )
    for finding in suggestions:
        author = finding.comment.author_name.strip() or "anonymous"
        text = md_escape(clip(finding.text))
        lines.append(f"- {range_label(finding)} · {text} ({md_escape(author)})")
    return "\n".join(lines).rstrip() + "\n"
