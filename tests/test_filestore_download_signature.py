"""Filestore: a tampered signed link is refused (4xx), never a 500, without a login (block: filestore)."""

from __future__ import annotations

import httpx

DOWNLOAD = "/filestore/v1/files/download"


async def test_download_with_non_ascii_signature_is_403(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{DOWNLOAD}?signature=%C3%BE&expires=1&tenantId=pb.amritsar&fileStoreId=x")

    assert response.status_code == 403
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_FILESTORE_INVALID_SIGNATURE"]


async def test_download_with_expiry_past_64_bits_is_400(api: httpx.AsyncClient) -> None:
    response = await api.get(f"{DOWNLOAD}?signature=abc&expires={2**70}&tenantId=pb.amritsar&fileStoreId=x")

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["NUMBER_OUT_OF_RANGE"]
