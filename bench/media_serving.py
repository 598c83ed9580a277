"""Media served without tying up the app: 100 viewers streaming the demo video while patrons post
comments and /healthz is polled, with media streamed by Python workers (before) as the baseline.

    .venv/bin/python bench/media_serving.py [--seconds 60] [--viewers 100] [--patrons 5]

Loopback only, bounded in time. Needs PostgreSQL (DATABASE_URL, default the local server; a
database of its own is made and dropped), ffmpeg and Debian's nginx. Both arms serve the same
data: a fresh database with `load_demo` (its 19-minute demo video, 4.7 MB) on the file system.

- baseline ("before"): gunicorn as the Dockerfile ran it before this change (3 sync workers),
  reached directly; the review page's video is streamed by Django (Range requests).
- errata: Debian's nginx (started here, on its own port) in front of gunicorn run from
  gunicorn.conf.py with 3 processes; the app answers media with X-Accel-Redirect and
  nginx sends the file.

During each arm, for --seconds:
- viewers: each repeatedly asks for the video from a random position (as a player seeking does)
  and reads it at a slow connection's pace (--viewer-kbps, default 400 kbit/s) for 5-15 s;
- patrons: each posts a comment every second (rate limits raised for the run), after a GET for
  the CSRF cookie; a post succeeds with a 2xx/3xx answer within 10 s;
- /healthz is asked every 0.5 s with a 5 s timeout (a timeout counts as 5 s).

Reported per arm: /healthz p50/p95 and failures, comment posts that succeeded, bytes the viewers
got, gunicorn's worker timeouts (a worker killed and restarted), and app worker occupancy: the
share of gunicorn's request slots (processes x threads) busy with a request, sampled every
0.2 s. gunicorn's pre_request/post_request hooks (added by this script, around the arm's own
configuration) keep a count per worker process in a file; a worker killed mid-request stops
counting once it is gone (and a restarting worker is not counted as busy: the baseline's
occupancy understates how long its workers were unavailable; its timeouts column shows it).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
HEALTH_TIMEOUT_S = 5.0
POST_TIMEOUT_S = 10.0
PROCESSES = 3


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, timeout_s: float = 60) -> None:
    import socket

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process.poll() is not None:
            sys.exit(f"{what} exited at start (code {process.returncode})")
        time.sleep(0.1)
    sys.exit(f"{what} did not listen on {port}")


@dataclass
class Results:
    health_s: list[float] = field(default_factory=list)
    health_failed: int = 0
    posts_ok: int = 0
    posts: int = 0
    viewer_bytes: int = 0
    viewer_errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


# A viewer's receive window, as on a slow connection: without it the loopback's multi-megabyte
# socket buffers would take the whole video at once and no server would ever wait on a viewer.
VIEWER_RECEIVE_BUFFER = 64 * 1024


class SlowClientConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        import socket

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, VIEWER_RECEIVE_BUFFER)
        self.sock.settimeout(self.timeout)
        self.sock.connect((self.host, self.port))


def viewer(host: str, port: int, path: str, size: int, kbps: int, stop: float, out: Results):
    rate = kbps * 1000 / 8  # bytes per second
    while time.monotonic() < stop:
        start = random.randrange(0, max(1, size - 65536))
        watch_until = min(stop, time.monotonic() + random.uniform(5, 15))
        connection = SlowClientConnection(host, port, timeout=30)
        got = 0
        try:
            connection.request("GET", path, headers={"Range": f"bytes={start}-"})
            response = connection.getresponse()
            if response.status not in (200, 206):
                response.read()
                with out.lock:
                    out.viewer_errors += 1
                time.sleep(1)
                continue
            began = time.monotonic()
            while time.monotonic() < watch_until:
                chunk = response.read(16384)
                if not chunk:
                    break
                got += len(chunk)
                # Read no faster than a slow connection: the rest waits in the server's buffers.
                ahead = got / rate - (time.monotonic() - began)
                if ahead > 0:
                    time.sleep(ahead)
        except (OSError, http.client.HTTPException):
            with out.lock:
                out.viewer_errors += 1
            time.sleep(1)
        finally:
            connection.close()
            with out.lock:
                out.viewer_bytes += got


def patron(host: str, port: int, page: str, number: int, stop: float, out: Results) -> None:
    cookies: dict[str, str] = {}

    def cookie_header() -> str:
        return "; ".join(f"{k}={v}" for k, v in cookies.items())

    def remember(response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]

    named = False
    while time.monotonic() < stop:
        began = time.monotonic()
        ok = False
        try:
            connection = http.client.HTTPConnection(host, port, timeout=POST_TIMEOUT_S)
            if "csrftoken" not in cookies:
                connection.request("GET", page, headers={"Cookie": cookie_header()})
                response = connection.getresponse()
                response.read()
                remember(response)
            fields = {"text": f"Bench comment {number} at {time.time():.3f}", "time": ""}
            if not named:
                fields["name"] = f"Bench patron {number}"
            body = urllib.parse.urlencode(fields)
            connection.request(
                "POST",
                page + "comments/new/",
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": cookie_header(),
                    "X-CSRFToken": cookies.get("csrftoken", ""),
                    "Referer": f"http://{host}:{port}{page}",
                },
            )
            response = connection.getresponse()
            response.read()
            remember(response)
            ok = 200 <= response.status < 400 and time.monotonic() - began <= POST_TIMEOUT_S
            named = named or ok
            connection.close()
        except (OSError, http.client.HTTPException):
            ok = False
        with out.lock:
            out.posts += 1
            out.posts_ok += ok
        time.sleep(max(0.0, 1.0 - (time.monotonic() - began)))


def health_poller(host: str, port: int, stop: float, out: Results) -> None:
    while time.monotonic() < stop:
        began = time.monotonic()
        try:
            connection = http.client.HTTPConnection(host, port, timeout=HEALTH_TIMEOUT_S)
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            connection.close()
            failed = response.status != 200
        except (OSError, http.client.HTTPException):
            failed = True
        took = min(time.monotonic() - began, HEALTH_TIMEOUT_S)
        with out.lock:
            out.health_s.append(HEALTH_TIMEOUT_S if failed and took >= HEALTH_TIMEOUT_S else took)
            out.health_failed += failed
        time.sleep(max(0.0, 0.5 - (time.monotonic() - began)))


HOOKS = """
import fcntl, os

