"""Errata over HTTP beside a bare Django project doing the same work, on the same PostgreSQL,
under the same gunicorn settings, in the same run.

    SECRET_KEY=x .venv/bin/python bench/http.py                       # cuts of 1k, 10k, 50k
    SECRET_KEY=x .venv/bin/python bench/http.py --sizes 1000,5000 --seconds 2   # a quick run
    SECRET_KEY=x .venv/bin/python bench/http.py --broker redis://127.0.0.1:6379/9  # with a worker

What it does, all on 127.0.0.1 and bounded (a few seconds per measurement):
1. Makes two throwaway databases on the PostgreSQL of DATABASE_URL (default: the local server,
   postgres@127.0.0.1:5432): one for Errata (migrated), one for the baseline.
2. Fills one cut per size: N comments (texts from bench/triage.py's generator of real-looking
   reports, suggestions and praise; 70 % with a player time), one finding each with its lookup
   tokens, duplicate groups of the reports of one problem, a tenth of the findings accepted
   into errata of five; the baseline gets the same N rows in its one table. Rows go in with
   COPY; then ANALYZE (what autovacuum would have done by the time anyone looks).
3. Starts Errata (gunicorn with the project's gunicorn.conf.py, GUNICORN_WORKERS workers) and
   the baseline (a Django project generated in a temporary folder: one model, one insert view,
   one list view, the same gunicorn.conf.py) on free ports. Without `--broker`, as `make run`:
   triage runs in the request (eagerly); with it, as in production: a post queues its triage
   and a Celery worker the benchmark starts (one process, on the same machine) does it.
4. Measures, one user at a time, keep-alive: the review page, the studio inbox, the board and
   the API comment list (GET, by page and by cursor), and a comment posted through the API and
   through the review page (htmx). The baseline answers each GET with its list view (40 rows
   rendered by a template, or 50 as JSON) and each POST with its insert view.
5. Prints one JSON line per measurement and size: Errata's and the baseline's median latency
   (p50), p90, requests per second and response bytes, and two ratios: `ratio` (Errata's
   req/s / the baseline's: 1.0 is as fast as bare Django) and `slowdown` (p50 over p50).
6. Stops only the servers it started and drops its databases (`--keep` keeps them).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is bench/http.py: its folder must not hide the standard library's http package.
BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
from collections.abc import Callable  # noqa: E402

ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
# Last, for bench/triage.py's generator only.
sys.path.append(str(BENCH))

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/postgres"
ERRATA_DB = "errata_bench_http"
BARE_DB = "errata_bench_http_bare"
DURATION_S = 1200.0
# Rate limits and API throttles are for people, not for a benchmark from one address.
UNLIMITED = {
    "REVIEW_POSTS_PER_MINUTE": "1000000",
    "REVIEW_POSTS_PER_MINUTE_PER_IP": "1000000",
    "API_THROTTLE_TOKEN": "1000000/hour",
    "API_THROTTLE_REVIEW_LINK": "1000000/hour",
    "API_THROTTLE_USER": "1000000/hour",
}


# --- The baseline: a bare Django project --------------------------------------------------------

BARE_SETTINGS = """
from urllib.parse import urlsplit

import os

_url = urlsplit(os.environ["BARE_DATABASE_URL"])
SECRET_KEY = "bench-only-bare"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "bare"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bare_urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": _url.username or "",
        "PASSWORD": _url.password or "",
        "HOST": _url.hostname or "",
        "PORT": _url.port or "",
        "CONN_MAX_AGE": int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
"""

BARE_MODELS = """
from django.db import models
from django.utils import timezone


class Note(models.Model):
    cut = models.IntegerField()
    author = models.CharField(max_length=150)
    text = models.TextField()
    timestamp_s = models.FloatField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["cut", "timestamp_s", "id"])]
"""

BARE_VIEWS = """
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from bare.models import Note


def note_list(request, cut):
    notes = Note.objects.filter(cut=cut).order_by("timestamp_s", "id")[:40]
    return render(request, "list.html", {"notes": notes})


def note_list_json(request, cut):
    notes = Note.objects.filter(cut=cut).order_by("timestamp_s", "id")[:50]
    return JsonResponse(
        {"results": [
            {"id": n.pk, "author": n.author, "text": n.text, "timestamp_s": n.timestamp_s,
             "created_at": n.created_at.isoformat()}
            for n in notes
        ]}
    )


