"""Checks a browser test runs on a whole page: axe-core's accessibility rules (the copy that
axe-playwright-python bundles, so it works offline) and a full-page screenshot kept under
test-artifacts/ (git-ignored; CI keeps the folder in its checkout)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# What fails a test; "moderate" and "minor" are printed, not enforced.
BLOCKING_IMPACTS = ("critical", "serious")
IMPACT_ORDER = ("critical", "serious", "moderate", "minor")

_axe = Axe()


@dataclass
class PageAudit:
    name: str
    width: int
    violations: list[dict] = field(default_factory=list)

    @property
    def blocking(self) -> list[dict]:
        return [v for v in self.violations if v.get("impact") in BLOCKING_IMPACTS]

    def summary(self) -> str:
        """One line per page: counts by impact, then each rule that failed with where."""
        counts = Counter(v.get("impact") or "unknown" for v in self.violations)
        by_impact = ", ".join(f"{counts[i]} {i}" for i in IMPACT_ORDER if counts[i]) or "none"
        lines = [f"axe {self.name} @{self.width}px: {by_impact}"]
        for violation in self.violations:
            targets = [" ".join(map(str, n.get("target", []))) for n in violation["nodes"][:3]]
            lines.append(
                f"    [{violation.get('impact')}] {violation['id']}: {violation['help']} "
                f"({len(violation['nodes'])}x, e.g. {'; '.join(targets)})"
            )
            why = " ".join((violation["nodes"][0].get("failureSummary") or "").split())
            lines.append(f"      {why[:300]}")
        return "\n".join(lines)


def page_audit(page, name: str) -> PageAudit:
    """Run axe-core on the page as it is now and save a full-page screenshot of it as
    test-artifacts/<name>-<width>.png."""
    width = page.viewport_size["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    results = _axe.run(page)
    audit = PageAudit(name=name, width=width, violations=results.response["violations"])
    print(audit.summary())
    return audit
