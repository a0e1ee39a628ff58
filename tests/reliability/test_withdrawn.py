"""Withdrawing the latest release while the portal runs (SECURITY 6).

tests/app/staff/test_upload.py and tests/app/api/test_api.py cover the forms and the API (record, reason
and checksums kept; files deleted; 410). Here: the release is withdrawn under a server that has
already mounted it, so `/sql/` must fall back to the previous release without a restart; every
one of its URLs, exports included, answers 410; nothing of its data stays on disk (the XLSX
export cache included); its record, reason and checksums stay on its page and in the API.
"""
from __future__ import annotations

from pathlib import Path

from app.state import Portal
from datasets import catalog
from datasets.publish import Upload, publish
from datasets.withdraw import withdraw_release
from tests.reliability.conftest import tagged_budget, tags_in
from tests.reliability.surfaces import assert_serves_exactly, build_apps, close_apps, sql_get

TABLE = "/sql/budget/budget.json?_shape=array&_size=max"
REASON = "Лични данни по погрешка"


def test_a_withdrawn_latest_release_leaves_every_surface_and_the_disk_but_keeps_its_record(
        budget_portal: Portal, tmp_path: Path) -> None:
    engine, instance = budget_portal.engine, budget_portal.instance
    publish(instance, engine, Upload(tagged_budget(tmp_path, 2), "r2.csv"), dataset="budget")
    apps = build_apps(instance.root)
    try:
        client = apps.web.test_client()
        assert tags_in(sql_get(apps.sql, TABLE).text) == {2}
        urls = [f"/datasets/budget/releases/2/{name}" for name in
                ("budget.csv", "budget.db", "budget-v2.zip", "source/original.csv", "datapackage.json",
                 "budget.json", "budget.xlsx")]
        assert [client.get(url).status_code for url in urls] == [200] * len(urls)  # caches exports
        dataset = catalog.get_dataset(engine, "budget")
        checksums = {f.name: f.sha256 for f in catalog.get_release(engine, dataset, 2).files}

        withdraw_release(instance, engine, "budget", 2, reason=REASON, actor="test")

        assert tags_in(sql_get(apps.sql, TABLE).text) == set()  # release 1's rows, no restart
        assert [client.get(url).status_code for url in urls] == [410] * len(urls)
        assert tags_in(client.get("/datasets/budget").text) == set()
        leftovers = [p for p in instance.root.rglob("*") if p.is_file() and "#R2" in
                     p.read_bytes().decode("utf-8", "replace") and p.parent != tmp_path]
        assert leftovers == []
        assert [p for p in instance.root.rglob("*") if "/budget/2" in p.as_posix()] == []
        page = client.get("/datasets/budget/releases/2?lang=en")
        assert page.status_code in (200, 410) and REASON in page.text
        assert all(sha in page.text for sha in checksums.values())
        record = catalog.get_release(engine, dataset, 2)
        assert (record.status, record.withdrawn_reason) == ("withdrawn", REASON)
        assert {f.name: f.sha256 for f in record.files} == checksums
        assert assert_serves_exactly(apps, budget_portal, "budget") == [1]
    finally:
        close_apps(apps)
