"""`otkrito harvest` as a new user runs it from the README: add, run, run again, list, in both languages."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.state import Portal
from datasets.catalog import list_datasets
from tests.conftest import REPO, free_port
from tests.harvest.conftest import OtherPortal

pytestmark = pytest.mark.catalogs


def otkrito(portal: Portal, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OTKRITO_INSTANCE": str(portal.instance.root), "OTKRITO_FETCH_ALLOW": "127.0.0.1/32"}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_readme_commands_harvest_a_ckan_site_and_a_rerun_duplicates_nothing(
        portal: Portal, other_portal: OtherPortal) -> None:
    assert otkrito(portal, "publisher", "add", "pleven", "--name-bg", "Община Плевен").returncode == 0
    added = otkrito(portal, "--lang", "en", "harvest", "add", "pleven", other_portal.url, "--kind", "ckan")
    assert (added.returncode, added.stdout.startswith("Source 1: pleven will harvest ckan")) == (0, True)
    first = otkrito(portal, "--lang", "en", "harvest", "run")
    assert (first.returncode, "complete. Created: 3, updated: 0, unchanged: 0" in first.stdout) == (0, True), first
    again = otkrito(portal, "harvest", "run")  # Bulgarian by default
    assert (again.returncode, "Нови: 0, обновени: 0, без промяна: 3" in again.stdout) == (0, True), again
    assert len(list_datasets(portal.engine)) == 3
    listed = otkrito(portal, "--lang", "en", "harvest", "list")
    assert "\tckan\tpleven\t" in listed.stdout and "complete" in listed.stdout


def test_an_unreachable_source_exits_2_with_a_message_in_the_chosen_language(portal: Portal) -> None:
    otkrito(portal, "publisher", "add", "pleven", "--name-bg", "Община Плевен")
    otkrito(portal, "harvest", "add", "pleven", f"http://127.0.0.1:{free_port()}/catalog.ttl", "--kind", "dcat")
    english = otkrito(portal, "--lang", "en", "harvest", "run")
    bulgarian = otkrito(portal, "harvest", "run")
    assert (english.returncode, bulgarian.returncode) == (2, 2)
    assert "Traceback" not in english.stderr + bulgarian.stderr
    assert "failed" in english.stderr and "неуспешно" in bulgarian.stderr


def test_a_bad_kind_or_address_is_refused_by_add_without_a_traceback(portal: Portal) -> None:
    otkrito(portal, "publisher", "add", "pleven", "--name-bg", "Община Плевен")
    bad_url = otkrito(portal, "--lang", "en", "harvest", "add", "pleven", "file:///etc/passwd", "--kind", "dcat")
    no_publisher = otkrito(portal, "harvest", "add", "nobody", "https://example.org/", "--kind", "ckan")
    assert (bad_url.returncode, "is not a catalog address" in bad_url.stderr) == (2, True)
    assert no_publisher.returncode == 2 and "Traceback" not in no_publisher.stderr
