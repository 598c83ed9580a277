"""`make fuzz`: hostile input through every importer, parser, form and API write, at a higher
example count than `make test`. Collected only when ERRATA_FUZZ is set (tests/conftest.py).

FUZZ_EXAMPLES sets how many generated inputs each target tries (default 300; `.ci/run` runs a
bounded budget). Targets whose parser runs in a child process (timelines, manim sources) try a
tenth of that. At the end the run prints, per target, how many inputs it tried.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, settings

from tests.api.conftest import World, world  # noqa: F401 - fixtures for the API targets

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
# Parsers run in a child process (errata.core.sandbox) cost a process start per input.
SANDBOXED_EXAMPLES = max(10, EXAMPLES // 10)

TRIED: Counter[str] = Counter()


def tried(target: str, count: int = 1) -> None:
    """Count inputs tried on a target, for the summary."""
    TRIED[target] += count


def fuzz_settings(examples: int = EXAMPLES):
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=os.environ.get("FUZZ_SEED") is None,
        suppress_health_check=list(HealthCheck),
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TRIED:
        return
    terminalreporter.section("inputs tried per target")
    width = max(len(target) for target in TRIED)
    for target, count in sorted(TRIED.items()):
        terminalreporter.write_line(f"{target:<{width}}  {count:>7,}")
    terminalreporter.write_line(f"{'total':<{width}}  {sum(TRIED.values()):>7,}")


@pytest.fixture(autouse=True)
def _rates_no_run_reaches(settings):
    settings.API_THROTTLE_RATES = {
        "token": "1000000/min",
        "review_link": "1000000/min",
        "user": "1000000/min",
        "token_create": "1000000/min",
    }
    settings.REVIEW_POSTS_PER_MINUTE = 1_000_000
    settings.REVIEW_POSTS_PER_MINUTE_PER_IP = 1_000_000
