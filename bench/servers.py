"""Start the servers the read benchmarks load, on free 127.0.0.1 ports, and stop them again."""
from __future__ import annotations

import http.client
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from load import HOST

REPO = Path(__file__).resolve().parent.parent
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable))
BIN = Path(PYTHON).parent


class Served(str):
    """A server's base URL that also knows the server's process id."""

    pid: int

    def __new__(cls, url: str, pid: int) -> "Served":
        served = super().__new__(cls, url)
        served.pid = pid
        return served


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait(port: int, path: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not answer {path} in {timeout} s")


@contextmanager
def running(command: list[str], *, port: int, ready: str, env: dict[str, str] | None = None,
            log: Path | None = None, timeout: float = 120,
            file_limit: int | None = None) -> Iterator[str]:
    """Run a server until the block ends; yield its base URL once `ready` answers.

    `file_limit`: the server (and the workers it starts) may open at most that many files,
    as under `ulimit -n`. The URL yielded then carries the server's pid as `.pid`.
    """
    out = log.open("ab") if log else subprocess.DEVNULL
    limit = None if file_limit is None else (
        lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (file_limit, file_limit)))
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **(env or {})},
                               stdout=out, stderr=subprocess.STDOUT, preexec_fn=limit)
    try:
        _wait(port, ready, process, timeout)
        yield Served(f"http://{HOST}:{port}", process.pid)
    finally:
        process.terminate()  # only the process started here (uvicorn stops its own workers)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log:
            out.close()  # type: ignore[union-attr]


def portal(instance: Path, *, workers: int = 1, log: Path | None = None,  # type: ignore[no-untyped-def]
           file_limit: int | None = None):
    """Serve the portal from `instance` as `otkrito serve` does (uvicorn, the ASGI factory)."""
    port = free_port()
    command = [PYTHON, "-m", "uvicorn", "app.web.asgi:factory", "--factory", "--host", HOST,
               "--port", str(port), "--workers", str(workers), "--log-level", "warning",
               "--no-access-log"]
    return running(command, port=port, ready="/", log=log, file_limit=file_limit,
                   env={"OTKRITO_INSTANCE": str(instance), "PYTHONPATH": str(REPO)})


def datasette(db: Path, inspect_file: Path, *, log: Path | None = None):  # type: ignore[no-untyped-def]
    """Serve one database with stock Datasette, tuned: inspect data and no facet suggestions."""
    if not inspect_file.exists():
        subprocess.run([str(BIN / "datasette"), "inspect", str(db), "--inspect-file",
                        str(inspect_file)], check=True, capture_output=True)
    port = free_port()
    command = [str(BIN / "datasette"), "serve", "-i", str(db), "--inspect-file",
               str(inspect_file), "--setting", "suggest_facets", "off", "--host", HOST,
               "--port", str(port)]
    return running(command, port=port, ready="/-/versions.json", log=log)
