"""Filestore on S3-compatible storage: moto's standalone server in its own process, over HTTP (block: filestore).

The server is the `moto[server]` package from the dev dependencies, started on a port the OS picks (so
parallel pytest-xdist workers never share one).
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI

from tests.builders import login
from tests.test_filestore_api import AMRITSAR, EXECUTABLE, FILES, png

BUCKET = "digit-test-files"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert server.stderr is not None
    try:
        for line in iter(server.stderr.readline, b""):
            if b"Running on" in line:
                break
        else:
            raise RuntimeError(f"moto server did not start (exit {server.wait()})")
        threading.Thread(target=server.stderr.read, daemon=True).start()  # keep its log pipe flowing
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
async def s3_api(
    make_api: Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]], s3_endpoint: str
) -> httpx.AsyncClient:
    _, client = await make_api(
        files_backend="s3", s3_endpoint_url=s3_endpoint, s3_bucket=BUCKET, s3_access_key="test", s3_secret_key="test"
    )
    return client


def _objects(endpoint: str) -> list[str]:
    import boto3

    s3 = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    try:
        return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    except s3.exceptions.NoSuchBucket:
        return []


async def test_s3_upload_is_an_object_in_the_bucket_and_downloads_back(
    s3_api: httpx.AsyncClient, s3_endpoint: str
) -> None:
    gro = await login(s3_api, "GRO_AMR", "pb.amritsar")

    response = await s3_api.post(FILES, data=AMRITSAR, files=[("file", ("photo.png", png(), "image/png"))], headers=gro)
    file_id = response.json()["files"][0]["fileStoreId"]
    download = await s3_api.get(f"{FILES}/id", params={"tenantId": "pb.amritsar", "fileStoreId": file_id}, headers=gro)

    assert response.status_code == 201
    assert f"pb.amritsar/pgr-upload/{file_id}" in await asyncio.to_thread(_objects, s3_endpoint)
    assert download.content == png()


async def test_s3_refused_upload_leaves_no_object(s3_api: httpx.AsyncClient, s3_endpoint: str) -> None:
    gro = await login(s3_api, "GRO_AMR", "pb.amritsar")
    before = await asyncio.to_thread(_objects, s3_endpoint)
    files = [("file", ("a.png", png(), "image/png")), ("file", ("b.png", EXECUTABLE, "image/png"))]

    response = await s3_api.post(FILES, data=AMRITSAR, files=files, headers=gro)

    assert response.status_code == 400
    assert await asyncio.to_thread(_objects, s3_endpoint) == before
