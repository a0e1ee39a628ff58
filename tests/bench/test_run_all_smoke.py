"""bench/run_all.py prints every figure of issue #8 (tiny sizes; nothing here asserts a timing)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
FIGURES = [
    "publish / (csv + executemany + FTS5)",
    "(frictionless + sqlite-utils) / publish",
    "peak RSS of a publish (largest of 2000 and 4000 rows)",
    "peak RSS(4000) / peak RSS(2000)",
    "/sql/ table JSON / standalone datasette",
    "home / standalone datasette", "home p95 at 20 connections",
    "catalog search / standalone datasette", "catalog search p95 at 20 connections",
    "dataset page / standalone datasette", "dataset page p95 at 20 connections",
    "pages: 2 workers / 1 worker",
    "catalog search p95", "feeds p95", "DCAT p95", "CKAN package_search p95",
    "/sql/ index page p95, 200 datasets", "/sql/.json p95, 200 datasets",
    "table JSON p95, a pass through 200 datasets", "peak RSS of each serving process (largest)",
    "errors under ulimit -n 1024",
]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    work = tmp_path_factory.mktemp("run_all")
    # Its CSVs go to its own folder, not bench/out/, which another test worker may be writing.
    done = subprocess.run([sys.executable, str(REPO / "bench" / "run_all.py"), "--quick", "--json",
                           # The cluster's section has its own smoke test (test_cluster_bench_smoke.py).
                           "--only", "publish", "--only", "read", "--only", "scale",
                           "--only", "sql-scale"],
                          cwd=work, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "OTKRITO_BENCH_OUT": str(work)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def test_run_all_prints_every_figure_with_its_target_and_verdict(quick_run) -> None:
    result, text = quick_run
    assert [f["name"] for f in result["figures"]] == FIGURES
    for figure in result["figures"]:
        assert isinstance(figure["passed"], bool) and figure["target"], figure
        # A count of errors meets its target at 0; every other figure is a positive measure.
        assert figure["value"] is not None and (figure["value"] > 0 or figure["target"] == "= 0"), \
            figure
        assert figure["name"] in text
    assert text.count(" PASS") + text.count(" FAIL") == len(FIGURES)
    assert "load average" in text and f"load generator: {result['load_tool']}" in text


def test_run_all_publishes_every_row_and_loads_without_errors(quick_run) -> None:
    result, _ = quick_run
    runs = result["details"]["publish"]["runs"]
    assert all(run["returncode"] == 0 for run in runs.values())
    ours = runs["ours"]["detail"]
    assert (ours["release_rows"], ours["db_rows"], ours["valid"]) == (2000, 2000, True)
    assert runs["ours_rows2"]["detail"]["db_rows"] == 4000
    read, scale = result["details"]["read"], result["details"]["scale"]
    assert (len(read), len(scale)) == (7, 4)
    for name, figures in [*read.items(), *scale.items()]:
        assert figures["requests"] > 0 and figures["errors"] == 0, name
        assert figures["tool"] == result["load_tool"] and figures["p95_ms"] >= figures["p50_ms"]
    many = result["details"]["sql-scale"]
    assert (many["table pass"]["requests"], many["table pass"]["errors"]) == (200, 0)
    assert many["/sql/.json"]["errors"] == many["/sql/ index page"]["errors"] == 0
