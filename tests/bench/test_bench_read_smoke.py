"""The read benchmark runs end to end against the real server (it measures; no timing is asserted)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def test_read_bench_reports_rate_and_latency_for_every_target_without_errors() -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "read.py"), "--requests", "6",
                           "--clients", "2", "--extra", "50", "--json"],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["catalog_datasets"] == 54
    for name, figures in result["targets"].items():
        assert figures["status"] == 200, name
        assert figures["plain"]["requests"] == 6 and figures["plain"]["errors"] == 0, name
        assert figures["plain"]["rps"] > 0 and figures["plain"]["p95_ms"] >= figures["plain"]["p50_ms"]
    pages = ("home", "catalog search", "dataset page")
    assert all(result["targets"][p]["if_none_match"]["errors"] == 0 for p in pages)
