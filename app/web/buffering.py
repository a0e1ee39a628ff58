"""Keep slow clients away from Flask's threads: whole request bodies in, whole responses out.

a2wsgi runs Flask in a pool of ten threads. A thread reading `request.form` or an upload waits
for the network, and a thread whose response does not fit the socket waits for the client to
read it: a dozen clients that send the start of a POST and stall, or that ask for a release file
and never read it, would hold every thread, and the whole web front door would stop answering.
Here both ends are handled on the event loop. The request body is collected first (into memory,
then a temporary file past 1 MB) and replayed to the app; a client silent for `idle_seconds`
gets 408 and a body beyond `max_bytes` 413. The response body is taken from the app as fast as
it comes (memory, then a temporary file) and passed on at the client's pace; only past
`spool_bytes` not yet read by the client does the app wait.
"""
from __future__ import annotations

import asyncio
import io
import tempfile
from typing import IO, Any

from app.asgi_types import ASGIApp, Receive, Scope, Send

CHUNK = 1 << 20
IN_MEMORY = 1 << 20
# A response the client has not read yet is kept up to this size; only then does the app wait.
SPOOL_BYTES = 64 << 20


async def _answer(send: Send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


TOO_SLOW = "Заявката не беше изпратена навреме. / The request was not sent in time."
TOO_BIG = "Файлът е твърде голям. / The file is too large."


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


async def _collect(receive: Receive, spool: IO[bytes], *, max_bytes: int,
                   idle_seconds: float) -> str | None:
    """Read the body into spool; return None, or "slow"/"big"/"gone" when it cannot be had."""
    size = 0
    while True:
        try:
            message = await asyncio.wait_for(receive(), idle_seconds)
        except asyncio.TimeoutError:
            return "slow"
        if message["type"] == "http.disconnect":
            return "gone"
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            return "big"
        spool.write(chunk)
        if not message.get("more_body", False):
            return None


def buffered(app: ASGIApp, *, max_bytes: int, idle_seconds: float = 30.0,
             spool_bytes: int = SPOOL_BYTES) -> ASGIApp:
    """Wrap an ASGI app so that it only sees complete request bodies and never waits for a
    client to read its response (up to `spool_bytes` ahead of the client)."""

    async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        await _take_request(app, scope, receive, Outbox(send, limit=spool_bytes),
                            max_bytes=max_bytes, idle_seconds=idle_seconds)

    return wrapper


async def _take_request(app: ASGIApp, scope: Scope, receive: Receive, outbox: "Outbox", *,
                        max_bytes: int, idle_seconds: float) -> None:
    declared = _declared_length(scope)
    if scope["method"] in ("GET", "HEAD", "OPTIONS") or (declared is not None and declared > max_bytes):
        await outbox.deliver(app, scope, receive)  # no body to wait for, or one refused unread
        return
    with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY) as spool:
        failure = await _collect(receive, spool, max_bytes=max_bytes, idle_seconds=idle_seconds)
        if failure == "gone":
            return
        if failure is not None:
            await _answer(outbox.send, 408 if failure == "slow" else 413,
                          TOO_SLOW if failure == "slow" else TOO_BIG)
            return
        spool.seek(0)
        await outbox.deliver(app, scope, _replay(spool, receive))


def _replay(spool: IO[bytes], receive: Receive) -> Receive:
    """Return a receive that hands out the spooled body, then waits on the real connection."""
    done = False

    async def replay() -> Any:
        nonlocal done
        if done:
            return await receive()  # only a disconnect can come now
        chunk = spool.read(CHUNK)
        more = spool.tell() < _size(spool)
        done = not more
        return {"type": "http.request", "body": chunk, "more_body": more}

    return replay


def _size(spool: IO[bytes]) -> int:
    position = spool.tell()
    end = spool.seek(0, 2)
    spool.seek(position)
    return end


class Outbox:
    """A response on its way to the client: the app hands its body over at once and a task
    passes it on at the client's pace (in memory first, then a temporary file)."""

    def __init__(self, send: Send, *, limit: int) -> None:
        self.send, self.limit = send, limit
        self.spool: IO[bytes] = io.BytesIO()  # replaced by a spool while delivering
        self.written = self.sent = 0
        self.started = self.finished = False
        self.ready = asyncio.Condition()

    async def deliver(self, app: ASGIApp, scope: Scope, receive: Receive) -> None:
        """Run the app with this outbox as its send, and see its whole response out."""
        self.spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
        drain = asyncio.ensure_future(self._drain())
        try:
            await app(scope, receive, self.put)
            async with self.ready:
                self.finished = True
                self.ready.notify_all()
            if self.started:
                await drain
        finally:
            drain.cancel()
            self.spool.close()

    async def put(self, message: dict[str, Any]) -> None:
        """Take a message from the app: the start goes out now, the body into the spool."""
        if message["type"] != "http.response.body":
            self.started = self.started or message["type"] == "http.response.start"
            await self.send(message)
            return
        async with self.ready:
            body = message.get("body", b"")
            self.spool.seek(0, 2)
            self.spool.write(body)
            self.written += len(body)
            self.finished = not message.get("more_body", False)
            self.ready.notify_all()
            await self.ready.wait_for(lambda: self.written - self.sent <= self.limit)

    async def _drain(self) -> None:
        while True:
            async with self.ready:
                await self.ready.wait_for(lambda: self.sent < self.written or self.finished)
                self.spool.seek(self.sent)
                chunk = self.spool.read(CHUNK)
                last = self.finished and self.sent + len(chunk) == self.written
            await self.send({"type": "http.response.body", "body": chunk, "more_body": not last})
            async with self.ready:
                self.sent += len(chunk)
                if self.sent == self.written:  # all out: reuse the spool from its start
                    self.spool.seek(0)
                    self.spool.truncate()
                    self.sent = self.written = 0
                self.ready.notify_all()
            if last:
                return
