"""Notification channels against real local servers: an SMTP server (aiosmtpd) and an HTTP SMS gateway,
both started by the test on a port the OS picks (so parallel pytest-xdist workers never share one); plus the
SUPERUSER-only SMS sink API."""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller

from digit.blocks.notification.channels import HttpGatewaySender, SmtpSender
from digit.blocks.notification.client import NOTIFICATION_CLIENT, InProcessNotificationClient
from digit.blocks.notification.service import search_deliveries
from digit.kernel.platform import Platform
from tests.builders import login


def free_port() -> int:
    """A port nothing listens on, picked by the OS from its ephemeral range."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _notifier(platform: Platform) -> InProcessNotificationClient:
    client = platform.get(NOTIFICATION_CLIENT)
    assert isinstance(client, InProcessNotificationClient)
    return client


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


class GatewayRequests(BaseHTTPRequestHandler):
    received: list[dict[str, list[str]]]
    status = 200

    def do_GET(self) -> None:
        self.received.append(parse_qs(urlsplit(self.path).query))
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def sms_gateway() -> Iterator[tuple[list[dict[str, list[str]]], int]]:
    received: list[dict[str, list[str]]] = []
    handler = type("Handler", (GatewayRequests,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


async def test_send_email_over_smtp_reaches_the_server(platform: Platform, smtp_server: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp_server
    notifier = _notifier(platform)
    notifier.email_sender = SmtpSender(host="127.0.0.1", port=port, sender="noreply@digit.test")

    await notifier.send_email(
        tenant_id="pb.amritsar", to=["citizen@example.com"], subject="Complaint filed", body="We got it."
    )
    await notifier.flush()

    [(recipients, message)] = mailbox.messages
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert recipients == ["citizen@example.com"]
    assert (message["Subject"], payload.decode().strip()) == ("Complaint filed", "We got it.")


async def test_send_email_to_unreachable_smtp_is_recorded_for_retry(platform: Platform) -> None:
    notifier = _notifier(platform)
    notifier.email_sender = SmtpSender(host="127.0.0.1", port=free_port(), sender="noreply@digit.test", timeout_s=2)

    await notifier.send_email(tenant_id="pb.amritsar", to=["citizen@example.com"], subject="s", body="b")
    await notifier.flush()

    async with platform.read_sessions() as session:
        [delivery] = await search_deliveries(session, tenant_id="pb", status=None, ids=(), limit=5, offset=0)
    assert (delivery["status"], delivery["lastError"], delivery["channel"]) == ("RETRY", "SMTP_UNREACHABLE", "EMAIL")


async def test_send_sms_through_http_gateway_fills_the_url_template(
    platform: Platform, sms_gateway: tuple[list[dict[str, list[str]]], int]
) -> None:
    received, port = sms_gateway
    notifier = _notifier(platform)
    notifier.sms_sender = HttpGatewaySender(f"http://127.0.0.1:{port}/send?to={{mobileNumber}}&text={{message}}")

    await notifier.send_sms(tenant_id="pb", mobile_number="9876543210", message="Hello & welcome", category="OTP")
    await notifier.flush()

    assert received == [{"to": ["9876543210"], "text": ["Hello & welcome"]}]


async def test_gateway_sender_is_chosen_by_settings(make_api: Any) -> None:
    app, _ = await make_api(sms_gateway_url="http://127.0.0.1:1/send?to={mobileNumber}")

    sender = _notifier(app.state.platform).sms_sender

    assert isinstance(sender, HttpGatewaySender)


async def test_sms_sink_api_returns_messages_to_superuser(api: httpx.AsyncClient, platform: Platform) -> None:
    admin = await login(api, "ADMIN", "pb")
    await _notifier(platform).send_sms(tenant_id="pb.amritsar", mobile_number="9876543210", message="Hi there")

    response = await api.post(
        "/notification/v1/sms/_search",
        params={"tenantId": "pb", "mobileNumber": "9876543210"},
        json={"RequestInfo": {}},
        headers=admin,
    )

    assert response.status_code == 200
    assert [(m["mobileNumber"], m["message"], m["tenantId"]) for m in response.json()["messages"]] == [
        ("9876543210", "Hi there", "pb.amritsar")
    ]


async def test_sms_sink_api_is_forbidden_to_a_gro(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")

    response = await api.post(
        "/notification/v1/sms/_search", params={"tenantId": "pb.amritsar"}, json={"RequestInfo": {}}, headers=gro
    )

    assert response.status_code == 403
