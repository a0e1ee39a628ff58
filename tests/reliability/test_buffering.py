"""Slow clients are handled on the event loop, never in Flask's threads (SECURITY 38).

The live-server tests in test_load.py show stalled uploads and clients that never read do not
block anyone; these pin the edges of the buffering itself. Requests: pieces arrive whole, a
silent client gets 408, an over-long body without a length gets 413, and neither reaches the
app. Responses: the app hands its whole body over while the client has read none of it, the
client still gets every byte in order, and past the spool limit the app waits.
"""
from __future__ import annotations

import asyncio
from typing import Any

from app.web.buffering import buffered

Message = dict[str, Any]
# Seconds to wait where the right behaviour never waits (pieces arrive at once, the app finishes
# spooling): a bound for a slow or busy machine, reached only when the buffering is broken.
PATIENT = 300


class Recorder:
    """An ASGI app that reads the whole body and answers with its length."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(body)).encode()})


def call(app: Any, messages: list[Message], *, method: str = "POST",
         headers: list[tuple[bytes, bytes]] = ()) -> list[Message]:
    """Send a request whose body arrives as `messages`, then silence; return what was sent back."""
    sent: list[Message] = []

    async def run() -> None:
        pending = list(messages)

        async def receive() -> Message:
            if pending:
                return pending.pop(0)
            await asyncio.Event().wait()  # the client sends nothing more
            raise AssertionError("unreachable")

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "http", "method": method, "path": "/upload", "headers": list(headers)}
        await app(scope, receive, send)

    asyncio.run(run())
    return sent


def piece(body: bytes, more: bool) -> Message:
    return {"type": "http.request", "body": body, "more_body": more}


def test_a_body_sent_in_pieces_reaches_the_app_whole() -> None:
    inner = Recorder()
    pieces = [piece(b"a" * 700_000, True), piece(b"b" * 700_000, True), piece(b"c", False)]
    sent = call(buffered(inner, max_bytes=2_000_000, idle_seconds=PATIENT), pieces)
    assert inner.bodies == [b"a" * 700_000 + b"b" * 700_000 + b"c"]
    assert (sent[0]["status"], sent[1]["body"]) == (200, b"1400001")


def test_a_client_that_stops_sending_gets_408_and_never_reaches_the_app() -> None:
    inner = Recorder()
    sent = call(buffered(inner, max_bytes=1000, idle_seconds=0.2), [piece(b"email=", True)])
    assert inner.bodies == [] and sent[0]["status"] == 408
    assert "навреме" in sent[1]["body"].decode() and "in time" in sent[1]["body"].decode()


def test_a_body_without_a_length_that_grows_past_the_limit_gets_413_unread_by_the_app() -> None:
    inner = Recorder()
    sent = call(buffered(inner, max_bytes=1000, idle_seconds=PATIENT),
                [piece(b"x" * 600, True), piece(b"x" * 600, True)])
    assert inner.bodies == [] and sent[0]["status"] == 413


def test_a_declared_length_past_the_limit_goes_to_the_app_to_refuse_unread() -> None:
    refused: list[int] = []

    async def refuse(scope: Any, receive: Any, send: Any) -> None:
        refused.append(1)
        await send({"type": "http.response.start", "status": 413, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent = call(buffered(refuse, max_bytes=1000, idle_seconds=PATIENT), [],
                headers=[(b"content-length", b"10000000000")])
    assert refused == [1] and sent[0]["status"] == 413


def test_a_get_is_passed_straight_through() -> None:
    inner = Recorder()
    sent = call(buffered(inner, max_bytes=1000, idle_seconds=0.2), [piece(b"", False)], method="GET")
    assert inner.bodies == [b""] and sent[0]["status"] == 200


def test_the_app_finishes_its_response_before_a_slow_client_reads_any_of_it() -> None:
    chunks = [bytes([i]) * 300_000 for i in range(8)]  # 2.4 MB: past memory, into a file
    finished_before_first_read: list[bool] = []
    app_done = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        app_done.set()

    received: list[bytes] = []

    async def run() -> None:
        async def slow_send(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not received:
                    await asyncio.wait_for(app_done.wait(), PATIENT)  # the client reads nothing yet
                    finished_before_first_read.append(app_done.is_set())
                received.append(message["body"])

        async def receive() -> Message:
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

        await buffered(app, max_bytes=1000)({"type": "http", "method": "GET", "path": "/",
                                             "headers": []}, receive, slow_send)

    asyncio.run(run())
    assert finished_before_first_read == [True]
    assert b"".join(received) == b"".join(chunks)


def test_past_the_spool_limit_the_app_waits_for_the_client() -> None:
    progress: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for i in range(3):
            await send({"type": "http.response.body", "body": b"x" * 1000, "more_body": True})
            progress.append(f"app {i}")
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def run() -> None:
        async def send(message: Message) -> None:
            if message["type"] == "http.response.body":
                progress.append("client")

        async def receive() -> Message:
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

        await buffered(app, max_bytes=1000, spool_bytes=1500)(
            {"type": "http", "method": "GET", "path": "/", "headers": []}, receive, send)

    asyncio.run(run())
    assert progress.index("client") < progress.index("app 1")  # 2000 unread bytes: it waited