@csrf_exempt
def note_create(request, cut):
    text = request.POST.get("text") or json_text(request)
    if not text:
        return HttpResponse("text?", status=400)
    note = Note.objects.create(cut=cut, author="Bench", text=text, timestamp_s=12.0)
    if request.content_type == "application/json":
        return JsonResponse({"id": note.pk, "text": note.text}, status=201)
    return render(request, "item.html", {"note": note})


def json_text(request):
    import json

    try:
        return json.loads(request.body or b"{}").get("text")
    except ValueError:
        return None
"""

BARE_URLS = """
from django.urls import path

from bare import views

urlpatterns = [
    path("list/<int:cut>/", views.note_list),
    path("api/list/<int:cut>/", views.note_list_json),
    path("new/<int:cut>/", views.note_create),
]
"""

BARE_LIST = """<!doctype html><html><head><title>Notes</title></head><body><ol>
{% for note in notes %}{% include "item.html" %}{% endfor %}
</ol></body></html>"""

BARE_ITEM = """<li id="note-{{ note.pk }}"><b>{{ note.author }}</b>
<time>{{ note.timestamp_s|floatformat:1 }}</time> {{ note.text|linebreaksbr }}</li>
"""

BARE_WSGI = """
import os

# Not setdefault: gunicorn.conf.py imports the reviewapp package, which names its own settings.
os.environ["DJANGO_SETTINGS_MODULE"] = "bare_settings"
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
"""


def bare_project(folder: Path) -> None:
    (folder / "bare").mkdir()
    (folder / "templates").mkdir()
    (folder / "bare_settings.py").write_text(BARE_SETTINGS)
    (folder / "bare_urls.py").write_text(BARE_URLS)
    (folder / "bare_wsgi.py").write_text(BARE_WSGI)
    (folder / "bare" / "__init__.py").write_text("")
    (folder / "bare" / "models.py").write_text(BARE_MODELS)
    (folder / "bare" / "views.py").write_text(BARE_VIEWS)
    (folder / "templates" / "list.html").write_text(BARE_LIST)
    (folder / "templates" / "item.html").write_text(BARE_ITEM)


# --- Databases ----------------------------------------------------------------------------------


def database_url(server: str, name: str) -> str:
    parts = urllib.parse.urlsplit(server)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def database_recreate(server: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


# --- Generated data -----------------------------------------------------------------------------


def generated_reports(count: int, seed: int) -> list[tuple[str, float | None, float | None, str]]:
    """(text, player time, time named in the text, category) for `count` comments."""
    from triage import make_findings  # bench/triage.py

    rng = random.Random(seed)
    rows = []
    for item in make_findings(rng, count):
        text = item.text
        # Reports with a place are typos; the rest are suggestions, short ones praise.
        category = (
            "typo" if item.timestamp_s is not None else ("none" if len(text) < 60 else "content")
        )
        player = item.timestamp_s if item.timestamp_s is not None and rng.random() < 0.7 else None
        named = item.timestamp_s
        rows.append((text, player, named, category))
    return rows


def _column_defaults(model) -> dict[str, object]:
    """Every concrete column of a model with the value Django would give it by default, so the
    COPY below keeps working when a column is added."""
    from django.db.models import JSONField
    from django.utils import timezone
    from psycopg.types.json import Jsonb

    now = timezone.now()
    values: dict[str, object] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or getattr(field, "generated", False):
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.has_default():
            value = field.get_default()
        else:
            value = None if field.null else ("" if field.empty_strings_allowed else None)
        if isinstance(field, JSONField):
            value = Jsonb(value)
        values[field.column] = value
    return values


def _copy(cursor, model, rows: list[dict[str, object]]) -> None:
    """COPY rows (each a dict of the columns it sets) into the model's table, ids included."""
    defaults = _column_defaults(model)
    columns = ["id", *defaults]
    table = model._meta.db_table
    with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row.get(c, defaults.get(c)) for c in columns])
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608  (a model's table)
        f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
    )


