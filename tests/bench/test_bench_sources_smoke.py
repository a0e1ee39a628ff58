"""bench/sources.py runs at a tiny size and prints every figure, alone and as section 7 of
bench/run_all.py (it measures; no timing is asserted here)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
ROWS = 300


def _run(tmp_path: Path, *args: str) -> tuple[dict, str]:
    # Its CSV goes to its own folder, not bench/out/, which another test worker may be writing.
    done = subprocess.run([sys.executable, *args, "--json"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=900, env={**os.environ, "OTKRITO_BENCH_OUT": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def test_the_sources_bench_publishes_once_then_records_two_unchanged_checks_and_prints_the_ratios(
        tmp_path: Path) -> None:
    result, text = _run(tmp_path, str(REPO / "bench" / "sources.py"), "--rows", str(ROWS))
    checks = {c["name"]: (c["status"], c["outcome"], c["version"], c["bytes"]) for c in result["checks"]}
    size = result["file_bytes"]
    assert checks == {"a": (200, "published", 1, size), "b": (304, "unchanged", None, 0),
                      "c": (200, "unchanged", None, size)}
    assert result["releases"] == [1] and result["requests"] == [200, 304, 200]
    assert result["ratios"]["b/a"]["bytes"] == 0 and result["ratios"]["c/a"]["bytes"] == 1
    assert all(r["seconds"] > 0 for r in result["ratios"].values())
    for line in ("(a) first fetch + publish", "(b) unchanged, 304 to its ETag",
                 "(c) unchanged, no validators", "(b/a) time", "(c/a) time"):
        assert line in text


def test_run_all_prints_the_sources_figures_with_their_targets(tmp_path: Path) -> None:
    result, text = _run(tmp_path, str(REPO / "bench" / "run_all.py"), "--quick", "--only", "sources")
    assert [f["name"] for f in result["figures"]] == [
        "time: 304 re-check / first fetch + publish", "body bytes: 304 re-check / first fetch",
        "time: re-check without validators / first fetch + publish",
        "body bytes: re-check without validators / first fetch"]
    assert all(f["section"] == "7" and f["target"] and isinstance(f["passed"], bool) for f in result["figures"])
    assert [f["value"] for f in result["figures"]][1::2] == [0, 1]  # bytes: none, then the whole file
    assert text.count(" PASS") + text.count(" FAIL") == 4 and "== 7. a scheduled source" in text
