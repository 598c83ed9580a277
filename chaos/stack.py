"""The processes the chaos suite runs and breaks: its own redis-server, Celery workers (one per
queue, as in production), beat, gunicorn with gunicorn.conf.py and nginx with
deploy/nginx/errata.conf in front, all on ports of their own, on a PostgreSQL database of
their own (the test database). Nothing here touches a service it did not start: each process
is started in a session of its own and stopped by its process group.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUEUES = ("triage", "bulk", "outbound")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check: Callable[[], bool], *, seconds: float, what: str, every: float = 0.1) -> float:
    """Poll `check` until it is true; the seconds it took. Fails saying what never happened."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"{what}: not within {seconds:g} s")
        time.sleep(every)
    return time.monotonic() - started


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    stdout: Path
    stderr: Path

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, signum: int) -> None:
        if self.alive:
            os.killpg(self.popen.pid, signum)

    def stop(self, *, grace_s: float = 10.0) -> None:
        if not self.alive:
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.popen.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.popen.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL to the whole group (a worker's main process and its children), as the OOM
        killer or `docker kill` would."""
        if self.alive:
            self.signal_group(signal.SIGKILL)
            self.popen.wait(timeout=10)

    def tail(self, lines: int = 30) -> str:
        text = self.stderr.read_text(errors="replace").splitlines()[-lines:]
        return f"--- {self.name} (last {lines} lines of stderr)\n" + "\n".join(text)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that records every request and answers 200."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                state.requests.append(Received(dict(self.headers), self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def deliveries(self) -> list[str]:
        return [r.headers.get("X-Errata-Delivery", "") for r in self.requests]

    def events(self) -> list[dict]:
        return [json.loads(r.body) for r in self.requests]


class Stack:
    """Everything the faults need, started once for the session."""

    def __init__(self, *, workdir: Path, database_url: str) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.redis_port = free_port()
        self.web_port = free_port()
        self.nginx_port = free_port()
        self.mail_dir = workdir / "mail"
        self.media_dir = workdir / "media"
        self.receiver = Receiver()
        self.redis: Process | None = None
        self.workers: dict[str, Process] = {}
        self.beat: Process | None = None
        self.web: Process | None = None
        self.nginx: Process | None = None
        self._started = 0

    # --- environment ----------------------------------------------------------------------

    def _database_url(self, application_name: str) -> str:
        # The application name lets a fault find these processes' connections in pg_stat_activity.
        parts = urlsplit(self.database_url)
        return urlunsplit(parts._replace(query=f"application_name={application_name}"))

    def env(self, application_name: str) -> dict[str, str]:
        environ = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DATABASE_", "CELERY_", "CACHE_", "PYTEST_"))
        }
        environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "reviewapp.settings",
                "ERRATA_ENV_FILE": "",  # never a developer's .env
                "SECRET_KEY": "chaos-only-secret-key",
                "DEBUG": "false",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SITE_URL": f"http://127.0.0.1:{self.nginx_port}",
                "SESSION_COOKIE_SECURE": "false",
                "CSRF_COOKIE_SECURE": "false",
                "DATABASE_URL": self._database_url(application_name),
                "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/1",
                "MEDIA_ROOT": str(self.media_dir),
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": str(self.mail_dir),
                "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
                "WEBHOOK_RETRY_BACKOFF_SECONDS": "1",
                "LOG_FORMAT": "json",
                # CI runs as root, which Celery warns about before logging is set up (so not as
                # JSON); production runs as a user of its own.
                "PYTHONWARNINGS": "ignore:You're running the worker with superuser privileges",
                # One client posts everything here: the limits are not what is under test.
                "REVIEW_POSTS_PER_MINUTE": "100000",
                "REVIEW_POSTS_PER_MINUTE_PER_IP": "100000",
                "API_THROTTLE_REVIEW_LINK": "100000/hour",
                "API_THROTTLE_TOKEN": "100000/hour",
                # Recovery in seconds rather than minutes.
                "TRIAGE_SWEEP_SECONDS": "10",
                "TRIAGE_SWEEP_AFTER_SECONDS": "5",
                "QUEUE_SWEEP_SECONDS": "10",
                "QUEUE_SWEEP_AFTER_SECONDS": "5",
                "JOBS_SWEEP_SECONDS": "5",
                "NOTIFICATION_SWEEP_SECONDS": "10",
                "NOTIFICATION_SWEEP_AFTER_SECONDS": "5",
                "JOB_HEARTBEAT_SECONDS": "1",
                "JOB_STALE_AFTER_SECONDS": "6",
                "GUNICORN_BIND": f"127.0.0.1:{self.web_port}",
                "GUNICORN_WORKERS": "3",
                "GUNICORN_TIMEOUT": "60",
            }
        )
        return environ

    def _spawn(self, name: str, command: list[str], *, application_name: str) -> Process:
        stdout = self.workdir / f"{name}.out.log"
        stderr = self.workdir / f"{name}.err.log"
        popen = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env(application_name),
            stdin=subprocess.DEVNULL,
            stdout=stdout.open("ab"),
            stderr=stderr.open("ab"),
            start_new_session=True,
        )
        return Process(name, popen, stdout, stderr)

    # --- Redis ----------------------------------------------------------------------------

    def redis_start(self) -> None:
        """Append-only with a sync per write, as production's Redis keeps its data: what was
        queued before a crash is still queued after it."""
        data = self.workdir / "redis"
        data.mkdir(exist_ok=True)
        self.redis = self._spawn(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--bind", "127.0.0.1",
                "--port", str(self.redis_port),
                "--dir", str(data),
                "--save", "",
                "--appendonly", "yes",
                "--appendfsync", "always",
            ],
            application_name="-",
        )  # fmt: skip
        wait_for(lambda: port_open(self.redis_port), seconds=20, what="redis-server listening")

    def redis_kill(self) -> None:
        assert self.redis is not None
        self.redis.kill()
        wait_for(lambda: not port_open(self.redis_port), seconds=10, what="redis-server gone")

    # --- Celery ---------------------------------------------------------------------------

    def worker_start(self, queue: str) -> None:
        concurrency = {"triage": "2", "bulk": "1", "outbound": "2"}[queue]
        self.workers[queue] = self._spawn(
            f"worker-{queue}",
            [
                str(BIN / "celery"), "-A", "reviewapp", "worker",
                f"--queues={queue}", f"--hostname=chaos-{queue}@%h",
                f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
                "--loglevel=info",
            ],
            application_name=f"chaos-worker-{queue}",
        )  # fmt: skip

    def workers_answering(self) -> set[str]:
        """The queues whose worker answers a ping, asked the way /healthz asks."""
        result = subprocess.run(
            [str(BIN / "celery"), "-A", "reviewapp", "inspect", "active_queues", "--json",
             "--timeout", "2"],
            cwd=ROOT, env=self.env("chaos-probe"), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        try:
            replies = json.loads(result.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            return set()
        return {q["name"] for queues in replies.values() for q in queues or []}

    def beat_start(self) -> None:
        self.beat = self._spawn(
            "beat",
            [str(BIN / "celery"), "-A", "reviewapp", "beat", "--loglevel=info",
             "--schedule", str(self.workdir / "beat-schedule")],
            application_name="chaos-beat",
        )  # fmt: skip

    # --- web ------------------------------------------------------------------------------

    def web_start(self) -> None:
        self.web = self._spawn(
            "gunicorn",
            [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
             "reviewapp.wsgi:application"],
            application_name="chaos-web",
        )  # fmt: skip
        wait_for(lambda: port_open(self.web_port), seconds=60, what="gunicorn listening")

    def nginx_start(self) -> None:
        """deploy/nginx/errata.conf as the README says to use it: only its marked lines
        changed (ports, the static folder), inside a main configuration of our own."""
        site = (ROOT / "deploy" / "nginx" / "errata.conf").read_text()
        for written, ours in (
            ("server 127.0.0.1:8000;", f"server 127.0.0.1:{self.web_port};"),
            ("listen 80;", f"listen 127.0.0.1:{self.nginx_port};"),
            ("alias /srv/errata/staticfiles/;", f"alias {ROOT / 'staticfiles'}/;"),
        ):
            assert site.count(written) == 1, f"deploy/nginx/errata.conf no longer has {written!r}"
            site = site.replace(written, ours)
        folder = self.workdir / "nginx"
        folder.mkdir(exist_ok=True)
        (folder / "errata.conf").write_text(site)
        user = "user root;\n" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\n"
            f"error_log {folder}/error.log;\nevents {{ worker_connections 256; }}\n"
            f"http {{\n  include /etc/nginx/mime.types;\n  access_log {folder}/access.log;\n"
            f"  client_body_temp_path {folder}/body;\n  proxy_temp_path {folder}/proxy;\n"
            f"  fastcgi_temp_path {folder}/fastcgi;\n  uwsgi_temp_path {folder}/uwsgi;\n"
            f"  scgi_temp_path {folder}/scgi;\n  include {folder}/errata.conf;\n}}\n"
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.nginx = self._spawn(
            "nginx",
            [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e",
             str(folder / "error.log")],
            application_name="-",
        )  # fmt: skip
        wait_for(lambda: port_open(self.nginx_port), seconds=20, what="nginx listening")

    # --- all of it ------------------------------------------------------------------------

    def start(self) -> None:
        self._started = time.monotonic()
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self.media_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT, env=self.env("chaos-setup"), check=True, timeout=300,
        )  # fmt: skip
        self.receiver.start()
        self.redis_start()
        for queue in QUEUES:
            self.worker_start(queue)
        self.beat_start()
        self.web_start()
        self.nginx_start()
        wait_for(
            lambda: self.workers_answering() >= set(QUEUES),
            seconds=90,
            what="a worker answering for every queue",
            every=1,
        )

    def stop(self) -> None:
        for process in (self.nginx, self.web, self.beat, *self.workers.values(), self.redis):
            if process is not None:
                process.stop()
        self.receiver.stop()

    def processes(self) -> list[Process]:
        return [
            p
            for p in (self.redis, *self.workers.values(), self.beat, self.web, self.nginx)
            if p is not None
        ]

    def tails(self) -> str:
        return "\n".join(p.tail() for p in self.processes())
