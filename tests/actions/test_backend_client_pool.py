"""Issue 14: the actions' backend client keeps one connection pool per process and memoises GET reads within one
turn (same token and path: one request); writes are never memoised and make earlier reads old."""
from __future__ import annotations

import asyncio

import pytest

from actions import backend_client
from actions.backend_client import BackendClient, NotSignedIn, close_sessions, turn_key
from tests.actions.conftest import TOKEN, make_tracker


def _gets(backend, path: str) -> int:
    return sum(1 for r in backend.requests if r[0] == "GET" and r[1] == "/api/v1" + path)


@pytest.fixture(autouse=True)
def _fresh_memo():
    backend_client._memo.clear()
    yield
    backend_client._memo.clear()


def test_reads_of_one_turn_go_out_once(backend):
    async def turn():
        # Two actions of the same turn, each with its own client, as client_for makes them.
        for _ in range(2):
            client = BackendClient(TOKEN, turn="conversation-1:m1")
            assert (await client.accounts())[0]["id"] == 1
            assert len(await client.payees()) == 2
        await close_sessions()

    asyncio.run(turn())
    assert _gets(backend, "/accounts") == 1 and _gets(backend, "/payees") == 1


def test_the_next_turn_reads_again(backend):
    async def turns():
        await BackendClient(TOKEN, turn="c:m1").accounts()
        await BackendClient(TOKEN, turn="c:m2").accounts()
        await close_sessions()

    asyncio.run(turns())
    assert _gets(backend, "/accounts") == 2


def test_without_a_turn_nothing_is_memoised(backend):
    async def calls():
        await BackendClient(TOKEN).accounts()
        await BackendClient(TOKEN).accounts()
        await close_sessions()

    asyncio.run(calls())
    assert _gets(backend, "/accounts") == 2


def test_writes_are_never_memoised_and_make_reads_old(backend):
    async def turn():
        client = BackendClient(TOKEN, turn="c:m1")
        await client.accounts()
        first = await client.create_transfer("key-1", 1, 11, "500.00")
        second = await client.create_transfer("key-2", 1, 11, "600.00")
        await client.accounts()  # after a write: the backend is asked again
        await close_sessions()
        return first, second

    first, second = asyncio.run(turn())
    assert len(backend.posts("/api/v1/transfers")) == 2 and first != second
    assert _gets(backend, "/accounts") == 2


def test_errors_are_not_memoised(backend):
    async def turn():
        for _ in range(2):
            with pytest.raises(NotSignedIn):
                await BackendClient("someone-elses-token", turn="c:m1").accounts()
        await close_sessions()

    asyncio.run(turn())
    assert _gets(backend, "/accounts") == 2


def test_a_memoised_answer_is_a_copy(backend):
    async def turn():
        got = await BackendClient(TOKEN, turn="c:m1").accounts()
        got[0]["balance"] = "0.00"
        again = await BackendClient(TOKEN, turn="c:m1").accounts()
        await close_sessions()
        return again

    assert asyncio.run(turn())[0]["balance"] == "12000.00"


def test_the_memo_holds_no_token(backend):
    async def turn():
        await BackendClient(TOKEN, turn="c:m1").accounts()
        await close_sessions()

    asyncio.run(turn())
    assert backend_client._memo and TOKEN not in repr(list(backend_client._memo.items()))


def test_turn_key_is_the_conversation_and_its_latest_message():
    tracker = make_tracker("余额")
    assert turn_key(tracker) is None  # no message id: no memo
    tracker.latest_message["message_id"] = "abc"
    assert turn_key(tracker) == "conversation-1:abc"


def test_client_for_uses_the_turn(backend):
    from actions.common import client_for

    tracker = make_tracker("余额")
    tracker.latest_message["message_id"] = "m9"

    async def two_actions():
        await client_for(tracker).accounts()
        await client_for(tracker).accounts()
        await close_sessions()

    asyncio.run(two_actions())
    assert _gets(backend, "/accounts") == 1


class CountingServer:
    """Keep-alive HTTP/1.1 on loopback counting TCP connections; answers `[]`."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests = 0

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                if length:
                    await reader.readexactly(length)
                self.requests += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def test_one_connection_for_many_calls():
    srv = CountingServer()

    async def calls():
        url = await srv.start()
        made = backend_client.stats["sessions"]
        for i in range(6):
            client = BackendClient(TOKEN, base_url=url)  # a new client per action, as before
            await (client.accounts() if i % 2 else client.cancel_transfer(i + 1))
        assert backend_client.stats["sessions"] - made == 1  # one session (pool) for the process's loop
        shared = backend_client.session()
        await close_sessions()
        assert shared.closed
        srv.server.close()

    asyncio.run(calls())
    assert srv.requests == 6 and srv.connections == 1
