"""Two web nodes on one catalog and one object store: what A publishes, B serves at once, from
every surface; two publishes through both at once take turns; a node with an empty cache serves
everything; a node without the shared secret key refuses to start."""
from __future__ import annotations

import subprocess
import sys
import time
from typing import Callable

import ckanapi
import feedparser
import httpx

from datasets import catalog
from metadata.messages import text
from tests.cluster.conftest import DEADLINE, H1, Q1, ClusterWorld, sha256
from tests.conftest import HTTP_TIMEOUT, REPO, at_once, free_port


def get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=HTTP_TIMEOUT)


def surfaces(node: str, slug: str, version: int, table: str, rows: int) -> dict[str, Callable[[], bool]]:
    """One check per surface of a node: does it show the dataset's release `version`?"""
    release = f"/datasets/{slug}/releases/{version}"

    def page() -> bool:
        shown = get(f"{node}/datasets/{slug}")
        return shown.status_code == 200 and release in shown.text

    def feed() -> bool:
        parsed = feedparser.parse(get(f"{node}/feeds/releases.atom").content)
        return any(release in entry.get("link", "") for entry in parsed.entries)

    def dcat() -> bool:
        return f"{release}/" in get(f"{node}/catalog.ttl").text

    def ckan() -> bool:
        package = ckanapi.RemoteCKAN(node).action.package_show(id=slug)
        return any(f"{release}/" in r["url"] for r in package["resources"])

    def sql() -> bool:
        table_json = get(f"{node}/sql/{slug}/{table}.json?_shape=array&_size=max")
        return table_json.status_code == 200 and len(table_json.json()) == rows

    return {"page": page, "feed": feed, "DCAT": dcat, "CKAN API": ckan, "/sql/": sql}


def first_seen(checks: dict[str, Callable[[], bool]], since: float) -> dict[str, float]:
    """Poll every check until each has been true once; return seconds from `since` to each."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + DEADLINE
    while len(seen) < len(checks):
        for name, check in checks.items():
            if name not in seen and check():
                seen[name] = round(time.monotonic() - since, 3)
        assert time.monotonic() < deadline, f"B never showed {set(checks) - set(seen)}: {seen}"
    return seen


def downloads_match_the_datapackage(node: str, slug: str) -> int:
    """Download every resource of the dataset's Data Package from a node; check its sha256."""
    package = get(f"{node}/datasets/{slug}/datapackage.json").json()
    for resource in package["resources"]:
        assert resource["path"].startswith(node + "/"), resource["path"]
        body = get(resource["path"])
        assert body.status_code == 200, resource["path"]
        assert resource["hash"] == f"sha256:{sha256(body.content)}", resource["path"]
    return len(package["resources"])


def test_a_release_published_through_a_shows_on_every_surface_of_b_without_a_restart(
        cluster: ClusterWorld) -> None:
    slug = cluster.dataset("propagation")
    table = catalog.get_dataset(cluster.engine, slug).table_name
    # B has seen the dataset without releases first: whatever it keeps must follow the catalog.
    before = surfaces(cluster.b, slug, 1, table, 0)
    assert not any(check() for check in before.values())
    assert get(f"{cluster.b}/sql/{slug}.json").status_code == 404

    published = cluster.publish(cluster.a, slug, Q1, notes="Към 31.03.2026 г.")
    answered = time.monotonic()
    assert published.status_code == 201, published.text
    release = published.json()["release"]
    seen = first_seen(surfaces(cluster.b, slug, 1, table, release["row_count"]), answered)
    print(f"\nfrom A's 201 to B's first showing of release 1 (s): {seen}")

    assert downloads_match_the_datapackage(cluster.b, slug) >= 1
    recorded = {f["name"]: f["sha256"] for f in release["files"]}
    csv = get(f"{cluster.b}/datasets/{slug}/releases/1/{slug}.csv")
    assert sha256(csv.content) == recorded[f"{slug}.csv"]


