"""The publish benchmark still runs end to end (it measures; nothing here asserts a timing)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
RUNS = ("ours", "baseline1", "baseline2", "ours_rows2")


def _bench(tmp_path: Path) -> dict:
    # Its CSVs go to tmp_path, not bench/out/, which another test worker's bench run may be writing.
    done = subprocess.run([sys.executable, str(REPO / "bench" / "publish.py"), "--rows", "2000",
                           "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "OTKRITO_BENCH_OUT": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_bench_reports_every_figure_and_a_real_release(tmp_path: Path) -> None:
    result = _bench(tmp_path)
    assert (result["rows"], result["rows2"]) == (2000, 400)
    for name in RUNS:
        run = result["runs"][name]
        assert run["returncode"] == 0, name
        assert run["seconds"] > 0 and run["peak_rss_mb"] > 0 and run["rows_per_second"] > 0, name
        assert run["steps"] and all(v >= 0 for v in run["steps"].values()), name
    ours = result["runs"]["ours"]["detail"]
    assert {k: ours[k] for k in ("version", "report_rows", "release_rows", "db_rows", "valid")} \
        == {"version": 1, "report_rows": 2000, "release_rows": 2000, "db_rows": 2000, "valid": True}
    assert {"bench.csv", "bench.db", "datapackage.json", "bench-v1.zip"} <= set(ours["files"])
    assert result["runs"]["ours_rows2"]["detail"]["db_rows"] == 400
    assert result["runs"]["baseline1"]["detail"]["db_rows"] == 2000
    assert result["runs"]["baseline2"]["detail"]["db_rows"] == 2000
    ratios = result["ratios"]
    for key in ("ours_over_baseline2", "baseline1_over_ours", "rss_growth"):
        assert ratios[key] > 0, key
    assert isinstance(ratios["ours_over_baseline2_pass"], bool)
    assert isinstance(ratios["baseline1_over_ours_pass"], bool)
