"""How many actions (key presses + clicks) triaging the demo cut to errata takes in a real
browser: one group at a time with the keyboard, and with bulk triage.

    .venv/bin/python bench/triage_actions.py

Runs tests/web/studio/test_triage_actions.py (headless Chromium, `load_demo --no-video` in a
throwaway test database), which writes test-artifacts/triage_actions.json, and prints both
counts with what each flow left: errata made, findings dismissed, findings left untriaged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "test-artifacts" / "triage_actions.json"


def main() -> None:
    RESULTS.unlink(missing_ok=True)
    env = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY", "bench")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/web/studio/test_triage_actions.py", "-q"],
        cwd=ROOT,
        env=env,
        check=False,
    )
    if run.returncode != 0 or not RESULTS.exists():
        sys.exit(f"The browser run failed (exit {run.returncode}); see the output above.")
    results = json.loads(RESULTS.read_text())
    for flow, result in results.items():
        print(
            f"{flow:>22}: {result['actions']:3} actions ({result['keys']} keys, "
            f"{result['clicks']} clicks) -> {result['errata']} errata, "
            f"{result['dismissed']} dismissed, {result['untriaged']} untriaged"
        )


if __name__ == "__main__":
    main()
