"""`frictionless validate` succeeds against the Data Package URLs of a running portal."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FRICTIONLESS = Path(sys.executable).parent / "frictionless"
URLS = ["/datasets/byudzhet-na-obshtina-levski/datapackage.json",
        "/datasets/byudzhet-na-obshtina-levski/releases/1/datapackage.json",
        "/datasets/resheniya-na-obshtinski-savet-levski/datapackage.json",
        "/datasets/indikatori-na-plana-za-razvitie/datapackage.json",
        "/datasets/naseleni-mesta-v-obshtina-levski/datapackage.json"]


@pytest.mark.parametrize("path", URLS)
def test_frictionless_validate_accepts_the_live_data_package(server: str, path: str) -> None:
    result = subprocess.run([str(FRICTIONLESS), "validate", "--json", server + path],
                            capture_output=True, text=True, timeout=120)
    report = json.loads(result.stdout)
    assert (result.returncode, report["valid"], report["stats"]["errors"]) == (0, True, 0), result.stdout[-2000:]
    # The CSV table first; Parquet and GeoJSON follow as files whose size and hash are checked.
    task, *others = report["tasks"]
    assert [t["type"] for t in others] in (["file"], ["file", "file"])
    assert task["place"].startswith(server + "/datasets/") and task["stats"]["rows"] > 0
