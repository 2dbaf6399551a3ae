"""Filestore through HTTP: upload checked by content, signed links, download, tenant isolation (block: filestore)."""

from __future__ import annotations

import struct
import zlib
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from digit.blocks.filestore.models import FileRow
from digit.kernel.clock import FrozenClock
from digit.kernel.platform import Platform
from tests.builders import citizen_login, login
from tests.workflow_helpers import new_citizen

FILES = "/filestore/v1/files"
AMRITSAR = {"tenantId": "pb.amritsar", "module": "pgr-upload", "tag": "PB-PGR-1"}


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


EXECUTABLE = b"MZ\x90\x00" + b"\x00" * 200


@pytest.fixture
async def gro(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "GRO_AMR", "pb.amritsar")


async def upload(
    api: httpx.AsyncClient, headers: dict[str, str], *files: tuple[str, bytes, str], form: dict[str, str] | None = None
) -> httpx.Response:
    parts = [("file", f) for f in files]
    return await api.post(FILES, data=AMRITSAR if form is None else form, files=parts, headers=headers)


async def stored(platform: Platform) -> tuple[int, int]:
    """(rows, files on disk)."""
    async with platform.sessions() as session:
        rows = int(await session.scalar(select(func.count()).select_from(FileRow)) or 0)
    folder = platform.settings.files_dir
    return rows, sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


async def test_upload_png_answers_file_store_id_and_download_returns_the_bytes(
    api: httpx.AsyncClient, gro: dict[str, str]
) -> None:
    response = await upload(api, gro, ("photo.png", png(), "image/png"))
    [file] = response.json()["files"]

    download = await api.get(
        f"{FILES}/id", params={"tenantId": "pb.amritsar", "fileStoreId": file["fileStoreId"]}, headers=gro
    )

    assert response.status_code == 201
    assert file["tenantId"] == "pb.amritsar"
    assert download.status_code == 200
    assert download.content == png()
    assert download.headers["content-type"] == "image/png"


async def test_upload_records_type_read_from_bytes_not_the_declared_one(
    api: httpx.AsyncClient, gro: dict[str, str]
) -> None:
    response = await upload(api, gro, ("scan.pdf", png(), "application/pdf"))
    file_id = response.json()["files"][0]["fileStoreId"]

    metadata = await api.get(
        f"{FILES}/metadata", params={"tenantId": "pb.amritsar", "fileStoreId": file_id}, headers=gro
    )

    assert metadata.status_code == 200
    assert (metadata.json()["contentType"], metadata.json()["fileSize"]) == ("image/png", len(png()))


async def test_upload_executable_named_png_is_400_and_nothing_is_stored(
    api: httpx.AsyncClient, gro: dict[str, str], platform: Platform
) -> None:
    response = await upload(api, gro, ("evil.png", EXECUTABLE, "image/png"))

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_FILESTORE_INVALID_MEDIA_TYPE"]
    assert await stored(platform) == (0, 0)


async def test_upload_with_one_bad_file_among_good_ones_stores_none(
    api: httpx.AsyncClient, gro: dict[str, str], platform: Platform
) -> None:
    response = await upload(api, gro, ("a.png", png(), "image/png"), ("b.png", EXECUTABLE, "image/png"))

    assert response.status_code == 400
    assert await stored(platform) == (0, 0)


async def test_upload_over_the_size_limit_is_400_and_nothing_is_stored(
    api: httpx.AsyncClient, gro: dict[str, str], platform: Platform
) -> None:
    big = png() + b"\x00" * (5 * 1024 * 1024)

    response = await upload(api, gro, ("big.png", big, "image/png"))

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_FILESTORE_MEDIA_TOO_LARGE"]
    assert await stored(platform) == (0, 0)


