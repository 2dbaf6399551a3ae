"""The platform served by a real uvicorn in a thread, for tests that need a socket (HTTP clients that speak
`requests`, raw connections, early 413s).

Stopping waits until the server's thread has ended: its loop closes only after the lifespan disposed the
engine, so no database driver thread (aiosqlite's) is left to answer a closed loop during a later test.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

START_S = 60
STOP_S = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(app: FastAPI, *, port: int) -> Iterator[uvicorn.Server]:
    """Serve `app` on 127.0.0.1:`port` for the block; stop it and wait for its thread when the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True, name=f"uvicorn-{port}")
    thread.start()
    for _ in range(START_S * 20):
        if server.started or not thread.is_alive():
            break
        thread.join(0.05)
    try:
        assert server.started, "the platform did not start (its traceback is above)"
        yield server
    finally:
        server.should_exit = True
        thread.join(STOP_S)
        assert not thread.is_alive(), f"uvicorn on port {port} did not stop within {STOP_S} s"
