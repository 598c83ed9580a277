"""A real S3-compatible server for the storage suite: moto's standalone server (the protocol
MinIO and AWS speak), started once per test session on a free loopback port, and a fresh bucket
per test. No MinIO package can be installed here; docker-compose runs MinIO itself.

Without moto installed the S3 half of the suite is skipped locally and fails in CI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator

import pytest

ACCESS_KEY = "errata-test"
SECRET_KEY = "errata-test-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    try:
        import moto.server  # noqa: F401
    except ImportError:
        message = "moto is not installed (pip install 'moto[s3]' flask flask-cors)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the S3 storage suite: {message}")
        pytest.skip(message)
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(endpoint, timeout=1)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto's S3 server did not start on {endpoint}")
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def s3_storages(endpoint: str, bucket: str, **extra: object) -> dict:
    """STORAGES["default"] as settings.py builds it for STORAGE_BACKEND=s3."""
    return {
        "BACKEND": "errata.media.storage.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "region_name": "us-east-1",
            "addressing_style": "path",
            "signature_version": "s3v4",
            "querystring_auth": True,
            "querystring_expire": 600,
            "file_overwrite": False,
            "default_acl": None,
            **extra,
        },
    }


def new_bucket(endpoint: str) -> str:
    import boto3

    name = f"errata-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
    ).create_bucket(Bucket=name)
    return name
