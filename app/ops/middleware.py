"""The ASGI layer around the whole portal: answers /healthz, /readyz and /metrics itself, and
counts, times and logs every other request with its request id.

/healthz touches nothing (no catalog, no session): if the process answers, it is alive.
"""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Callable, MutableMapping

from sqlalchemy import text as sql

from app.asgi_types import ASGIApp, Receive, Scope, Send
from app.ops import access, metrics, request_log, routes
from app.ops.health import STATEMENT_TIMEOUT_MS, readiness
from app.state import Portal
from metadata.messages import text

HEALTHZ, READYZ, METRICS = "/healthz", "/readyz", "/metrics"
OWN = (HEALTHZ, READYZ, METRICS)
QUEUE_SECONDS = 3.0


def observed(app: ASGIApp, portal: Portal, *, is_sql: Callable[[str], bool], queue: bool) -> ASGIApp:
    """Wrap the portal's app; `queue`: the durable queue is in use (OTKRITO_JOBS=queue), so
    readiness checks it and /metrics reports its depth."""
    settings = portal.settings
    log = request_log.configure(settings["LOG_FORMAT"])
    token = settings.get("METRICS_TOKEN") or None

    async def answer(scope: Scope, send: Send) -> None:
        path = scope["path"]
        if path == HEALTHZ:
            await _json(send, 200, {"status": "ok"})
        elif path == READYZ:
            status, body = await readiness(portal, queue=queue)
            await _json(send, status, body)
        else:
            await _metrics(scope, send, portal, token, queue)

    async def observe(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await app(scope, receive, _on_shutdown(send))
            return
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start = time.perf_counter()
        rid = request_log.request_id(_header(scope, b"x-request-id"))
        holder = routes.new_holder()
        scope = {**scope, routes.HOLDER: holder}
        said: dict[str, Any] = {"status": 500, "bytes": 0}

        async def watched(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                said["status"] = message["status"]
                headers = [(k, v) for k, v in message.get("headers") or [] if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", rid.encode())]}
            elif message["type"] == "http.response.body":
                said["bytes"] += len(message.get("body") or b"")
            await send(message)

        path = scope["path"]
        try:
            if path in OWN:
                holder["route"] = path
                await answer(scope, watched)
            else:
                await app(scope, receive, watched)
        finally:
            route = holder["route"] or (routes.SQL_ROUTE if is_sql(path) else routes.UNMATCHED)
            seconds = time.perf_counter() - start
            method = scope["method"] if scope["method"] in _METHODS else "other"
            metrics.HTTP_REQUESTS.labels(route, method, str(said["status"])).inc()
            metrics.HTTP_SECONDS.labels(route, method).observe(seconds)
            client = scope.get("client")
            request_log.write(log, request_id=rid, method=method, route=route, path=path,
                              status=said["status"], duration_ms=seconds * 1000, sent=said["bytes"],
                              client=client[0] if client else None, secrets=holder["secrets"])

    return observe


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return value
    return None


def _on_shutdown(send: Send) -> Send:
    async def sending(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "lifespan.shutdown.complete":
            metrics.process_exited()
        await send(message)
    return sending


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    await _plain(send, status, data, b"application/json")


async def _plain(send: Send, status: int, data: bytes, content_type: bytes,
                 extra: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", content_type), (b"content-length", str(len(data)).encode()),
        (b"cache-control", b"no-store"), *(extra or [])]})
    await send({"type": "http.response.body", "body": data})


async def _metrics(scope: Scope, send: Send, portal: Portal, token: str | None, queue: bool) -> None:
    decided = access.decide(scope, token)
    if decided != access.ALLOWED:
        said = text("metrics.wrong-token" if decided == access.WRONG_TOKEN else "metrics.loopback-only")
        extra = [(b"www-authenticate", b'Bearer realm="metrics"')] if decided == access.WRONG_TOKEN else []
        await _plain(send, decided, f"{said.bg}\n{said.en}\n".encode(), b"text/plain; charset=utf-8", extra)
        return
    gauges = await _queue_gauges(portal) if queue else []
    body = await asyncio.to_thread(metrics.exposition, lambda: gauges)
    await _plain(send, 200, body, metrics.CONTENT_TYPE.encode())


async def _queue_gauges(portal: Portal) -> list[Any]:
    """The queue's depth, read now; a catalog that does not answer in
    time leaves the gauge out rather than holding the scrape."""
    try:
        rows = await asyncio.wait_for(asyncio.to_thread(_queue_rows, portal), QUEUE_SECONDS)
    except Exception:  # noqa: BLE001 - /readyz says what is wrong; the scrape still answers
        return []
    return [metrics.queue_depth_family(rows)]


def _queue_rows(portal: Portal) -> list[tuple[str, str, int]]:
    with portal.engine.connect() as conn:
        conn.execute(sql(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
        found = conn.execute(sql("SELECT queue_name, status::text, count(*) FROM procrastinate_jobs "
                                 "WHERE status IN ('todo', 'doing') GROUP BY 1, 2")).all()
    by_key = {(queue, status): int(count) for queue, status, count in found}
    queues = sorted({queue for queue, _ in by_key} | {"default"})
    return [(queue, status, by_key.get((queue, status), 0)) for queue in queues for status in ("todo", "doing")]
