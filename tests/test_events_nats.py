"""Events over NATS JetStream: CloudEvents envelopes on DIGIT's topic names, dedup by event id (block: kernel events).

Runs against the local server (127.0.0.1:4222, JetStream on). Skipped when it is down, unless
DIGIT_REQUIRE_NATS=1 (CI sets it), then it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI

from digit.kernel.dispatch import DISPATCHER, _Relay, drain, stream_name, subscriptions
from digit.kernel.periodic import run_round
from digit.kernel.platform import Platform
from tests.test_events_dispatch import Recorder, write_events

NATS_URL = "nats://127.0.0.1:4222"


def _nats_is_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 4222), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
async def nats_prefix() -> AsyncIterator[str]:
    """A subject prefix (and so a stream) of this test's own, deleted afterwards."""
    if not _nats_is_up():
        if os.environ.get("DIGIT_REQUIRE_NATS"):
            pytest.fail("NATS JetStream is not running on 127.0.0.1:4222 and DIGIT_REQUIRE_NATS is set")
        pytest.skip("NATS JetStream is not running on 127.0.0.1:4222")
    import nats

    prefix = f"t{uuid.uuid4().hex[:10]}"
    yield prefix
    connection = await nats.connect(NATS_URL)
    with contextlib.suppress(Exception):  # the stream may never have been made
        await connection.jetstream().delete_stream(stream_name(prefix))
    await connection.close()


@pytest.fixture
async def nats_platform(
    make_api: Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]], nats_prefix: str
) -> Platform:
    app, _ = await make_api(events_backend="nats", nats_url=NATS_URL, nats_subject_prefix=nats_prefix)
    platform: Platform = app.state.platform
    return platform


async def test_nats_backend_delivers_events_in_order_per_aggregate(nats_platform: Platform) -> None:
    recorder = Recorder()
    subscriptions(nats_platform).consumers.append(recorder.consumer)
    ids = await write_events(nats_platform, "A", "B", "A", "A")

    await drain(nats_platform)

    assert len(recorder.seen) == 4
    assert [e.id for e in recorder.seen if e.aggregate_id == "A"] == [ids[0], ids[2], ids[3]]


async def test_nats_background_rounds_keep_one_connection_and_close_it_when_stopped(nats_platform: Platform) -> None:
    recorder = Recorder()
    subscriptions(nats_platform).consumers.append(recorder.consumer)
    ids = await write_events(nats_platform, "A", "A")

    while await run_round(nats_platform, DISPATCHER):  # as `digit worker` does, while there is work
        pass
    relay = nats_platform.get(_Relay)
    open_while_running = relay._transport is not None
    assert DISPATCHER.close is not None
    await DISPATCHER.close(nats_platform)

    assert [e.id for e in recorder.seen] == ids
    assert (open_while_running, relay._transport) == (True, None)


async def test_nats_message_is_a_cloudevent_on_the_digit_topic_subject(
    nats_platform: Platform, nats_prefix: str
) -> None:
    import nats

    subscriptions(nats_platform).consumers.append(Recorder().consumer)
    [event_id] = await write_events(nats_platform, "PB-PGR-7", topic="egov.collection.payment-create")
    await drain(nats_platform)
    connection = await nats.connect(NATS_URL)
    try:
        message = await connection.jetstream().get_msg(
            stream_name(nats_prefix), subject=f"{nats_prefix}.egov.collection.payment-create"
        )
    finally:
        await connection.close()

    envelope = json.loads(message.data or b"{}")
    assert message.subject == f"{nats_prefix}.egov.collection.payment-create"
    assert (message.headers or {}).get("Nats-Msg-Id") == event_id
    assert {k: envelope[k] for k in ("specversion", "id", "type", "subject", "datacontenttype", "data")} == {
        "specversion": "1.0",
        "id": event_id,
        "type": "egov.collection.payment-create",
        "subject": "PB-PGR-7",
        "datacontenttype": "application/json",
        "data": {"n": 0},
    }
    assert envelope["source"] and envelope["time"].startswith("20")


async def test_nats_republished_event_is_dropped_by_jetstream_dedup(nats_platform: Platform, nats_prefix: str) -> None:
    import nats

    recorder = Recorder()
    subscriptions(nats_platform).consumers.append(recorder.consumer)
    [event_id] = await write_events(nats_platform, "A")
    await drain(nats_platform)
    connection = await nats.connect(NATS_URL)
    try:
        ack = await connection.jetstream().publish(
            f"{nats_prefix}.save-test-request", b"{}", headers={"Nats-Msg-Id": event_id}
        )
    finally:
        await connection.close()

    await drain(nats_platform)

    assert ack.duplicate is True
    assert [e.id for e in recorder.seen] == [event_id]


async def test_nats_unreadable_message_is_skipped_and_does_not_block_delivery(
    nats_platform: Platform, nats_prefix: str
) -> None:
    import nats

    recorder = Recorder()
    subscriptions(nats_platform).consumers.append(recorder.consumer)
    await drain(nats_platform)  # makes the stream and the durable consumer
    connection = await nats.connect(NATS_URL)
    try:
        await connection.jetstream().publish(f"{nats_prefix}.save-test-request", b"not a cloudevent")
    finally:
        await connection.close()
    [event_id] = await write_events(nats_platform, "A")

    await drain(nats_platform)

    assert [e.id for e in recorder.seen] == [event_id]