BUSY_DIR = {busy_dir!r}


def _bump(delta):
    with open(os.path.join(BUSY_DIR, str(os.getpid())), "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        count = int(handle.read() or 0) + delta
        handle.seek(0)
        handle.truncate()
        handle.write(str(count))


def pre_request(worker, req):
    _bump(1)


def post_request(worker, req, environ, resp):
    _bump(-1)
"""


def hooks_config(work: Path, name: str, *, base_config: Path | None) -> Path:
    busy = work / f"{name}-busy"
    busy.mkdir()
    text = base_config.read_text() if base_config else ""
    path = work / f"{name}-gunicorn.py"
    path.write_text(text + "\n" + HOOKS.format(busy_dir=str(busy)))
    return path


def busy_slots(busy_dir: Path) -> int:
    total = 0
    for entry in busy_dir.iterdir():
        try:
            os.kill(int(entry.name), 0)
            total += max(0, int(entry.read_text() or 0))
        except (ProcessLookupError, ValueError, OSError):
            continue
    return total


def occupancy_sampler(busy_dir: Path, stop: float, samples: list[int]) -> None:
    while time.monotonic() < stop:
        samples.append(busy_slots(busy_dir))
        time.sleep(0.2)


def warm_up(port: int) -> None:
    """The workers have loaded the app once /healthz answers a few times in a row."""
    answered = 0
    deadline = time.monotonic() + 120
    while answered < 2 * PROCESSES and time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/healthz")
            answered += connection.getresponse().status == 200
            connection.close()
        except (OSError, http.client.HTTPException):
            time.sleep(0.5)


def run_arm(name: str, args, env: dict, work: Path, token: str, size: int) -> dict:
    app_port = free_port()
    env = {**env, "GUNICORN_WORKERS": str(PROCESSES), "GUNICORN_ACCESS_LOG": "/dev/null"}
    bind = ["--bind", f"127.0.0.1:{app_port}"]
    if name == "baseline":
        # As the Dockerfile ran it before: 3 sync workers, gunicorn's defaults otherwise.
        config = hooks_config(work, name, base_config=None)
        command = [GUNICORN, "-c", str(config), *bind, "--workers", str(PROCESSES)]
        env["MEDIA_X_ACCEL_REDIRECT"] = "false"
        slots = PROCESSES
    else:
        config = hooks_config(work, name, base_config=ROOT / "gunicorn.conf.py")
        command = [GUNICORN, "-c", str(config), *bind]
        env["MEDIA_X_ACCEL_REDIRECT"] = "true"
        slots = PROCESSES * int(env.get("GUNICORN_THREADS", "4"))
    command.append("reviewapp.wsgi:application")
    app_log = (work / f"{name}-gunicorn.log").open("w")
    app = subprocess.Popen(command, cwd=ROOT, env=env, stderr=app_log)
    nginx = None
    try:
        wait_for_port(app_port, app, "gunicorn")
        warm_up(app_port)
        port = app_port
        if name == "errata":
            port = free_port()
            nginx = start_nginx(
                work,
                port=port,
                upstream=f"127.0.0.1:{app_port}",
                media_root=Path(env["MEDIA_ROOT"]),
            )
        out = Results()
        page = f"/r/{token}/"
        began = time.monotonic()
        stop = began + args.seconds
        samples: list[int] = []
        threads = [
            threading.Thread(target=health_poller, args=("127.0.0.1", port, stop, out)),
            threading.Thread(target=occupancy_sampler, args=(work / f"{name}-busy", stop, samples)),
        ]
        threads += [
            threading.Thread(
                target=viewer,
                args=("127.0.0.1", port, page + "media/", size, args.viewer_kbps, stop, out),
            )
            for _ in range(args.viewers)
        ]
        threads += [
            threading.Thread(target=patron, args=("127.0.0.1", port, page, n, stop, out))
            for n in range(args.patrons)
        ]
        for thread in threads:
            thread.daemon = True
            thread.start()
        for thread in threads:
            thread.join(timeout=max(0.0, stop - time.monotonic()) + 40)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        app.terminate()
        app.wait(timeout=30)
        app_log.close()
    health = sorted(out.health_s)
    return {
        "arm": name,
        "health_p50_ms": statistics.median(health) * 1000 if health else float("nan"),
        "health_p95_ms": health[int(0.95 * (len(health) - 1))] * 1000 if health else float("nan"),
        "health_failed": out.health_failed,
        "health_total": len(health),
        "posts_ok": out.posts_ok,
        "posts": out.posts,
        "viewer_mb": out.viewer_bytes / 1e6,
        "viewer_errors": out.viewer_errors,
        "worker_timeouts": (work / f"{name}-gunicorn.log").read_text().count("WORKER TIMEOUT"),
        "occupancy": statistics.mean(samples) / slots if samples else float("nan"),
        "slots": slots,
    }


def start_nginx(work: Path, *, port: int, upstream: str, media_root: Path) -> subprocess.Popen:
    from tests.nginx_server import nginx_config

    nginx_work = work / "nginx"
    nginx_work.mkdir(exist_ok=True)
    config = nginx_work / "nginx.conf"
    text = nginx_config(port=port, upstream=upstream, media_root=media_root, workdir=nginx_work)
    # As deploy/nginx/compose.conf: plenty of connections for 100 viewers.
    config.write_text(text.replace("worker_connections 1024", "worker_connections 4096"))
    process = subprocess.Popen(
        [NGINX, "-c", str(config), "-p", str(nginx_work)], stderr=subprocess.DEVNULL
    )
    wait_for_port(port, process, "nginx")
    return process


def prepare(work: Path) -> tuple[dict, str, int, str]:
    """A database of our own with the demo loaded; the environment both arms run with."""
    import psycopg

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"errata_bench_{os.getpid()}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(base)
    database_url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "MEDIA_ROOT": str(work / "media"),
        "SECRET_KEY": "bench-only-secret",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "REVIEW_POSTS_PER_MINUTE": "100000",
        "REVIEW_POSTS_PER_MINUTE_PER_IP": "100000",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "",
    }
    env.pop("CELERY_BROKER_URL")
    for step in (
        ["migrate", "--noinput", "-v0"],
        ["collectstatic", "--noinput", "-v0"],
        ["load_demo"],
    ):
        subprocess.run(
            [PYTHON, "manage.py", *step],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    token = (
        subprocess.run(
            [
                PYTHON,
                "manage.py",
                "shell",
                "-c",
                "from errata.models import ReviewLink; print(ReviewLink.objects.get().token)",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    proxies = list((work / "media" / "proxies").glob("*.mp4"))
    if not proxies:
        sys.exit("load_demo made no video (is ffmpeg installed?)")
    return env, token, proxies[0].stat().st_size, name


def drop_database(name: str) -> None:
    import psycopg

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--viewers", type=int, default=100)
    parser.add_argument("--patrons", type=int, default=5)
    parser.add_argument("--viewer-kbps", type=int, default=400)
    args = parser.parse_args()
    if not Path(NGINX).exists():
        sys.exit("nginx is not installed (apt-get install nginx)")
    with tempfile.TemporaryDirectory(prefix="errata-bench-") as temporary:
        work = Path(temporary)
        print("Preparing: a database of its own, the demo with its video...", flush=True)
        env, token, size, database = prepare(work)
        try:
            rows = []
            for arm in ("baseline", "errata"):
                print(
                    f"Running {arm} for {args.seconds} s: {args.viewers} viewers at "
                    f"{args.viewer_kbps} kbit/s, {args.patrons} patrons posting...",
                    flush=True,
                )
                rows.append(run_arm(arm, args, env, work, token, size))
        finally:
            drop_database(database)
    print()
    print(
        f"{'arm':9} {'/healthz p50':>12} {'p95':>9} {'failed':>8} {'posts ok':>12} "
        f"{'viewers got':>12} {'occupancy':>10} {'worker timeouts':>16}"
    )
    for row in rows:
        posted = 100 * row["posts_ok"] / max(1, row["posts"])
        print(
            f"{row['arm']:9} {row['health_p50_ms']:10.0f}ms {row['health_p95_ms']:7.0f}ms "
            f"{row['health_failed']:>3}/{row['health_total']:<4} "
            f"{row['posts_ok']:>5}/{row['posts']:<5} ({posted:3.0f}%) "
            f"{row['viewer_mb']:9.1f} MB {100 * row['occupancy']:8.0f}% of {row['slots']:<2} "
            f"{row['worker_timeouts']:>10}"
        )
    base, new = rows
    if new["health_p95_ms"] > 0:
        ratio = base["health_p95_ms"] / new["health_p95_ms"]
        print(f"\n/healthz p95: baseline / errata = {ratio:.1f}x")
    print(
        f"app worker occupancy: baseline {100 * base['occupancy']:.0f}% vs errata "
        f"{100 * new['occupancy']:.0f}%"
    )


if __name__ == "__main__":
    main()
