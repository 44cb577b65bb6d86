"""Issue 14: the gateway keeps one connection pool (gateway.http_pool) for Rasa and the backend, not one per call."""
from __future__ import annotations

import asyncio

import pytest

from gateway import backend_client, http_pool, rasa_client
from gateway.config import get_settings


class CountingServer:
    """A keep-alive HTTP/1.1 server on loopback that counts TCP connections and requests; answers `[]`."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests = 0
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                self.requests += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
def server(monkeypatch):
    srv = CountingServer()
    yield srv, monkeypatch
    get_settings.cache_clear()


def test_many_calls_share_one_connection(server):
    srv, monkeypatch = server

    async def scenario():
        url = await srv.start()
        monkeypatch.setenv("ANXIN_BACKEND_URL", url)
        monkeypatch.setenv("ANXIN_RASA_URL", url)
        get_settings.cache_clear()
        opened = http_pool.opened()
        for _ in range(5):
            assert await backend_client.call("GET", "/accounts", token="t") == []
            assert await rasa_client.send_message("s1", "余额", {"channel": "web"}) == []
        assert http_pool.opened() - opened <= 1  # one client for the process's loop
        await http_pool.aclose()
        srv.server.close()

    asyncio.run(scenario())
    assert srv.requests == 10
    assert srv.connections == 1  # one keep-alive connection, not one per call


def test_closed_at_shutdown_and_made_again_lazily(server):
    srv, monkeypatch = server

    async def scenario():
        url = await srv.start()
        monkeypatch.setenv("ANXIN_BACKEND_URL", url)
        get_settings.cache_clear()
        first = http_pool.client()
        assert http_pool.client() is first
        await http_pool.aclose()
        assert first.is_closed
        assert await backend_client.call("GET", "/accounts") == []  # a new pool, made on first use
        assert http_pool.client() is not first
        await http_pool.aclose()
        srv.server.close()

    asyncio.run(scenario())


def test_shutdown_of_the_app_closes_the_pool():
    from fastapi.testclient import TestClient

    from gateway.main import create_app

    app = create_app()
    assert http_pool.aclose in app.router.on_shutdown
    with TestClient(app):
        pass
