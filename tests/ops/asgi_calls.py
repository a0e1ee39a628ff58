"""Call the portal's ASGI app in this process, from any client address (no packet is sent)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from app.asgi_types import ASGIApp


@dataclass
class Answer:
    status: int
    headers: dict[bytes, bytes]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


def call(app: ASGIApp, path: str, *, client: tuple[str, int] = ("127.0.0.1", 40000), method: str = "GET",
         headers: dict[str, str] | None = None, query: str = "") -> Answer:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
             "root_path": "", "client": client, "server": ("127.0.0.1", 8000),
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
             + [(b"host", b"127.0.0.1:8000")]}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = sent[0]
    return Answer(start["status"], dict(start["headers"]),
                  b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))


def samples(exposition: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The samples of one metric, parsed by prometheus-client's own parser, by sorted labels."""
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def count(exposition: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include `labels`."""
    return sum(value for key, value in samples(exposition, name).items()
               if set(labels.items()) <= set(key))
