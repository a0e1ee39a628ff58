"""An instance made by v0.1.0 (tests/data/upgrade/v0.1.0), upgraded by today's `otkrito migrate`,
serves everything it served: one real `otkrito serve` on a copy of it for every check."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import ckanapi
import feedparser
import httpx
import pytest
import rdflib
import sqlalchemy as sa

from app import create_app
from publishers import follow_tokens
from publishers.store import connect, head_revision, migrate, schema_revision
from tests.conftest import HTTP_TIMEOUT, REPO, Running, start_server, stop_server
from tests.postgres import Cluster
from tests.upgrade.fixture_data import fixture_revision, load_fixture_into

FIXTURE = REPO / "tests" / "data" / "upgrade" / "v0.1.0"
EXPECTED = json.loads((FIXTURE / "fixture.json").read_text(encoding="utf-8"))
ADMIN, EDITOR = "admin@levski.example", "editor@levski.example"


def otkrito(*args: str, instance: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", "--lang", "en", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "OTKRITO_INSTANCE": str(instance), **env})


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fixture's instance, migrated by the current code's `otkrito migrate`."""
    instance = tmp_path_factory.mktemp("upgrade") / "instance"
    shutil.copytree(FIXTURE / "instance", instance)
    migrated = otkrito("migrate", instance=instance)
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout == f"Catalog schema at revision {head_revision()} (was 0010).\n"
    return instance


@pytest.fixture(scope="module")
def server(upgraded: Path) -> Iterator[Running]:
    running = start_server(["-m", "app.cli", "serve", "--port", "{port}"],
                           env={"OTKRITO_INSTANCE": str(upgraded), "OTKRITO_BASE_URL": ""})
    yield running
    stop_server(running)


@pytest.fixture
def web(server: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=HTTP_TIMEOUT) as client:
        yield client


def test_the_upgraded_catalog_is_at_head_and_agrees_with_its_files(upgraded: Path) -> None:
    engine = connect(f"sqlite:///{upgraded / 'catalog.db'}")
    assert schema_revision(engine) == head_revision()
    engine.dispose()
    checked = otkrito("check", instance=upgraded)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "6 releases" in checked.stderr + checked.stdout


def test_home_publisher_dataset_and_release_pages(web: httpx.Client) -> None:
    home = web.get("/")
    assert home.status_code == 200 and all(f"Набор {slug}" in home.text for slug in EXPECTED["datasets"])
    for slug, about in EXPECTED["datasets"].items():
        page = web.get(f"/datasets/{slug}")
        assert page.status_code == 200 and f"Набор {slug}" in page.text
        assert web.get(f"/publishers/{about['publisher']}").status_code == 200
        for version in range(1, about["releases"] + 1):
            answer = web.get(f"/datasets/{slug}/releases/{version}")
            assert answer.status_code == 200, (slug, version)
    # The withdrawn release: its page says why, its files are gone for good.
    tombstone = web.get("/datasets/levski-decisions/releases/1")
    assert "Грешни данни в първата версия" in tombstone.text
    assert web.get("/datasets/levski-decisions/releases/1/levski-decisions.csv").status_code == 410


def _relative(package: dict) -> dict:
    """A served datapackage.json as kept on disk: its resources' paths are absolute URLs there."""
    return {**package, "resources": [{**resource, "path": resource["path"].rsplit("/releases/", 1)[-1]
                                      .split("/", 2)[-1]} for resource in package["resources"]]}


def test_every_release_file_downloads_with_the_fixtures_sha256(web: httpx.Client) -> None:
    wrong = {}
    for name, digest in EXPECTED["files"].items():
        slug, version, file = name.split("/", 2)
        answer = web.get(f"/datasets/{slug}/releases/{version}/{file}")
        if answer.status_code != 200:
            wrong[name] = answer.status_code
        elif file == "datapackage.json":
            kept = json.loads((FIXTURE / "instance" / "releases" / name).read_text(encoding="utf-8"))
            if _relative(answer.json()) != kept or hashlib.sha256((FIXTURE / "instance" / "releases" / name)
                                                                 .read_bytes()).hexdigest() != digest:
                wrong[name] = "differs"
        elif hashlib.sha256(answer.content).hexdigest() != digest:
            wrong[name] = "sha256"
    assert wrong == {} and len(EXPECTED["files"]) >= 30


