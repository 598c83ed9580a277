"""What was wrong and what is right (corrections), and who reported it (credits)."""

from __future__ import annotations

from django.db.models import Q

from errata.fixes.reporters import errata_reporters
from errata.io.exports.checklist import (
    PROBLEM_CATEGORIES,
    Checklist,
    Row,
    one_line,
    short_description,
)
from errata.models import Category, Cut, Erratum
from errata.triage.timestamps import format_time


def _still_in_cut(row: Row, cut: Cut) -> bool:
    """A problem this cut's media still has: not fixed, or fixed only in a later cut."""
    e = row.erratum
    if e.category not in PROBLEM_CATEGORIES or e.status == Erratum.Status.NOT_AN_ERROR:
        return False
    if e.status in (Erratum.Status.FIXED, Erratum.Status.VERIFIED):
        return e.fixed_in_cut is not None and e.fixed_in_cut.number > cut.number
    return True


def _stated_correction(erratum: Erratum) -> str:
    """The erratum's correction as the line says it: “maybe” (not “mabye”)."""
    if not erratum.correction_right:
        return ""
    wrong = f" (not “{erratum.correction_wrong}”)" if erratum.correction_wrong else ""
    return f"“{erratum.correction_right}”{wrong}"


def render_corrections(checklist: Checklist) -> str:
    rows = [r for r in checklist.rows if _still_in_cut(r, checklist.cut)]
    rows.sort(key=lambda r: (r.erratum.timestamp_s is None, r.erratum.timestamp_s or 0))
    if not rows:
        return "No corrections.\n"
    lines = ["Corrections:"]
    for row in rows:
        e = row.erratum
        right = one_line(_stated_correction(e) or e.fix_note or e.description)
        time = f"{format_time(e.timestamp_s)} " if e.timestamp_s is not None else ""
        text = one_line(f"{Category(e.category).label}: {short_description(e)}").rstrip(".\u2026 ")
        lines.append(f"{time}\u2013 {text}" + (f". Correct: {right}" if right else "."))
    return "\n".join(lines) + "\n"


def render_credits(checklist: Checklist) -> str:
    """Everyone whose report became an erratum found in or placed on this cut (not the ones
    judged not an error), in the order they first reported."""
    cut = checklist.cut
    errata = Erratum.objects.filter(
        Q(cut=cut) | Q(found_in_cut=cut),
        merged_into__isnull=True,
        category__in=PROBLEM_CATEGORIES,
    ).exclude(status=Erratum.Status.NOT_AN_ERROR)
    names: dict[str, str] = {}
    unnamed: set[str] = set()
    for people in errata_reporters(erratum_ids=errata.values_list("pk", flat=True)).values():
        for person in people:
            name = one_line(person.name or "")
            if not name:
                unnamed.add(person.key)
                continue
            names.setdefault(name.casefold(), name)
    listed = sorted(names.values(), key=str.casefold)
    if not listed and not unnamed:
        return "No reports became errata yet.\n"
    people = list(listed)
    if unnamed:
        more = len(unnamed)
        people.append(f"{more} more who left no name" if more > 1 else "one more")
    line = people[0] if len(people) == 1 else ", ".join(people[:-1]) + " and " + people[-1]
    return (
        f"Thanks to {line} for catching errors in the early cut of "
        f"\u201c{one_line(cut.video.title)}\u201d."
        "\n\n" + "".join(f"{name}\n" for name in listed)
    )
