"""Debian's nginx, started on a free loopback port in front of a test server, with the same
media handling as deploy/nginx/errata.conf and compose.conf (request buffering, the internal
location that X-Accel-Redirect names). Missing nginx skips locally and fails in CI."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def nginx_config(*, port: int, upstream: str, media_root: Path, workdir: Path) -> str:
    # Started as root (CI), nginx's workers would run as nobody and could not read the test's
    # private temporary directory.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {workdir}/access.log;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    default_type application/octet-stream;
    sendfile on;
    upstream errata_app {{ server {upstream}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 64m;
        proxy_request_buffering on;
        proxy_buffering on;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        location /_protected_media/ {{
            internal;
            alias {media_root}/;
            add_header X-Content-Type-Options nosniff always;
            add_header Content-Security-Policy "sandbox; default-src 'none'" always;
        }}
        location /media/ {{ return 404; }}
        location / {{ proxy_pass http://errata_app; }}
    }}
}}
"""


@contextmanager
def running_nginx(*, upstream: str, media_root: Path, workdir: Path) -> Iterator[str]:
    if NGINX is None:
        message = "nginx is not installed (apt-get install nginx)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the nginx tests: {message}")
        pytest.skip(message)
    port = free_port()
    config = workdir / "nginx.conf"
    config.write_text(
        nginx_config(port=port, upstream=upstream, media_root=media_root, workdir=workdir)
    )
    process = subprocess.Popen(
        [NGINX, "-c", str(config), "-p", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {process.stderr.read().decode()}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
