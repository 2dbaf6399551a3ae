"""PGR served on its own (`digit serve --blocks pgr,access`) brings every block it imports (issue 12): the
complaint acknowledgement is rendered by the pdf block, which PGR therefore declares. (`access`, the gate's
provider, is named until the kernel brings it with any block.)"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI

from tests.builders import login
from tests.pgr_helpers import RI, complaint, file_complaint, localities, service_of

AMRITSAR = "pb.amritsar"
ACK = "/pgr-services/v2/request/_acknowledgement"
StartApi = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


async def test_acknowledgement_with_only_pgr_served_is_a_pdf(make_api: StartApi) -> None:
    _, api = await make_api(blocks=["pgr", "access"])
    csr = await login(api, "CSR_AMR", AMRITSAR)  # no citizen login: its OTP would leave through notification
    [locality, *_] = await localities(api, AMRITSAR)
    body = complaint(AMRITSAR, locality, citizen={"name": "Walk In", "mobileNumber": "9876512345"})
    filed: dict[str, Any] = service_of(await file_complaint(api, csr, body))

    response = await api.post(
        f"{ACK}?tenantId={AMRITSAR}&serviceRequestId={filed['serviceRequestId']}",
        json={"RequestInfo": RI},
        headers=csr,
    )

    assert response.status_code == 200, response.text
    assert response.content.startswith(b"%PDF")