def _next_id(cursor, model) -> int:
    table = model._meta.db_table
    cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')  # noqa: S608  (a model's table)
    return cursor.fetchone()[0]


def errata_fill(*, cut, reviewers: list, reports: list) -> None:
    """One comment per report, one finding each (with lookup tokens), duplicate groups by
    problem and place, a tenth of the findings accepted into errata of five."""
    from django.db import connection, transaction

    from errata.findings.grouping import finding_lookup_tokens
    from errata.models import Comment, DuplicateGroup, Erratum, Finding, FindingToken

    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor
        comment_id = _next_id(cursor, Comment)
        finding_id = _next_id(cursor, Finding)
        group_id = _next_id(cursor, DuplicateGroup)
        erratum_id = _next_id(cursor, Erratum)
        comments, findings, tokens, groups, errata = [], [], [], {}, []
        for i, (text, player, named, category) in enumerate(reports):
            reviewer = reviewers[i % len(reviewers)]
            comments.append(
                {
                    "id": comment_id + i,
                    "cut_id": cut.pk,
                    "reviewer_id": reviewer.pk,
                    "author_name": reviewer.display_name,
                    "text": text,
                    "timestamp_s": player,
                    "triage_state": Comment.TriageState.DONE,
                }
            )
            # Reports of one problem are within seconds of each other: a group per place.
            group = None
            if category == "typo" and named is not None:
                key = int(named // 10)
                if key not in groups:
                    groups[key] = group_id + len(groups)
                group = groups[key]
            accepted = i % 10 == 0 and category == "typo"
            erratum = None
            if accepted:
                if not errata or errata[-1]["members"] >= 5:
                    errata.append(
                        {
                            "id": erratum_id + len(errata),
                            "video_id": cut.video_id,
                            "found_in_cut_id": cut.pk,
                            "cut_id": cut.pk,
                            "title": text[:80],
                            "category": "typo",
                            "timestamp_s": named,
                            "members": 0,
                        }
                    )
                errata[-1]["members"] += 1
                erratum = errata[-1]["id"]
            findings.append(
                {
                    "id": finding_id + i,
                    "comment_id": comment_id + i,
                    "cut_id": cut.pk,
                    "text": text,
                    "span_end": len(text),
                    "timestamp_s": named,
                    "timestamp_source": "player" if player is not None else "text",
                    "suggested_category": category,
                    "category_confidence": 0.8,
                    "duplicate_group_id": None if accepted else group,
                    "erratum_id": erratum,
                    "state": Finding.State.ACCEPTED if accepted else Finding.State.NEW,
                }
            )
            tokens.extend(
                {"finding_id": finding_id + i, "cut_id": cut.pk, "token": token}
                for token in finding_lookup_tokens(text)
            )
        _copy(cursor, Comment, comments)
        _copy(cursor, DuplicateGroup, [{"id": g, "cut_id": cut.pk} for g in groups.values()])
        _copy(cursor, Erratum, errata)
        _copy(cursor, Finding, findings)
        token_id = _next_id(cursor, FindingToken)
        _copy(cursor, FindingToken, [{"id": token_id + i, **t} for i, t in enumerate(tokens)])
    # Statistics first: without them the planner reads every finding per comment in the hooks'
    # correlated UPDATE (25 minutes for 100k comments instead of seconds).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE errata_comment")
        cursor.execute("ANALYZE errata_finding")
    # What the services keep current when a comment or finding is stored (none on main).
    filled = _after_fill_hooks()
    for hook in filled:
        hook(cut_id=cut.pk)


def _after_fill_hooks() -> list[Callable]:
    """Services that bring a cut's stored ordering columns up to date after rows were written
    behind the services' back (here, by COPY), when this version of Errata has them."""
    import importlib

    hooks = []
    for module, name in (("errata.reviews.services", "comments_list_time_refresh"),):
        try:
            hooks.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            continue
    return hooks


def bare_fill(server: str, *, cut: int, reports: list) -> None:
    import psycopg

    with psycopg.connect(database_url(server, BARE_DB)) as conn, conn.cursor() as cursor:
        with cursor.copy(
            "COPY bare_note (cut, author, text, timestamp_s, created_at) FROM STDIN"
        ) as copy:
            for i, (text, player, named, _category) in enumerate(reports):
                copy.write_row(
                    [cut, f"Patron {i % 20}", text, player if player is not None else named, "now"]
                )
        cursor.execute("ANALYZE bare_note")


# --- Servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_start(app: str, *, port: int, cwd: Path, env: dict, log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), app]
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": "/dev/null"}
    with log.open("wb") as out:
        # A session of its own, so stopping it stops its workers and nothing else.
        return subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def gunicorn_stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_ready(port: int, path: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server on port {port} stopped:\n{log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(
        f"the server on port {port} did not answer in 90 s:\n{log.read_text()[-3000:]}"
    )


# --- The client ---------------------------------------------------------------------------------


class Client:
    """One user on one keep-alive connection, with the cookies the server gives."""

    def __init__(self, port: int, headers: dict | None = None) -> None:
        self.port = port
        self.headers = headers or {}
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        all_headers = {"Host": "127.0.0.1", **self.headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection (or recycled a worker).
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, content


def measure(
    send: Callable[[], tuple[int, bytes]], *, expect: int, seconds: float, most: int, what: str
) -> dict:
    """Sequential requests for about `seconds` (at least 5, at most `most`), after two to warm
    up: p50 and p90 latency, requests per second, bytes of the last answer."""
    for _ in range(2):
        status, content = send()
        if status != expect:
            raise SystemExit(f"{what}: expected {expect}, got {status}: {content[:600]!r}")
    times = []
    started = time.perf_counter()
    while len(times) < most and (len(times) < 5 or time.perf_counter() - started < seconds):
        t0 = time.perf_counter()
        status, content = send()
        times.append(time.perf_counter() - t0)
        if status != expect:
            raise SystemExit(f"{what}: expected {expect}, got {status}: {content[:600]!r}")
    elapsed = time.perf_counter() - started
    times.sort()
    return {
        "p50_ms": round(statistics.median(times) * 1000, 2),
        "p90_ms": round(times[int(len(times) * 0.9) - 1 if len(times) >= 10 else -1] * 1000, 2),
        "req_s": round(len(times) / elapsed, 1),
        "bytes": len(content),
        "n": len(times),
    }


def median_of(runs: list[dict]) -> dict:
    return {
        key: (
            round(statistics.median(r[key] for r in runs), 2)
            if key != "n"
            else sum(r[key] for r in runs)
        )
        for key in runs[0]
    }


# --- Main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comments per cut, by commas")
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement and repeat")
    parser.add_argument("--most", type=int, default=400, help="requests per measurement at most")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (medians are printed)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers of each server")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--keep", action="store_true", help="keep the two databases afterwards")
    parser.add_argument(
        "--broker",
        default="",
        help="a Celery broker URL (redis://127.0.0.1:6379/N): Errata queues triage there and "
        "the benchmark starts one Celery worker for it, as in production; without it, triage "
        "runs in the request (eagerly), as `make run` does",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or min(sizes) < 1 or max(sizes) > 500_000:
        parser.error("--sizes: whole numbers from 1 to 500,000, by commas")

    server = os.environ.get("DATABASE_URL", DEFAULT_DATABASE)
    if not server.startswith(("postgres://", "postgresql://")):
        parser.error(
            "DATABASE_URL must name a PostgreSQL server (the benchmark makes two databases there)"
        )
    database_recreate(server, ERRATA_DB)
    database_recreate(server, BARE_DB)
    scratch = tempfile.TemporaryDirectory(prefix="errata-bench-http-")
    folder = Path(scratch.name)
    servers: list[subprocess.Popen] = []
    try:
        run(args, sizes, server, folder, servers)
    finally:
        for process in servers:
            gunicorn_stop(process)
        if not args.keep:
            database_recreate(server, ERRATA_DB, drop_only=True)
            database_recreate(server, BARE_DB, drop_only=True)
        scratch.cleanup()


def run(args, sizes: list[int], server: str, folder: Path, servers: list) -> None:
    common = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "CACHE_URL", "DATABASE_", "GUNICORN_", "DJANGO_SETTINGS"))
    }
    common.update(
        {
            "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "warning",
            "GUNICORN_WORKERS": str(args.workers),
            "GUNICORN_THREADS": str(args.threads),
            "GUNICORN_MAX_REQUESTS": "100000",
            "DATABASE_CONN_MAX_AGE": "60",
            **UNLIMITED,
        }
    )
    errata_env = {**common, "DATABASE_URL": database_url(server, ERRATA_DB)}
    if args.broker:
        errata_env["CELERY_BROKER_URL"] = args.broker
    bare_env = {
        **common,
        "BARE_DATABASE_URL": database_url(server, BARE_DB),
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
    }
    os.environ.clear()
    os.environ.update(errata_env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "reviewapp.settings"
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.db import connection

    from errata.api.tokens import api_token_create
    from errata.models import Cut, Membership, Reviewer, ReviewLink, Team, User, Video

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    bare_project(folder)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.core.management import "
            "call_command; call_command('migrate', run_syncdb=True, verbosity=0)",
        ],
        cwd=folder,
        env={**bare_env, "DJANGO_SETTINGS_MODULE": "bare_settings"},
        check=True,
    )
    user = User.objects.create_user(username="bench", email="bench@example.com", password="x" * 20)
    team = Team.objects.create(name="Bench", slug="bench")
    Membership.objects.create(team=team, user=user, role="owner")
    video = Video.objects.create(team=team, title="Bench", slug="bench")
    reviewers = [Reviewer.objects.create(display_name=f"Patron {i}") for i in range(20)]
    cuts = {}
    for number, size in enumerate(sizes, start=1):
        cut = Cut.objects.create(video=video, number=number, duration_s=DURATION_S)
        link = ReviewLink.objects.create(cut=cut, label=f"{size} comments")
        reports = generated_reports(size, seed=number)
        errata_fill(cut=cut, reviewers=reviewers, reports=reports)
        bare_fill(server, cut=number, reports=reports)
        cuts[size] = (cut, link)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    token = api_token_create(user=user, name="bench").key
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    connection.close()
    print(
        json.dumps(
            {
                "setup": "filled",
                "sizes": sizes,
                "seconds": round(time.perf_counter() - started, 1),
                "triage": "on a Celery worker" if args.broker else "in the request (eager)",
            }
        ),
        flush=True,
    )

    errata_port, bare_port = free_port(), free_port()
    errata_log, bare_log = folder / "errata.log", folder / "bare.log"
    servers.append(
        gunicorn_start(
            "reviewapp.wsgi:application", port=errata_port, cwd=ROOT, env=errata_env, log=errata_log
        )
    )
    servers.append(
        gunicorn_start(
            "bare_wsgi:application", port=bare_port, cwd=folder, env=bare_env, log=bare_log
        )
    )
    if args.broker:
        # One worker for the queues a post feeds, in its own session like the servers.
        worker_log = folder / "worker.log"
        with worker_log.open("wb") as out:
            servers.append(
                subprocess.Popen(
                    [
                        str(Path(sys.executable).parent / "celery"),
                        "-A",
                        "reviewapp",
                        "worker",
                        "--queues=triage,outbound",
                        "--concurrency=1",
                        "--pool=solo",
                        "--without-mingle",
                        "--without-gossip",
                        f"--hostname=bench-http-{os.getpid()}@%h",
                        "--loglevel=warning",
                    ],
                    cwd=ROOT,
                    env=errata_env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    wait_ready(errata_port, "/healthz/live", servers[0], errata_log)
    wait_ready(bare_port, "/list/1/", servers[1], bare_log)

    studio = Client(errata_port)
    studio.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    api = Client(errata_port, {"Authorization": f"Bearer {token}", "Accept": "application/json"})
    bare = Client(bare_port)

    try:
        measure_all(args, sizes, cuts, video, errata_port, bare_port, studio, api, bare, settings)
    except SystemExit:
        # What the servers said, to see why a request failed.
        for log in sorted(folder.glob("*.log")):
            sys.stderr.write(f"--- {log.name} ---\n{log.read_text()[-4000:]}\n")
        raise


def measure_all(args, sizes, cuts, video, errata_port, bare_port, studio, api, bare, settings):
    counter = iter(range(10**9))
    for number, size in enumerate(sizes, start=1):
        cut, link = cuts[size]
        base = f"/studio/videos/{video.slug}/cuts/{cut.number}/"
        patron = Client(errata_port)
        status, _page = patron.request("GET", f"/r/{link.token}/")
        csrf = patron.cookies.get(settings.CSRF_COOKIE_NAME, "")
        if status != 200 or not csrf:
            raise SystemExit(f"the review page answered {status} without a CSRF cookie")
        link_api = Client(
            errata_port, {"Authorization": f"ReviewLink {link.token}", "Accept": "application/json"}
        )

        def review_post(client=patron, csrf=csrf, link=link) -> tuple[int, bytes]:
            i = next(counter)
            body = urllib.parse.urlencode(
                {
                    "text": f"At 6:0{i % 10} the label says 'mabye{i}'.",
                    "time": "",
                    "name": "Bench Patron",
                }
            ).encode()
            return client.request(
                "POST",
                f"/r/{link.token}/comments/new/",
                body,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "HX-Request": "true",
                    "X-CSRFToken": csrf,
                    "Referer": f"http://127.0.0.1:{errata_port}/r/{link.token}/",
                },
            )

        def api_post(client=link_api, cut=cut) -> tuple[int, bytes]:
            i = next(counter)
            body = json.dumps(
                {
                    "text": f"At 6:0{i % 10} the label says 'mabye{i}'.",
                    "author_name": "Bench Patron",
                }
            ).encode()
            return client.request(
                "POST", "/api/comments/", body, {"Content-Type": "application/json"}
            )

        def bare_post(kind: str, number=number) -> Callable[[], tuple[int, bytes]]:
            def send() -> tuple[int, bytes]:
                i = next(counter)
                text = f"At 6:0{i % 10} the label says 'mabye{i}'."
                if kind == "json":
                    return bare.request(
                        "POST",
                        f"/new/{number}/",
                        json.dumps({"text": text}).encode(),
                        {"Content-Type": "application/json"},
                    )
                return bare.request(
                    "POST",
                    f"/new/{number}/",
                    urllib.parse.urlencode({"text": text}).encode(),
                    {"Content-Type": "application/x-www-form-urlencoded"},
                )

            return send

        def get(client: Client, path: str) -> Callable[[], tuple[int, bytes]]:
            return lambda: client.request("GET", path)

        plan = [
            (
                "review page GET",
                get(patron, f"/r/{link.token}/"),
                200,
                get(bare, f"/list/{number}/"),
                200,
            ),
            (
                "studio inbox GET",
                get(studio, base + "inbox/"),
                200,
                get(bare, f"/list/{number}/"),
                200,
            ),
            ("board GET", get(studio, base + "board/"), 200, get(bare, f"/list/{number}/"), 200),
            (
                "API comment list GET",
                get(api, f"/api/comments/?cut={cut.pk}"),
                200,
                get(bare, f"/api/list/{number}/"),
                200,
            ),
            (
                # Keyset paging: no COUNT of the cut's comments, no OFFSET.
                "API comment list GET (cursor)",
                get(api, f"/api/comments/?cut={cut.pk}&cursor="),
                200,
                get(bare, f"/api/list/{number}/"),
                200,
            ),
            ("API comment POST", api_post, 201, bare_post("json"), 201),
            ("review page POST (htmx)", review_post, 200, bare_post("form"), 200),
        ]
        for name, errata_send, errata_expect, bare_send, bare_expect in plan:
            errata_runs, bare_runs = [], []
            for _ in range(args.repeat):
                errata_runs.append(
                    measure(
                        errata_send,
                        expect=errata_expect,
                        seconds=args.seconds,
                        most=args.most,
                        what=f"Errata, {name}",
                    )
                )
                bare_runs.append(
                    measure(
                        bare_send,
                        expect=bare_expect,
                        seconds=args.seconds,
                        most=args.most,
                        what=f"baseline, {name}",
                    )
                )
            errata_figures, bare_figures = median_of(errata_runs), median_of(bare_runs)
            print(
                json.dumps(
                    {
                        "measure": name,
                        "comments": size,
                        "errata": errata_figures,
                        "baseline": bare_figures,
                        "ratio": round(errata_figures["req_s"] / bare_figures["req_s"], 3),
                        "slowdown": round(errata_figures["p50_ms"] / bare_figures["p50_ms"], 1),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