def test_feeds_dcat_and_ckan(server: Running, web: httpx.Client) -> None:
    feed = feedparser.parse(web.get("/feeds/releases.atom").content)
    assert not feed.bozo and len(feed.entries) >= 6
    assert any("levski-settlements" in entry.link for entry in feed.entries)
    withdrawals = feedparser.parse(web.get("/feeds/withdrawals.atom").content)
    assert [entry for entry in withdrawals.entries if "levski-decisions" in entry.link]
    graph = rdflib.Graph().parse(data=web.get("/catalog.ttl").text, format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    assert len(set(graph.subjects(rdflib.RDF.type, dcat.Dataset))) == 3
    ckan = ckanapi.RemoteCKAN(server.url)
    assert ckan.action.package_list() == sorted(EXPECTED["datasets"])


def test_sql_answers_a_query_on_a_release(web: httpx.Client) -> None:
    answer = web.get("/sql/levski-settlements.json", params={
        "sql": "select count(*) as n from levski_settlements", "_shape": "array"})
    assert answer.status_code == 200 and answer.json() == [{"n": 6}]


def test_staff_sign_in_with_the_old_passwords(server: Running) -> None:
    for email in (ADMIN, EDITOR):
        with httpx.Client(base_url=server.url, timeout=HTTP_TIMEOUT) as client:
            form = client.get("/staff/login").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
            wrong = client.post("/staff/login", data={"email": email, "password": "not-it-at-all",
                                                      "csrf_token": csrf})
            assert wrong.status_code != 302
            signed = client.post("/staff/login", data={"email": email, "password": EXPECTED["passwords"][email],
                                                       "csrf_token": csrf})
            assert signed.status_code == 302, email
            assert client.get("/staff/").status_code == 200


def test_the_old_api_token_authorises_an_api_call(web: httpx.Client) -> None:
    assert web.get("/api/v1/webhooks").status_code == 401
    hooks = web.get("/api/v1/webhooks", headers={"Authorization": f"Bearer {EXPECTED['token']}"})
    assert hooks.status_code == 200
    assert [hook["url"] for hook in hooks.json()] == ["http://127.0.0.1:9/hook"]


def test_requests_and_comments_keep_their_items(web: httpx.Client) -> None:
    requests = web.get("/requests")
    assert requests.status_code == 200 and "Бюджет по села" in requests.text
    answered = web.get(f"/requests/{EXPECTED['request_id']}")
    assert answered.status_code == 200 and "Ще го публикуваме през януари." in answered.text
    comments = web.get("/datasets/levski-decisions/feedback")
    assert comments.status_code == 200 and "Липсва номерът на протокола" in comments.text


def test_the_subscribers_manage_link_works(upgraded: Path, web: httpx.Client) -> None:
    engine = connect(f"sqlite:///{upgraded / 'catalog.db'}")
    with engine.connect() as conn:
        secret = conn.execute(sa.text("SELECT secret FROM follow_addresses WHERE id = :id"),
                              {"id": EXPECTED["address_id"]}).scalar_one()
    engine.dispose()
    key = (upgraded / "secret_key").read_text().strip()
    token = follow_tokens.make(key, "manage", {"a": EXPECTED["address_id"], "s": secret})
    page = web.get(f"/follow/manage/{token}")
    assert page.status_code == 200 and "levski-settlements" in page.text
    forged = web.get(f"/follow/manage/{follow_tokens.make('another key', 'manage', {'a': 1, 's': secret})}")
    assert "levski-settlements" not in forged.text


def test_the_rules_page_shows_the_saved_version(web: httpx.Client) -> None:
    rules = web.get("/rules")
    assert rules.status_code == 200 and "Правила на портала (версия от фикстурата)." in rules.text


def test_the_fixture_on_postgresql_upgrades_with_otkrito_migrate(postgres_cluster: Cluster, tmp_path: Path) -> None:
    """v0.1.0 built the fixture on SQLite: its rows go into a PostgreSQL catalog at the fixture's
    revision, and its release files into the instance; then the current `otkrito migrate`."""
    name = postgres_cluster.create_empty_database()
    url = postgres_cluster.url(name)
    engine = connect(url)
    try:
        store_at_fixture = fixture_revision()
        migrate(engine, to=store_at_fixture)
        load_fixture_into(engine)
        instance = tmp_path / "instance"
        shutil.copytree(FIXTURE / "instance" / "releases", instance / "releases")
        env = {"OTKRITO_DATABASE_URL": url, "OTKRITO_SECRET_KEY": "shared"}
        migrated = otkrito("migrate", instance=instance, **env)
        assert (migrated.returncode, migrated.stdout) == (
            0, f"Catalog schema at revision {head_revision()} (was {store_at_fixture}).\n"), migrated.stderr
        checked = otkrito("check", instance=instance, **env)
        assert checked.returncode == 0 and "6 releases" in checked.stdout + checked.stderr, checked.stderr
        client = create_app({"INSTANCE": str(instance), "DATABASE_URL": url, "SECRET_KEY": "shared",
                             "JOBS": "threads"}).test_client()
        assert "Набор levski-decisions" in client.get("/datasets/levski-decisions").text
        csv = client.get("/datasets/council-budget/releases/2/council-budget.csv")
        assert hashlib.sha256(csv.data).hexdigest() == EXPECTED["files"]["council-budget/2/council-budget.csv"]
        assert "Ще го публикуваме през януари." in client.get(f"/requests/{EXPECTED['request_id']}").text
        hooks = client.get("/api/v1/webhooks", headers={"Authorization": f"Bearer {EXPECTED['token']}"})
        assert hooks.status_code == 200 and len(hooks.json) == 1
        form = client.get("/staff/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        signed = client.post("/staff/login", data={"email": ADMIN, "password": EXPECTED["passwords"][ADMIN],
                                                   "csrf_token": csrf})
        assert signed.status_code == 302
    finally:
        engine.dispose()
        postgres_cluster.drop_database(name)


def test_the_fixture_is_small_and_its_manifest_is_what_is_on_disk() -> None:
    files = [path for path in FIXTURE.rglob("*") if path.is_file()]
    assert sum(path.stat().st_size for path in files) < 2_000_000
    releases = FIXTURE / "instance" / "releases"
    on_disk = {str(path.relative_to(releases)): hashlib.sha256(path.read_bytes()).hexdigest()
               for path in releases.rglob("*") if path.is_file()}
    listed = dict(line.split("  instance/releases/")[::-1] for line in (FIXTURE / "SHA256SUMS").read_text().splitlines())
    assert on_disk == EXPECTED["files"] == listed
    assert {path.name for path in (FIXTURE / "instance").iterdir()} == {"catalog.db", "secret_key", "releases"}
