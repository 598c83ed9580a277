"""bench/triage.py stays runnable: it reaches into the engine's caches to clear them between
the rules and the learned run, so a renamed cache breaks it (it did once: duplicates._terms)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "triage.py"


def test_the_triage_bench_runs_on_a_small_sample(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_triage", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--comments", "40", "--findings", "40"])
    out = capsys.readouterr().out
    produced = next(line for line in out.splitlines() if "findings produced" in line)
    learned, rules = (int(n.replace(",", "")) for n in re.findall(r"[\d,]+", produced))
    # The same comments give the same findings whichever categoriser runs.
    assert learned == rules > 0
    assert "throughput, learned" in out
    assert "group_findings: 40 findings" in out
