"""Where files live: Django's storage API over the local file system (the default) or any
S3-compatible store (django-storages; MinIO in docker-compose).

Nothing here assumes the web and the worker share a disk. A task that needs a real file for
ffmpeg asks for a local copy (`local_copy`), which on the file system is the file itself and on
S3 a download to a temporary file that is removed afterwards.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from django.core.files.storage import Storage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

COPY_CHUNK_BYTES = 1024 * 1024


class MediaS3Storage(S3Storage):
    """django-storages' S3 storage, signing browser addresses for the endpoint browsers reach
    (`public_endpoint_url`) when it differs from the one the app talks to: in docker-compose the
    app reaches MinIO as http://minio:9000, a browser through the published port, and a SigV4
    signature covers the host, so the address must be signed for the host that will use it."""

    def get_default_settings(self) -> dict:
        return {**super().get_default_settings(), "public_endpoint_url": None}

    def _public_client(self):
        client = getattr(self._connections, "public_client", None)
        if client is None:
            session = boto3.session.Session(
                aws_access_key_id=self.access_key,
                aws_secret_access_key=self.secret_key,
                aws_session_token=self.security_token,
                region_name=self.region_name,
            )
            client = session.client(
                "s3",
                endpoint_url=self.public_endpoint_url,
                config=self.client_config or Config(),
            )
            self._connections.public_client = client
        return client

    def url(self, name, parameters=None, expire=None, http_method=None) -> str:
        if not self.public_endpoint_url:
            return super().url(name, parameters=parameters, expire=expire, http_method=http_method)
        params = {
            **(parameters or {}),
            "Bucket": self.bucket_name,
            "Key": self._normalize_name(clean_name(name)),
        }
        return self._public_client().generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=self.querystring_expire if expire is None else expire,
            HttpMethod=http_method,
        )


def is_local(storage: Storage) -> bool:
    """True when the storage keeps files on this machine's disk (it can name a path)."""
    try:
        storage.path("probe")
    except NotImplementedError:
        return False
    return True


def media_store_origin() -> str:
    """The origin browsers fetch stored files from when they are redirected there (a signed S3
    address), for the pages' Content-Security-Policy; "" when files come from the app itself."""
    from django.core.files.storage import default_storage

    if is_local(default_storage):
        return ""
    parts = urlsplit(default_storage.url("origin-probe"))
    return f"{parts.scheme}://{parts.netloc}"


@contextmanager
def local_copy(storage: Storage, name: str, *, suffix: str = "") -> Iterator[Path]:
    """A path ffmpeg can read for a stored file: the file itself on the file system, else a
    temporary download, removed when the block ends."""
    if is_local(storage):
        yield Path(storage.path(name))
        return
    handle, temporary = tempfile.mkstemp(prefix="errata-", suffix=suffix or Path(name).suffix)
    try:
        with os.fdopen(handle, "wb") as target, storage.open(name, "rb") as source:
            shutil.copyfileobj(source, target, COPY_CHUNK_BYTES)
        yield Path(temporary)
    finally:
        Path(temporary).unlink(missing_ok=True)
