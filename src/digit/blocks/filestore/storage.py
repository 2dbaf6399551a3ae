"""Where file bytes live: a local folder (default) or an S3-compatible object store, chosen by settings.

Both are blocking libraries (file system, boto3); every call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Protocol

from digit.kernel.settings import Settings


class Storage(Protocol):
    async def put(self, key: str, content: bytes, *, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files under `settings.files_dir/<key>`; a key never leaves that folder."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self._root / key).resolve()
        if not path.is_relative_to(self._root):
            raise ValueError("storage key outside the files folder")
        return path

    async def put(self, key: str, content: bytes, *, content_type: str) -> None:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".part")
            partial.write_bytes(content)
            os.replace(partial, path)  # readers never see half a file

        await asyncio.to_thread(write)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)


class S3Storage:
    """Objects in one bucket of an S3-compatible store (AWS S3, MinIO, moto's server); made on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._bucket = settings.s3_bucket
        self._client: Any = None
        self._ready = False
        self._lock = asyncio.Lock()

    async def _s3(self) -> Any:
        async with self._lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                settings = self._settings
                self._client = boto3.client(
                    "s3",
                    endpoint_url=settings.s3_endpoint_url or None,
                    aws_access_key_id=settings.s3_access_key.get_secret_value() or None,
                    aws_secret_access_key=settings.s3_secret_key.get_secret_value() or None,
                    region_name=settings.s3_region,
                    config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
                )
            if not self._ready:
                await asyncio.to_thread(self._ensure_bucket)
                self._ready = True
        return self._client

    def _ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self._client.head_bucket(Bucket=self._bucket)
        except ClientError:
            self._client.create_bucket(Bucket=self._bucket)

    async def put(self, key: str, content: bytes, *, content_type: str) -> None:
        client = await self._s3()
        await asyncio.to_thread(client.put_object, Bucket=self._bucket, Key=key, Body=content, ContentType=content_type)

    async def get(self, key: str) -> bytes:
        client = await self._s3()

        def read() -> bytes:
            body: bytes = client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
            return body

        return await asyncio.to_thread(read)

    async def delete(self, key: str) -> None:
        client = await self._s3()
        await asyncio.to_thread(client.delete_object, Bucket=self._bucket, Key=key)


def storage_for(settings: Settings) -> Storage:
    if settings.files_backend == "s3":
        return S3Storage(settings)
    if settings.files_backend != "local":
        raise ValueError(f"unknown files_backend {settings.files_backend!r}: use local or s3")
    return LocalStorage(settings.files_dir)
