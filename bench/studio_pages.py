"""How long the studio's busiest pages take on a big cut, and how many queries they make.

    .venv/bin/python bench/studio_pages.py                 # 5,000 untriaged + 5,000 in errata
    .venv/bin/python bench/studio_pages.py --findings 20000

Builds a throwaway SQLite database (or uses DATABASE_URL), fills one cut with N untriaged
findings in groups of five and N more accepted into N/5 errata, then renders the triage inbox,
the errata board, an erratum page and the video list through Django's test client. Prints the
median of several renders and the query count of each page: the query counts must not grow
with N (tests/test_studio_*.py hold them), the times show what a creator waits.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--findings", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    scratch = tempfile.TemporaryDirectory()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch.name}/bench.sqlite3")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)

    from tests import factories
    from tests.studio_scenario import bulk_errata, bulk_findings, scenes_on

    user = factories.UserFactory(username="bench")
    membership = factories.MembershipFactory(user=user)
    video = factories.VideoFactory(team=membership.team, slug="bench")
    cut = factories.CutFactory(video=video, number=1, duration_s=1200)
    scenes = scenes_on(cut, [(f"Scene{i:02d}", i * 30, (i + 1) * 30) for i in range(40)])
    started = time.perf_counter()
    bulk_findings(cut, args.findings, per_group=5, scenes=scenes.values())
    errata = bulk_errata(cut, args.findings // 5, per_erratum=5, scenes=scenes.values())
    print(
        f"{args.findings:,} untriaged findings and {args.findings:,} in {len(errata):,} errata "
        f"stored in {time.perf_counter() - started:.1f} s"
    )

    client = Client()
    client.force_login(user)
    pages = {
        "inbox": "/studio/videos/bench/cuts/1/inbox/",
        "inbox, last page": "/studio/videos/bench/cuts/1/inbox/?page=last",
        "board": "/studio/videos/bench/cuts/1/board/",
        "board by status": "/studio/videos/bench/cuts/1/board/?view=status",
        "erratum": f"/studio/videos/bench/errata/{errata[0].pk}/",
        "videos": "/studio/",
    }
    print(f"{'page':<18} {'median ms':>10} {'queries':>8} {'KiB':>6}")
    for name, url in pages.items():
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(
            f"{name:<18} {statistics.median(times):>10.1f} {len(queries):>8} "
            f"{len(response.content) / 1024:>6.0f}"
        )
    scratch.cleanup()


if __name__ == "__main__":
    main()
