"""prometheus-client's multiprocess mode for `otkrito serve --workers N`: every worker writes
its values to files in one directory, and /metrics in any worker sums them.

The directory is made fresh at each start (counts of an earlier run must not be added in) and
named in PROMETHEUS_MULTIPROC_DIR before uvicorn starts the workers, which inherit it and read
it when they first import prometheus-client.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

DIRECTORY = "metrics-multiproc"


def prepare(instance_root: Path) -> Path:
    directory = Path(instance_root) / DIRECTORY
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory
