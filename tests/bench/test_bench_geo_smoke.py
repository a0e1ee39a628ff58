"""bench/geo_publish.py runs end to end and reports both publishes (it measures; no timing is asserted)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def test_the_geo_bench_publishes_with_and_without_the_copies(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "geo_publish.py"), "--rows", "3000", "--json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "OTKRITO_BENCH_OUT": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["with"]["rows"], result["without"]["rows"]) == (3000, 3000)
    assert {"parquet", "geojson"} <= set(result["with"]["files"])
    assert not {"parquet", "geojson"} & set(result["without"]["files"])
    assert result["ratio_seconds"] > 0 and "ratio with/without" in done.stderr
