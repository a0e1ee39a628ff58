"""deploy/local-cluster.sh, as a user runs it: start with the demo content, both nodes serve it
from the shared catalog and store, status tells what runs, stop ends every process it started."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.conftest import HTTP_TIMEOUT, REPO

SCRIPT = REPO / "deploy" / "local-cluster.sh"
BUDGET = "byudzhet-na-obshtina-levski"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "OTKRITO_PYTHON": sys.executable})


@pytest.fixture
def state() -> Iterator[Path]:
    # Not under pytest's tmp_path: PostgreSQL runs as the postgres user, which must reach it.
    folder = Path(tempfile.mkdtemp(prefix="otkrito-local-cluster-"))
    yield folder
    run("stop", str(folder))  # whatever a failed test left running
    shutil.rmtree(folder, ignore_errors=True)


def settings(state: Path) -> dict[str, str]:
    found = re.findall(r"^(?:export )?(\w+)='?([^'\n]*)'?$", (state / "cluster.env").read_text(), re.M)
    return dict(found)


def test_the_script_starts_a_cluster_whose_two_nodes_serve_the_demo_and_stops_it(state: Path) -> None:
    started = run("start", str(state), "--demo")
    assert started.returncode == 0, started.stdout + started.stderr
    env = settings(state)
    a, b = env["CLUSTER_NODE_A"], env["CLUSTER_NODE_B"]
    assert f"node A: {a}/" in started.stdout and f"node B: {b}/" in started.stdout
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", a) and re.fullmatch(r"http://127\.0\.0\.1:\d+", b)
    assert env["OTKRITO_DATABASE_URL"].startswith("postgresql+psycopg://otkrito:")
    assert env["OTKRITO_STORAGE_URL"].startswith("s3://") and env["OTKRITO_SECRET_KEY"]
    assert (state / "cluster.env").stat().st_mode & 0o077 == 0  # secrets: the owner's only
    for node in (a, b):
        for path in ("/", f"/datasets/{BUDGET}", f"/sql/{BUDGET}.json",
                     f"/datasets/{BUDGET}/releases/2/{BUDGET}.csv"):
            answer = httpx.get(node + path, timeout=HTTP_TIMEOUT)
            assert answer.status_code == 200, (node, path)
    # Each node keeps its own cache; neither has a catalog of its own.
    assert not (state / "node-a" / "catalog.db").exists()
    assert (state / "node-b" / "releases" / BUDGET / "2").is_dir()
    pids = {p.stem: int(p.read_text()) for p in (state / "pids").glob("*.pid")}
    assert {"node-a", "node-b", "weed"} <= set(pids)
    status = run("status", str(state))
    assert "node-a runs" in status.stdout and "PostgreSQL runs" in status.stdout

    stopped = run("stop", str(state))
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped PostgreSQL" in stopped.stdout
    for name, pid in pids.items():
        assert not Path(f"/proc/{pid}").exists() or \
            Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z", name
    assert not (state / "pg" / "data" / "postmaster.pid").exists()
    assert "does not run" in run("status", str(state)).stdout
