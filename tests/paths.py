"""Where the tests find the repository's files."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The demo's real data (the Patreon page, its labelled version, the edit decision list).
DATA = ROOT / "errata" / "data"
# Eight seconds of ffmpeg's test pattern, for the player and Range requests.
TEST_VIDEO = ROOT / "tests" / "data" / "testsrc-8s.webm"
