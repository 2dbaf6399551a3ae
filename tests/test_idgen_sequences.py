"""idgen: sequences are unique and gap-free under concurrency, and join the caller's transaction (block: idgen)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI

from digit.blocks.idgen.client import IDGEN_CLIENT
from digit.kernel.platform import Platform
from digit.kernel.settings import Settings

GENERATE = "/egov-idgen/id/_generate"
FORMAT = "PB-CON-[cy:yyyy-MM-dd]-[SEQ_CONCURRENT]"

StartApi = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


def numbers(ids: list[str]) -> list[int]:
    return sorted(int(re.findall(r"(\d+)$", value)[0]) for value in ids)


async def test_fifty_concurrent_http_requests_get_unique_gap_free_ids(make_api: StartApi, settings: Settings) -> None:
    _, api = await make_api(open_routes=[*settings.open_routes, GENERATE])
    body = {"RequestInfo": {}, "idRequests": [{"idName": "t.concurrent", "tenantId": "pb.amritsar", "format": FORMAT}]}

    responses = await asyncio.gather(*(api.post(GENERATE, json=body) for _ in range(50)))

    assert [r.status_code for r in responses] == [200] * 50
    ids = [r.json()["idResponses"][0]["id"] for r in responses]
    assert numbers(ids) == list(range(1, 51))


async def test_concurrent_batches_through_the_client_never_overlap(platform: Platform) -> None:
    client = platform.get(IDGEN_CLIENT)

    batches = await asyncio.gather(
        *(client.generate(None, tenant_id="pb", id_name="t.batch", format="[SEQ_BATCH]", count=5) for _ in range(20))
    )

    assert numbers([value for batch in batches for value in batch]) == list(range(1, 101))
    assert all(numbers(batch) == list(range(numbers(batch)[0], numbers(batch)[0] + 5)) for batch in batches)


async def test_rolled_back_transaction_gives_its_numbers_back(platform: Platform) -> None:
    client = platform.get(IDGEN_CLIENT)
    async with platform.sessions() as session:
        taken = await client.generate(session, tenant_id="pb", id_name="t.rollback", format="[SEQ_ROLLBACK]", count=2)
        await session.rollback()

    after = await client.generate(None, tenant_id="pb", id_name="t.rollback", format="[SEQ_ROLLBACK]")

    assert (taken, after) == (["000001", "000002"], ["000001"])


async def test_committed_caller_transaction_keeps_its_numbers(platform: Platform) -> None:
    client = platform.get(IDGEN_CLIENT)
    async with platform.sessions() as session, session.begin():
        await client.generate(session, tenant_id="pb", id_name="t.commit", format="[SEQ_COMMIT]")

    after = await client.generate(None, tenant_id="pb", id_name="t.commit", format="[SEQ_COMMIT]")

    assert after == ["000002"]
