"""Request bodies are read whole on the event loop before Flask's threads see them (SECURITY 38).

The live-server test in test_load.py shows stalled clients do not block anyone; these pin the
edges of the buffering itself: pieces arrive whole, a silent client gets 408, an over-long
body without a length gets 413, and neither ever reaches the app.
"""
from __future__ import annotations

import asyncio
from typing import Any

from app.buffering import buffered

Message = dict[str, Any]


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
    sent = call(buffered(inner, max_bytes=2_000_000, idle_seconds=5), pieces)
    assert inner.bodies == [b"a" * 700_000 + b"b" * 700_000 + b"c"]
    assert (sent[0]["status"], sent[1]["body"]) == (200, b"1400001")


def test_a_client_that_stops_sending_gets_408_and_never_reaches_the_app() -> None:
    inner = Recorder()
    sent = call(buffered(inner, max_bytes=1000, idle_seconds=0.2), [piece(b"email=", True)])
    assert inner.bodies == [] and sent[0]["status"] == 408
    assert "навреме" in sent[1]["body"].decode() and "in time" in sent[1]["body"].decode()


def test_a_body_without_a_length_that_grows_past_the_limit_gets_413_unread_by_the_app() -> None:
    inner = Recorder()
    sent = call(buffered(inner, max_bytes=1000, idle_seconds=5),
                [piece(b"x" * 600, True), piece(b"x" * 600, True)])
    assert inner.bodies == [] and sent[0]["status"] == 413


def test_a_declared_length_past_the_limit_goes_to_the_app_to_refuse_unread() -> None:
    refused: list[int] = []

    async def refuse(scope: Any, receive: Any, send: Any) -> None:
        refused.append(1)
        await send({"type": "http.response.start", "status": 413, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent = call(buffered(refuse, max_bytes=1000, idle_seconds=5), [],
                headers=[(b"content-length", b"10000000000")])
    assert refused == [1] and sent[0]["status"] == 413


def test_a_get_is_passed_straight_through() -> None:
    inner = Recorder()
    sent = call(buffered(inner, max_bytes=1000, idle_seconds=0.2), [piece(b"", False)], method="GET")
    assert inner.bodies == [b""] and sent[0]["status"] == 200
