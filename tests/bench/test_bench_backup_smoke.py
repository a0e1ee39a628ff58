"""bench/backup.py runs at a tiny size and prints both backups' figures (no timing is asserted)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def test_the_backup_bench_copies_everything_first_and_no_release_file_the_second_time(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "backup.py"), "--rows", "200", "--json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "OTKRITO_BENCH_OUT": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for name in ("demo", "rows-200"):
        first, second = result[name]["first"], result[name]["second"]
        assert first["copied_files"] > 0 and first["copied_bytes"] > 0
        assert (second["copied_files"], second["copied_bytes"], result[name]["bytes_ratio"]) == (0, 0, 0.0)
        assert first["files"] == second["files"]
