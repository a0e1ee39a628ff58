"""Readiness: does the catalog answer, can release storage be read, is the queue reachable?

Each check runs in a thread and is given CHECK_SECONDS; one that takes longer counts as failed
(its thread finishes on its own). What a failure says names the kind of error only: a driver's
message can quote the catalog URL, password included.
"""
from __future__ import annotations

import asyncio
import os
from typing import Any, Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.state import Portal

CHECK_SECONDS = 3.0
STATEMENT_TIMEOUT_MS = 2000


def catalog_answers(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
        conn.execute(text("SELECT 1")).scalar_one()


def storage_readable(portal: Portal) -> None:
    storage = portal.instance.storage
    if getattr(storage, "remote", False):
        # One key listed: the bucket answers and our credentials may read it.
        storage._call(lambda: storage.client().list_objects_v2(
            Bucket=storage.bucket, Prefix=storage.prefix, MaxKeys=1))
        return
    releases = portal.instance.releases
    if not releases.is_dir():
        raise FileNotFoundError("the release directory is missing")
    if not os.access(releases, os.R_OK | os.X_OK):
        raise PermissionError("the release directory is not readable")
    with os.scandir(releases) as entries:
        next(entries, None)


def queue_reachable(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
        conn.execute(text("SELECT 1 FROM procrastinate_jobs LIMIT 1")).all()


def checks_of(portal: Portal, *, queue: bool) -> dict[str, Callable[[], None]]:
    checks: dict[str, Callable[[], None]] = {
        "catalog": lambda: catalog_answers(portal.engine),
        "storage": lambda: storage_readable(portal),
    }
    if queue:
        checks["queue"] = lambda: queue_reachable(portal.engine)
    return checks


async def _one(check: Callable[[], None], seconds: float) -> dict[str, Any]:
    try:
        await asyncio.wait_for(asyncio.to_thread(check), seconds)
    except asyncio.TimeoutError:
        return {"ok": False, "error": f"no answer within {seconds:g} s"}
    except Exception as error:  # noqa: BLE001 - any failure is "not ready", said without detail
        return {"ok": False, "error": describe(error)}
    return {"ok": True}


def describe(error: BaseException) -> str:
    """The error's kind and, for file errors, our own words: never a driver's message."""
    if isinstance(error, OSError) and not error.filename and error.args and isinstance(error.args[0], str):
        return f"{type(error).__name__}: {error.args[0]}"
    original = getattr(error, "orig", None)
    kind = type(original or error).__name__
    return f"{kind}: unreachable or refused" if original is not None else kind


async def readiness(portal: Portal, *, queue: bool,
                    seconds: float = CHECK_SECONDS) -> tuple[int, dict[str, Any]]:
    """(200 or 503, the JSON body) after every check, run side by side; `queue`: cluster mode."""
    checks = checks_of(portal, queue=queue)
    results = await asyncio.gather(*(_one(check, seconds) for check in checks.values()))
    named = dict(zip(checks, results))
    ready = all(result["ok"] for result in named.values())
    return (200 if ready else 503), {"status": "ok" if ready else "fail", "checks": named}