def test_two_publishes_of_one_dataset_through_a_and_b_at_once_get_consecutive_versions(
        cluster: ClusterWorld) -> None:
    slug = cluster.dataset("at-once")
    assert cluster.publish(cluster.a, slug, Q1).status_code == 201
    done = at_once([lambda: cluster.publish(cluster.a, slug, Q1, notes="through A"),
                    lambda: cluster.publish(cluster.b, slug, H1, notes="through B")])
    assert [r.status_code for r in done] == [201, 201], [getattr(r, "text", r) for r in done]
    versions = sorted(r.json()["release"]["version"] for r in done)
    assert versions == [2, 3]
    assert cluster.versions(cluster.a, slug) == cluster.versions(cluster.b, slug) == [1, 2, 3]
    dataset = catalog.get_dataset(cluster.engine, slug)
    for answer in done:
        release = answer.json()["release"]
        recorded = catalog.get_release(cluster.engine, dataset, release["version"])
        for record in (f for f in recorded.files if f.role != "datapackage"):  # absolute paths
            for node in (cluster.a, cluster.b):
                body = get(f"{node}/datasets/{slug}/releases/{release['version']}/{record.name}")
                assert body.status_code == 200 and sha256(body.content) == record.sha256, record.name
        assert downloads_match_the_datapackage(cluster.b, slug) >= 1
    assert sorted(r.json()["release"]["notes"] for r in done) == ["through A", "through B"]


def test_a_node_with_an_empty_cache_serves_pages_downloads_and_sql(cluster: ClusterWorld) -> None:
    slug = cluster.dataset("fresh-cache")
    release = cluster.publish(cluster.a, slug, H1).json()["release"]
    fresh = cluster.start_node("fresh")
    try:
        node = fresh.url
        instance = cluster.instances["fresh"]
        assert not (instance / "releases" / slug).exists()
        for path in ("/", "/datasets", f"/datasets/{slug}", f"/datasets/{slug}/releases/1",
                     "/feeds/releases.atom", "/catalog.ttl", "/sql/", "/sql/.json",
                     f"/api/3/action/package_show?id={slug}"):
            assert get(node + path).status_code == 200, path
        for record in release["files"]:
            if record["role"] == "datapackage":  # served with absolute paths: checked below
                continue
            body = get(f"{node}/datasets/{slug}/releases/1/{record['name']}")
            assert body.status_code == 200 and sha256(body.content) == record["sha256"], record
        assert downloads_match_the_datapackage(node, slug) >= 1
        table = catalog.get_dataset(cluster.engine, slug).table_name
        rows = get(f"{node}/sql/{slug}/{table}.json?_shape=array&_size=max")
        assert rows.status_code == 200 and len(rows.json()) == release["row_count"]
        assert (instance / "releases" / slug / "1").is_dir()  # fetched into the cache on first use
    finally:
        cluster.stop_node("fresh")


def test_a_node_without_the_shared_secret_key_refuses_to_start(cluster: ClusterWorld) -> None:
    env = cluster.env(cluster.root / "node-keyless")
    del env["OTKRITO_SECRET_KEY"]
    port = free_port()
    answers = {}
    for lang in ("bg", "en"):
        answers[lang] = subprocess.run(
            [sys.executable, "-m", "app.cli", "--lang", lang, "serve", "--host", "127.0.0.1",
             "--port", str(port)], cwd=REPO, capture_output=True, text=True, timeout=DEADLINE,
            env={"PATH": "/usr/bin:/bin", **{k: v.replace("{port}", str(port)) for k, v in env.items()}})
    refused = text("config.secret-key-required")
    for lang, done in answers.items():
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip() == getattr(refused, lang), done.stderr
        assert "Traceback" not in done.stderr
    assert not (cluster.root / "node-keyless" / "secret_key").exists()
    assert get(f"{cluster.a}/").status_code == 200  # the cluster itself is untouched
