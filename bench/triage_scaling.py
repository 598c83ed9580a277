"""Triage of one new comment on a cut that already holds 1,000 and 100,000 findings: does its
cost grow with the cut? (Aim: at 100k within 2x of at 1k.)

    SECRET_KEY=x .venv/bin/python bench/triage_scaling.py                   # 1k and 100k
    SECRET_KEY=x .venv/bin/python bench/triage_scaling.py --sizes 1000,10000 --samples 10

On a throwaway database of the PostgreSQL in DATABASE_URL (default: the local server), one cut
per size is filled the way bench/http.py fills its cuts (COPY of generated reports, one finding
each with its lookup tokens, duplicate groups, a tenth accepted; then ANALYZE). Then, per cut
and in turns (so a busy machine weighs on both alike), a new report is stored as a comment and
`findings_triage` runs on it, timed on its own, with its query count. Prints one JSON line per
size (p50, p90, queries) and one with the ratio of the largest cut's p50 to the smallest's.
The database is dropped afterwards (`--keep` keeps it).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(BENCH))

DATABASE = "errata_bench_triage_scaling"
DURATION_S = 1200.0
# New reports, the kinds that find duplicate candidates in a filled cut.
NEW_REPORTS = [
    "At {m}:{s:02d} the label says 'mabye' instead of 'maybe'.",
    "{m}:{s:02d} typo in the caption: 'teh gradient'",
    "Around {m}:{s:02d} the formula on screen is missing a minus sign.",
    "At {m}:{s:02d} the narrator says 'neuron' but the slide says 'nueron'.",
]


def _bench_http():
    # bench/http.py's fill and database helpers (its name hides the standard library's http).
    spec = importlib.util.spec_from_file_location("bench_http", BENCH / "http.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="findings per cut, by commas")
    parser.add_argument("--samples", type=int, default=20, help="new comments triaged per cut")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or min(sizes) < 1 or max(sizes) > 500_000 or not 1 <= args.samples <= 1000:
        parser.error("--sizes: 1 to 500,000 by commas; --samples: 1 to 1,000")
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not server.startswith(("postgres://", "postgresql://")):
        parser.error("DATABASE_URL must name a PostgreSQL server")
    bench_http = _bench_http()
    bench_http.database_recreate(server, DATABASE)
    try:
        run(args, sizes, bench_http, bench_http.database_url(server, DATABASE))
    finally:
        if not args.keep:
            bench_http.database_recreate(server, DATABASE, drop_only=True)


def run(args, sizes: list[int], bench_http, url: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "reviewapp.settings",
            "LOG_LEVEL": "warning",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key",
        }
    )
    for key in [k for k in os.environ if k.startswith("CELERY_")]:
        del os.environ[key]
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from errata.findings.services import findings_triage
    from errata.models import Comment, Cut, Reviewer, Team, Video

    call_command("migrate", verbosity=0)
    team = Team.objects.create(name="Bench", slug="bench")
    video = Video.objects.create(team=team, title="Bench", slug="bench")
    reviewers = [Reviewer.objects.create(display_name=f"Patron {i}") for i in range(20)]
    cuts = {}
    for number, size in enumerate(sizes, start=1):
        started = time.perf_counter()
        cut = Cut.objects.create(video=video, number=number, duration_s=DURATION_S)
        reports = bench_http.generated_reports(size, seed=number)
        bench_http.errata_fill(cut=cut, reviewers=reviewers, reports=reports)
        cuts[size] = cut
        print(json.dumps({"filled": size, "seconds": round(time.perf_counter() - started, 1)}))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    timings: dict[int, list[float]] = {size: [] for size in sizes}
    queries: dict[int, list[int]] = {size: [] for size in sizes}
    for i in range(args.samples):
        for size in sizes:
            text = NEW_REPORTS[i % len(NEW_REPORTS)].format(m=1 + i % 18, s=(i * 7) % 60)
            comment = Comment.objects.create(
                cut=cuts[size], text=text, author_name="Bench", reviewer=reviewers[i % 20]
            )
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                findings_triage(comment_id=comment.pk)
                timings[size].append((time.perf_counter() - started) * 1000)
            queries[size].append(len(captured))
    p50 = {}
    for size in sizes:
        ordered = sorted(timings[size])
        p50[size] = statistics.median(ordered)
        print(
            json.dumps(
                {
                    "findings": size,
                    "p50_ms": round(p50[size], 1),
                    "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
                    "queries": max(queries[size]),
                    "samples": len(ordered),
                }
            )
        )
    smallest, largest = min(sizes), max(sizes)
    print(
        json.dumps(
            {
                "ratio": f"{largest} vs {smallest}",
                "p50_ratio": round(p50[largest] / p50[smallest], 2),
                "aim": "<= 2.0",
            }
        )
    )


if __name__ == "__main__":
    main()
