"""Time and memory of a large comment import and of exporting a large checklist.

    SECRET_KEY=x .venv/bin/python bench/import_export.py                  # 100,000 comments
    SECRET_KEY=x .venv/bin/python bench/import_export.py --comments 10000 # a quick run
    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        DATABASE_TEST_NAME=errata_bench .venv/bin/python bench/import_export.py

(a) Import: a generated YouTube Data API commentThreads JSON file of N comments (threads
    with replies, texts from bench/triage.py's generator of real-looking review comments) is
    imported into a cut with 41 scenes by `comments_import`: checked, stored, and
    triaged (findings, categories, scenes, duplicate groups) with `findings_triage_batch`.
    Wall time and the process's peak resident memory (ru_maxrss; includes Django itself).
(b) For comparison, the per-comment path (`findings_triage`, what one Celery task per comment
    would run) on a sample, in comments per second.
(c) Export: 2,000 errata are made from the imported findings (1 to 5 reports each) and every
    export format of the cut is rendered; seconds per format.

Aims: import < 60 s and < 500 MB with triage; the checklist of 2,000 errata < 2 s.

By default half the top-level comments are review-style reports and the rest small talk (a
public comment section); `--review-share 1` makes every top-level comment a report, the worst
case for triage (about 1.5 findings per comment, each matched against the cut's others).
The database is a throwaway test database (SQLite in memory, or DATABASE_URL's server).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from triage import CHATTER, DURATION_S, PRAISE, make_comment  # noqa: E402  (bench/triage.py)

from errata.findings.services import findings_triage  # noqa: E402
from errata.io.services import comments_import  # noqa: E402

# What a public comment section holds besides reports: praise, chatter, short replies.
SMALL_TALK = [
    *PRAISE,
    *CHATTER,
    "Same here!",
    "Agreed, I noticed that too.",
    "Good catch.",
    "I think it's fine as is.",
    "Thanks for pointing that out",
    "First!",
    "Who else is watching this in 2024?",
    "This channel deserves way more subscribers.",
    "My professor should watch this.",
    "The animations are so smooth, what do you use?",
]


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_youtube_file(path: Path, count: int, seed: int, review_share: float) -> tuple[int, int]:
    """A commentThreads.list response with `count` comments, written thread by thread. A
    share `review_share` of top-level comments are review-style reports (bench/triage.py's
    generator: one to four points with times, suggestions); half that share of replies; the
    rest is small talk."""
    rng = random.Random(seed)
    authors = [f"UC{rng.getrandbits(64):016x}" for _ in range(max(10, count // 5))]
    written = threads = 0

    def text(share: float) -> str:
        return make_comment(rng) if rng.random() < share else rng.choice(SMALL_TALK)

    with path.open("w", encoding="utf-8") as out:
        out.write('{"kind": "youtube#commentThreadListResponse", "items": [')
        while written < count:
            replies = min(rng.choice((0, 0, 0, 0, 1, 1, 2, 3)), count - written - 1)
            thread_id = f"Ugx{threads:08d}"

            def comment(cid: str, text: str, parent: str = "") -> dict:
                author = rng.choice(authors)
                snippet = {
                    "authorDisplayName": f"@viewer{author[-6:]}",
                    "authorChannelId": {"value": author},
                    "textDisplay": text,
                    "textOriginal": text,
                    "publishedAt": "2024-05-01T12:00:00Z",
                    "likeCount": rng.randrange(50),
                }
                if parent:
                    snippet["parentId"] = parent
                return {"kind": "youtube#comment", "id": cid, "snippet": snippet}

            thread = {
                "kind": "youtube#commentThread",
                "id": thread_id,
                "snippet": {
                    "channelId": "UCcreator",
                    "videoId": "bench",
                    "topLevelComment": comment(thread_id, text(review_share)),
                    "totalReplyCount": replies,
                },
            }
            if replies:
                thread["replies"] = {
                    "comments": [
                        comment(
                            f"{thread_id}.r{i}",
                            text(review_share / 2),
                            parent=thread_id,
                        )
                        for i in range(replies)
                    ]
                }
            out.write(("," if threads else "") + json.dumps(thread))
            written += 1 + replies
            threads += 1
        out.write("]}")
    return written, threads


def make_cut(label: str):
    from errata.models import Cut, Membership, Scene, SceneSpan, Team, User, Video

    user, _ = User.objects.get_or_create(username="bench", defaults={"display_name": "Creator"})
    team, _ = Team.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    Membership.objects.get_or_create(team=team, user=user, defaults={"role": "owner"})
    video, _ = Video.objects.get_or_create(slug="bench", defaults={"team": team, "title": "Bench"})
    cut = Cut.objects.create(
        video=video, number=Cut.objects.filter(video=video).count() + 1, duration_s=DURATION_S
    )
    scenes = []
    for i in range(41):
        scene, _ = Scene.objects.get_or_create(
            video=video, name=f"Scene{i:02d}", defaults={"source_path": f"scenes/part{i % 3}.py"}
        )
        scenes.append(scene)
    step = DURATION_S / 41
    SceneSpan.objects.bulk_create(
        SceneSpan(cut=cut, scene=s, start_s=round(i * step, 3), end_s=round((i + 1) * step, 3))
        for i, s in enumerate(scenes)
    )
    return cut


def bench_import(path: Path, comments: int) -> object:

    cut = make_cut("import")
    gc.collect()
    before = rss_mib()
    cpu_self = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    phases: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        phases.setdefault(phase, time.perf_counter() - start)

    result = comments_import(
        cut=cut, fmt="youtube", open_file=lambda: path.open("rb"), progress=progress
    )
    elapsed = time.perf_counter() - start
    after = rss_mib()
    self_now = resource.getrusage(resource.RUSAGE_SELF)
    main_cpu = (self_now.ru_utime + self_now.ru_stime) - (cpu_self.ru_utime + cpu_self.ru_stime)
    print(
        f"(a) import of {comments:,} YouTube comments ({path.stat().st_size / 2**20:.0f} MiB file)"
    )
    print(f"  added                   {result.added:,} ({result.replies:,} replies)")
    print(f"  findings                {result.findings:,}")
    writing = phases.get("writing", 0)
    triaging = phases.get("triaging", elapsed)
    print(f"  check the file          {writing:.1f} s")
    print(f"  store comments          {triaging - writing:.1f} s")
    print(f"  triage (batch)          {elapsed - triaging:.1f} s")
    print(f"  total                   {elapsed:.1f} s   (aim < 60 s)")
    # Batch triage runs in this process (as in a Celery worker), so this is all of it.
    print(
        f"  CPU time                {main_cpu:.1f} s "
        f"(the machine's load during the run: {os.getloadavg()[0]:.1f})"
    )
    print(
        f"  peak RSS                {after:.0f} MiB (before the import {before:.0f} MiB)"
        "   (aim < 500 MB)"
    )
    from errata.models import DuplicateGroup

    print(f"  duplicate groups        {DuplicateGroup.objects.filter(cut=cut).count():,}")
    return cut


def bench_single(sample: int, seed: int) -> None:
    from errata.models import Comment

    cut = make_cut("single")
    rng = random.Random(seed + 1)
    rows = "external_id,author,text\n" + "".join(
        f's{i},Viewer {i % 500},"{make_comment(rng).replace(chr(34), chr(39))}"\n'
        for i in range(sample)
    )
    data = rows.encode("utf-8")
    import io

    comments_import(cut=cut, fmt="csv", open_file=lambda: io.BytesIO(data), triage=False)
    ids = list(Comment.objects.filter(cut=cut).order_by("pk").values_list("pk", flat=True))
    start = time.perf_counter()
    for pk in ids:
        findings_triage(comment_id=pk)
    single = time.perf_counter() - start
    print(f"(b) per-comment triage (findings_triage) on {len(ids):,} comments of a fresh cut")
    print(f"  {len(ids) / single:,.0f} comments/s  ({single:.1f} s)")


def make_errata(cut, count: int, seed: int) -> None:
    from errata.models import Erratum, Finding

    rng = random.Random(seed + 2)
    findings = list(
        Finding.objects.filter(cut=cut, state="new", timestamp_s__isnull=False)
        .exclude(suggested_category__in=["none", "content"])
        .order_by("pk")
        .values_list("pk", "timestamp_s", "suggested_category", "suggested_scene_id")[: count * 3]
    )
    rng.shuffle(findings)
    errata = []
    groups = []
    position = 0
    for i in range(count):
        size = rng.choice((1, 1, 1, 2, 2, 3, 5))
        members = findings[position : position + size] or [findings[i % len(findings)]]
        position += size
        _, at, category, scene_id = members[0]
        errata.append(
            Erratum(
                video_id=cut.video_id,
                found_in_cut=cut,
                cut=cut,
                title=f"Erratum {i}: the label at {int(at) // 60}:{int(at) % 60:02d} is wrong",
                category=category,
                remedy="rerecord" if category == "narration" else "rerender",
                timestamp_s=at,
                scene_id=scene_id,
                status=rng.choice(("open", "open", "accepted")),
            )
        )
        groups.append([m[0] for m in members])
    Erratum.objects.bulk_create(errata, batch_size=1000)
    updates = []
    for erratum, members in zip(errata, groups, strict=True):
        for pk in members:
            updates.append(Finding(pk=pk, erratum_id=erratum.pk, state="accepted"))
    seen: set[int] = set()
    unique = [f for f in updates if not (f.pk in seen or seen.add(f.pk))]
    Finding.objects.bulk_update(unique, ["erratum", "state"], batch_size=1000)


def bench_export(cut, count: int, seed: int) -> None:
    from errata.io.exports import EXPORT_FORMATS, export_render
    from errata.models import Erratum

    make_errata(cut, count, seed)
    total = Erratum.objects.filter(cut=cut).count()
    print(f"(c) exports of a cut with {total:,} errata (and its untriaged findings)")
    for fmt in EXPORT_FORMATS:
        gc.collect()
        start = time.perf_counter()
        result = export_render(cut=cut, fmt=fmt)
        elapsed = time.perf_counter() - start
        aim = "   (aim < 2 s)" if fmt == "md" else ""
        print(f"  {fmt:12s}            {elapsed:.2f} s, {len(result.content) / 1024:,.0f} KiB{aim}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--errata", type=int, default=2_000)
    parser.add_argument("--single-sample", type=int, default=1_000)
    parser.add_argument(
        "--review-share",
        type=float,
        default=0.5,
        help="share of top-level comments that are review-style reports (1.0: all of them)",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(f"database: {connection.vendor}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "comment-threads.json"
            start = time.perf_counter()
            comments, threads = write_youtube_file(
                path, args.comments, args.seed, args.review_share
            )
            print(
                f"generated {comments:,} comments in {threads:,} threads "
                f"({args.review_share:.0%} of top-level comments review-style reports) "
                f"in {time.perf_counter() - start:.1f} s"
            )
            cut = bench_import(path, comments)
        if args.single_sample:
            bench_single(args.single_sample, args.seed)
        bench_export(cut, args.errata, args.seed)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
