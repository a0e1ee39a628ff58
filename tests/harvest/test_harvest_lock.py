"""One run per harvest source at a time: a second `otkrito harvest run` of it, in another process, says so."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.state import Portal
from datasets.catalog import list_datasets
from datasets.harvest_sources import get_harvest_source
from tests.conftest import REPO, until
from tests.harvest.test_harvest_cli import otkrito, otkrito_env
from tests.sources.remote import Remote, Route

pytestmark = pytest.mark.catalogs
SEARCH = "/api/3/action/package_search"


def _answer() -> bytes:
    package = {"id": "id-byudzhet", "name": "byudzhet", "title": "Бюджет", "notes": "", "license_id": "cc-by",
               "tags": [], "groups": [], "extras": [], "resources": [
                   {"id": "r1", "url": "http://127.0.0.1:9/byudzhet.csv", "format": "CSV"}]}
    return json.dumps({"success": True, "result": {"count": 1, "results": [package]}}).encode()


def test_a_second_run_of_a_source_under_way_in_another_process_says_so_in_both_languages(
        portal: Portal, crafted: Remote) -> None:
    crafted.route(SEARCH, Route(_answer(), content_type="application/json", hold=True))
    assert otkrito(portal, "publisher", "add", "pleven", "--name-bg", "Община Плевен").returncode == 0
    assert otkrito(portal, "harvest", "add", "pleven", crafted.url(""), "--kind", "ckan").returncode == 0
    first = subprocess.Popen([sys.executable, "-m", "app.cli", "--lang", "en", "harvest", "run"], cwd=REPO,
                             env=otkrito_env(portal), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        until(lambda: crafted.requests_to(SEARCH), "the first run's request")  # it holds the lock now
        english = otkrito(portal, "--lang", "en", "harvest", "run", "1")
        bulgarian = otkrito(portal, "harvest", "run")
    finally:
        crafted.released.set()
        out, err = first.communicate(timeout=300)
    assert (english.returncode, bulgarian.returncode) == (3, 3), (english, bulgarian)
    assert "Source 1 is already being harvested" in english.stderr, english.stderr
    assert "Източник 1 вече се събира" in bulgarian.stderr, bulgarian.stderr
    assert len(crafted.requests_to(SEARCH)) == 1  # the refused runs read nothing
    assert (first.returncode, "complete. Created: 1" in out) == (0, True), (out, err)
    assert [d.slug for d in list_datasets(portal.engine)] == ["byudzhet"]
    last = get_harvest_source(portal.engine, 1).last_report
    assert last is not None and last["created"] == ["byudzhet"]  # a refused run did not overwrite it
    again = otkrito(portal, "--lang", "en", "harvest", "run")  # the lock went with the first run
    assert (again.returncode, "Created: 0, updated: 0, unchanged: 1" in again.stdout) == (0, True), again
