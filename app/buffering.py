"""Read a request's whole body on the event loop before the Flask app (in a thread) sees it.

a2wsgi runs Flask in a pool of ten threads, and a thread reading `request.form` or an upload
waits for the network: a dozen clients that send the start of a POST and then stall (an
attacker, or a staff member on a bad mobile line) would hold every thread and the whole web
front door would stop answering. Here the body is collected asynchronously (into memory, then
a temporary file past 1 MB) and replayed to the app from there, so threads only ever run app
code. A client silent for `idle_seconds` gets 408; a body beyond `max_bytes` gets 413.
"""
from __future__ import annotations

import asyncio
import tempfile
from typing import IO, Any

from app.sql import ASGIApp, Receive, Scope, Send

CHUNK = 1 << 20
IN_MEMORY = 1 << 20


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


def buffered(app: ASGIApp, *, max_bytes: int, idle_seconds: float = 30.0) -> ASGIApp:
    """Wrap an ASGI app so that it only ever sees complete request bodies."""

    async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
        declared = _declared_length(scope)
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS") \
                or (declared is not None and declared > max_bytes):
            await app(scope, receive, send)  # no body to wait for, or one the app refuses unread
            return
        with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY) as spool:
            failure = await _collect(receive, spool, max_bytes=max_bytes, idle_seconds=idle_seconds)
            if failure == "gone":
                return
            if failure is not None:
                await _answer(send, 408 if failure == "slow" else 413,
                              TOO_SLOW if failure == "slow" else TOO_BIG)
                return
            spool.seek(0)
            await app(scope, _replay(spool, receive), send)

    return wrapper


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
