"""A real uvicorn server on a free 127.0.0.1 port over the demo content, once per test session."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from app.cli.demo import seed
from app.state import open_portal

REPO = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance seeded with the demo content (read only)."""
    root = tmp_path_factory.mktemp("interop") / "instance"
    portal = open_portal({"INSTANCE": str(root), "DATABASE_URL": None})
    list(seed(portal))
    portal.engine.dispose()
    return root


@pytest.fixture(scope="session")
def server(demo_root: Path) -> Iterator[str]:
    """The portal served by uvicorn with OTKRITO_BASE_URL = its own address; yields that URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "OTKRITO_INSTANCE": str(demo_root), "OTKRITO_BASE_URL": url}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.web.asgi:factory", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode()[-3000:])  # type: ignore[union-attr]
            try:
                httpx.get(url + "/api/3/action/site_read", timeout=1.0)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
