"""bench/run_all.py --only cluster prints the two-node cluster's figures (tiny sizes; nothing here
asserts a timing): it starts deploy/local-cluster.sh, loads both nodes and stops the cluster."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
def test_the_cluster_section_prints_each_nodes_figures_and_the_time_from_a_to_b(
        tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "run_all.py"), "--quick", "--json",
                           "--only", "cluster"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=900, env={**os.environ, "OTKRITO_BENCH_OUT": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    result, text = json.loads(done.stdout), done.stderr
    names = [f["name"] for f in result["figures"]]
    assert names == [
        "/sql/ index page p95 on node A, 200 datasets", "/sql/.json p95 on node A, 200 datasets",
        "table JSON p95 on node A, a pass through 200 datasets",
        "table JSON p95 on node A, a second pass (files cached)",
        "peak RSS of node A's serving process",
        "/sql/ index page p95 on node B, 200 datasets", "/sql/.json p95 on node B, 200 datasets",
        "table JSON p95 on node B, a pass through 200 datasets",
        "table JSON p95 on node B, a second pass (files cached)",
        "peak RSS of node B's serving process",
        "publish on A -> first /sql/ read on B, p95 of 5", "cluster errors under ulimit -n 1024"]
    for figure in result["figures"]:
        assert isinstance(figure["passed"], bool) and figure["target"] and figure["name"] in text
        assert figure["value"] is not None and (figure["value"] > 0 or figure["target"] == "= 0")
    details = result["details"]["cluster"]
    for node in "AB":
        assert (details[f"table pass on {node}"]["requests"], details[f"table pass on {node}"]["errors"]) \
            == (200, 0)
        assert details[f"second table pass on {node}"]["errors"] == 0
        assert details[f"/sql/.json on {node}"]["errors"] == 0
    assert details["propagation"] | {"p50_ms": 0, "p95_ms": 0, "max_ms": 0} == {
        "publishes": 5, "seen": 5, "errors": 0, "p50_ms": 0, "p95_ms": 0, "max_ms": 0}
    assert "deploy/local-cluster.sh" in text