async def test_upload_type_not_allowed_for_the_module_is_400(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    response = await upload(api, gro, ("notes.txt", b"plain words\n", "text/plain"))

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_FILESTORE_INVALID_MEDIA_TYPE"]


async def test_upload_text_is_allowed_by_the_default_formats(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    form = {"tenantId": "pb.amritsar", "module": "rainmaker-pgr"}

    response = await upload(api, gro, ("notes.csv", b"a,b\n1,2\n", "application/octet-stream"), form=form)

    assert response.status_code == 201


async def test_corrupt_multipart_is_400(api: httpx.AsyncClient, gro: dict[str, str], platform: Platform) -> None:
    headers = {**gro, "content-type": "multipart/form-data; boundary=x"}

    response = await api.post(FILES, content=b"garbage", headers=headers)

    assert response.status_code == 400
    assert "Errors" in response.json()
    assert await stored(platform) == (0, 0)


async def test_upload_without_module_is_400(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    response = await upload(api, gro, ("photo.png", png(), "image/png"), form={"tenantId": "pb.amritsar"})

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["EG_FILESTORE_INVALID_INPUT"]


async def test_upload_into_a_tenant_of_no_role_is_403(
    api: httpx.AsyncClient, gro: dict[str, str], platform: Platform
) -> None:
    form = {"tenantId": "pb.jalandhar", "module": "pgr-upload"}

    response = await upload(api, gro, ("photo.png", png(), "image/png"), form=form)

    assert response.status_code == 403
    assert await stored(platform) == (0, 0)


async def test_upload_without_token_is_401(api: httpx.AsyncClient) -> None:
    response = await upload(api, {}, ("photo.png", png(), "image/png"))

    assert response.status_code == 401


async def test_foreign_tenant_file_id_gets_no_link_and_no_bytes(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    file_id = (await upload(api, gro, ("photo.png", png(), "image/png"))).json()["files"][0]["fileStoreId"]
    jalandhar = await login(api, "GRO_JAL", "pb.jalandhar")
    query = {"tenantId": "pb.jalandhar", "fileStoreIds": file_id}

    links = await api.get(f"{FILES}/url", params=query, headers=jalandhar)
    download = await api.get(
        f"{FILES}/id", params={"tenantId": "pb.jalandhar", "fileStoreId": file_id}, headers=jalandhar
    )

    assert links.status_code == 200
    assert links.json() == {"fileStoreIds": []}
    assert download.status_code == 404


async def test_signed_link_downloads_without_a_token(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    file_id = (await upload(api, gro, ("photo.png", png(), "image/png"))).json()["files"][0]["fileStoreId"]

    links = (
        await api.get(f"{FILES}/url", params={"tenantId": "pb.amritsar", "fileStoreIds": file_id}, headers=gro)
    ).json()
    link = urlsplit(links[file_id])
    download = await api.get(f"{link.path}?{link.query}")

    assert links["fileStoreIds"] == [{"id": file_id, "url": links[file_id]}]
    assert download.status_code == 200
    assert download.content == png()


async def test_links_for_repeated_and_comma_separated_ids_cover_each(
    api: httpx.AsyncClient, gro: dict[str, str]
) -> None:
    ids = [(await upload(api, gro, ("photo.png", png(), "image/png"))).json()["files"][0]["fileStoreId"] for _ in "abc"]
    query = [("tenantId", "pb.amritsar"), ("fileStoreIds", f"{ids[0]},{ids[1]}"), ("fileStoreIds", ids[2])]

    links = await api.get(f"{FILES}/url", params=query, headers=gro)

    assert links.status_code == 200
    assert sorted(link["id"] for link in links.json()["fileStoreIds"]) == sorted(ids)


async def test_links_without_file_store_ids_is_400_naming_them(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    response = await api.get(f"{FILES}/url", params={"tenantId": "pb.amritsar"}, headers=gro)

    assert response.status_code == 400
    assert [(e["code"], e["params"]) for e in response.json()["Errors"]] == [("INVALID_REQUEST", ["fileStoreIds"])]


async def test_signed_link_with_a_changed_signature_is_403(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    file_id = (await upload(api, gro, ("photo.png", png(), "image/png"))).json()["files"][0]["fileStoreId"]
    links = (
        await api.get(f"{FILES}/url", params={"tenantId": "pb.amritsar", "fileStoreIds": file_id}, headers=gro)
    ).json()
    link = urlsplit(links[file_id])

    download = await api.get(f"{link.path}?{link.query.replace('signature=', 'signature=A')}")

    assert download.status_code == 403
    assert [e["code"] for e in download.json()["Errors"]] == ["EG_FILESTORE_INVALID_SIGNATURE"]


async def test_signed_link_after_its_expiry_is_403(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    file_id = (await upload(api, gro, ("photo.png", png(), "image/png"))).json()["files"][0]["fileStoreId"]
    links = (
        await api.get(f"{FILES}/url", params={"tenantId": "pb.amritsar", "fileStoreIds": file_id}, headers=gro)
    ).json()
    link = urlsplit(links[file_id])
    clock.advance(hours=2)

    download = await api.get(f"{link.path}?{link.query}")

    assert download.status_code == 403
    assert [e["code"] for e in download.json()["Errors"]] == ["EG_FILESTORE_LINK_EXPIRED"]


async def test_files_by_tag_lists_the_tenants_files(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    file_id = (await upload(api, gro, ("photo.png", png(), "image/png"))).json()["files"][0]["fileStoreId"]

    response = await api.get(f"{FILES}/tag", params={"tenantId": "pb.amritsar", "tag": "PB-PGR-1"}, headers=gro)

    assert response.status_code == 200
    assert response.json()["files"] == [{"fileStoreId": file_id, "tenantId": "pb.amritsar"}]


async def test_files_by_tag_hides_another_citizens_upload(api: httpx.AsyncClient) -> None:
    owner = await citizen_login(api)
    other = (await new_citizen(api, "9888800001")).headers
    await upload(api, owner, ("photo.png", png(), "image/png"))

    response = await api.get(f"{FILES}/tag", params={"tenantId": "pb.amritsar", "tag": "PB-PGR-1"}, headers=other)

    assert response.status_code == 200
    assert response.json()["files"] == []


async def test_files_by_tag_shows_a_citizen_their_own_upload(api: httpx.AsyncClient) -> None:
    owner = await citizen_login(api)
    file_id = (await upload(api, owner, ("photo.png", png(), "image/png"))).json()["files"][0]["fileStoreId"]

    response = await api.get(f"{FILES}/tag", params={"tenantId": "pb.amritsar", "tag": "PB-PGR-1"}, headers=owner)

    assert response.json()["files"] == [{"fileStoreId": file_id, "tenantId": "pb.amritsar"}]


async def test_files_by_tag_shows_an_employee_a_citizens_upload(api: httpx.AsyncClient, gro: dict[str, str]) -> None:
    owner = await citizen_login(api)
    file_id = (await upload(api, owner, ("photo.png", png(), "image/png"))).json()["files"][0]["fileStoreId"]

    response = await api.get(f"{FILES}/tag", params={"tenantId": "pb.amritsar", "tag": "PB-PGR-1"}, headers=gro)

    assert response.json()["files"] == [{"fileStoreId": file_id, "tenantId": "pb.amritsar"}]


async def test_upload_twice_with_one_idempotency_key_stores_one_file(
    api: httpx.AsyncClient, gro: dict[str, str], platform: Platform
) -> None:
    keyed = {**gro, "Idempotency-Key": "upload-1"}
    first = await upload(api, keyed, ("photo.png", png(), "image/png"))

    second = await upload(api, keyed, ("photo.png", png(), "image/png"))

    assert second.status_code == 201
    assert second.json()["files"] == first.json()["files"]
    assert await stored(platform) == (1, 1)
