"""One log line per request on the `otkrito.request` logger, as text or JSON lines.

What a line holds is chosen, never copied whole from the request: the path without its query
string (queries carry tokens), signed links' tokens replaced, no headers, no body. So
passwords, tokens, API keys and e-mail addresses cannot reach it.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import datetime, timezone
from typing import Any

LOGGER = "otkrito.request"
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
FORMATS = ("text", "json")
# A path segment holding an @ may be an e-mail address typed into a URL.
_ADDRESS_SEGMENT = re.compile(r"[^/]*@[^/]*")
FIELDS = ("time", "request_id", "method", "route", "path", "status", "duration_ms", "bytes", "client")


def request_id(offered: bytes | None) -> str:
    """The client's X-Request-ID when it is a plain short token, else a new one."""
    if offered:
        candidate = offered.decode("latin-1")
        if REQUEST_ID.fullmatch(candidate):
            return candidate
    return uuid.uuid4().hex


def shown_path(path: str, secrets: tuple[str, ...] = ()) -> str:
    """The path as logged (the query is never passed in): the route's secret parts (signed
    links' tokens, app/ops/routes.py) and anything like an address replaced."""
    return "/".join("[redacted]" if part in secrets or _ADDRESS_SEGMENT.fullmatch(part) else part
                    for part in path.split("/"))


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = getattr(record, "request", None)
        if entry is None:
            return super().format(record)
        return " ".join(f"{name}={_quoted(entry[name])}" for name in FIELDS)


def _quoted(value: Any) -> str:
    text = "-" if value is None else str(value)
    return json.dumps(text, ensure_ascii=False) if (not text or " " in text or '"' in text) else text


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = getattr(record, "request", None)
        if entry is None:
            entry = {"time": _now(), "level": record.levelname, "message": record.getMessage()}
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def configure(log_format: str) -> logging.Logger:
    """The request logger writing to stderr in the chosen format (once per process)."""
    log = logging.getLogger(LOGGER)
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_JsonFormatter() if log_format == "json" else _TextFormatter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False  # a root handler someone configured would print it twice
    return log


def write(log: logging.Logger, *, request_id: str, method: str, route: str, path: str, status: int,
          duration_ms: float, sent: int, client: str | None, secrets: tuple[str, ...] = ()) -> None:
    entry = {"time": _now(), "request_id": request_id, "method": method, "route": route,
             "path": shown_path(path, secrets), "status": status, "duration_ms": round(duration_ms, 1),
             "bytes": sent, "client": client}
    log.info("request", extra={"request": entry})
