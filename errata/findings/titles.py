"""What a group of findings suggests for the erratum it becomes: category, time, scene, remedy
and a title naming the problem.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.utils import translation

from errata.core.text import shorten
from errata.models import REMEDY_FOR_CATEGORY, Category, Finding
from errata.triage.categories import ERRATUM_CATEGORIES, quoted_strings
from errata.triage.corrections import Correction, extract_correction


def majority(values: Iterable, *, default=None):
    counts = Counter(v for v in values if v not in (None, ""))
    return counts.most_common(1)[0][0] if counts else default


def finding_correction(finding: Finding) -> Correction | None:
    """The correction a finding states: as triage stored it, else read from its text now (for
    findings stored before triage read corrections)."""
    if finding.suggested_correction_right:
        return Correction(finding.suggested_correction_wrong, finding.suggested_correction_right)
    return extract_correction(finding.text)


def erratum_defaults_from_findings(findings: list[Finding]) -> dict:
    """What the inbox prefills when a group becomes an erratum: the category most reports give
    (an erratum category over content or none), the median time, the scene most reports fall in,
    the correction most reports state, and a title naming the problem and where it is, the way
    a creator would write it ("“mabye” should be “maybe”")."""
    categories = [f.effective_category for f in findings]
    erratum_like = [c for c in categories if c in ERRATUM_CATEGORIES]
    category = majority(erratum_like or categories, default=Category.CONTENT)
    timed = sorted(
        (f for f in findings if f.timestamp_s is not None), key=lambda f: (f.timestamp_s, f.pk or 0)
    )
    median = timed[len(timed) // 2] if timed else None
    timestamp_s = median.timestamp_s if median else None
    # The range the median report marked, if it marked one ("6:02-6:10").
    timestamp_end_s = median.timestamp_end_s if median else None
    scene_id = majority(f.effective_scene_id for f in findings)
    # The word people quote most ("mabye") names a typo better than any sentence of theirs.
    quoted = majority(
        q.strip(" .,;:!?") for f in findings for q in quoted_strings(f.text) if len(q) <= 40
    )
    # Reports that state a correction mostly agree on it; ties go to the earliest report.
    earliest_first = sorted(findings, key=lambda f: f.pk or 0)
    correction = majority(c for c in map(finding_correction, earliest_first) if c is not None)
    # A title is stored and read by the whole team: it is written in the site's language,
    # whatever the page's. It names the problem as a creator would, without the time or the
    # category (the board and every export show those beside it, and the time changes when the
    # erratum is carried to a new cut).
    with translation.override(settings.LANGUAGE_CODE):
        label = str(Category(category).label)
    if correction is not None and correction.wrong:
        title = f"“{correction.wrong}” should be “{correction.right}”"
    elif correction is not None:
        title = f"Should be “{correction.right}”"
    elif quoted:
        title = f"{label}: “{quoted}”"
    else:
        first = min(findings, key=lambda f: (f.timestamp_s is None, f.pk or 0))
        title = f"{label}: {shorten(first.text)}"
    return {
        "title": title[:300],
        "category": category,
        "timestamp_s": timestamp_s,
        "timestamp_end_s": timestamp_end_s,
        "scene_id": scene_id,
        "remedy": REMEDY_FOR_CATEGORY[Category(category)],
        # The inbox names the group by it ("3 reports near 6:00 — typo — 'mabye'").
        "quoted": quoted or "",
        "correction_wrong": correction.wrong[:200] if correction else "",
        "correction_right": correction.right[:200] if correction else "",
    }
