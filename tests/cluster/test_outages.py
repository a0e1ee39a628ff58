"""The cluster's shared parts failing under it: the object store stopped for 10 s around a
publish, PostgreSQL restarted while both nodes serve. A node answers a clean bilingual 503 or
serves on, never a 500 or a traceback, never half a release; and it recovers by itself."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from datasets import catalog
from metadata.messages import text
from tests.cluster.conftest import BUCKET, DEADLINE, H1, Q1, ClusterWorld, assert_no_release, poll, sha256
from tests.conftest import HTTP_TIMEOUT

OUTAGE_SECONDS = 10.0  # how long the issue asks the store to stay away


def get(url: str, **headers: str) -> httpx.Response:
    return httpx.get(url, timeout=HTTP_TIMEOUT, headers=headers)


def assert_bilingual_problem(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["title_bg"] and body["title"] and body["title_bg"] != body["title"], body
    assert "Traceback" not in answer.text


def test_the_object_store_stopped_for_10_s_around_a_publish(cluster: ClusterWorld) -> None:
    slug = cluster.dataset("store-outage")
    first = cluster.publish(cluster.a, slug, Q1)
    assert first.status_code == 201, first.text
    table = catalog.get_dataset(cluster.engine, slug).table_name
    rows = first.json()["release"]["row_count"]
    for node in (cluster.a, cluster.b):  # the worker built it: each node fetches it into its cache
        assert get(f"{node}/datasets/{slug}").status_code == 200
        assert get(f"{node}/sql/{slug}/{table}.json?_shape=array&_size=max").status_code == 200

    cluster.seaweed.stop()
    stopped = time.monotonic()
    try:
        refused = cluster.publish(cluster.a, slug, H1)
        assert_bilingual_problem(refused)
        assert refused.json()["message_id"] == "storage.unreachable"
        # For the rest of the outage, both nodes keep showing release 1 and only release 1;
        # what they hold in their caches they still serve.
        checks = 0
        while time.monotonic() - stopped < OUTAGE_SECONDS or checks == 0:
            assert_no_release(cluster, slug, 2)
            for node in (cluster.a, cluster.b):
                table_json = get(f"{node}/sql/{slug}/{table}.json?_shape=array&_size=max")
                assert table_json.status_code == 200 and len(table_json.json()) == rows
            checks += 1
    finally:
        cluster.seaweed.start(keep_ports=True)
    assert cluster.versions(cluster.a, slug) == [1]

    again = cluster.publish(cluster.a, slug, H1)
    assert again.status_code == 201, again.text
    assert again.json()["release"]["version"] == 2
    files = {f["name"]: f["sha256"] for f in again.json()["release"]["files"]}
    csv = poll(lambda: (r := get(f"{cluster.b}/datasets/{slug}/releases/2/{slug}.csv"))
               .status_code == 200 and r)
    assert sha256(csv.content) == files[f"{slug}.csv"]


def big_csv(path: Path, rows: int = 100_000) -> Path:
    """A file whose release takes the store a while to take in (several megabytes)."""
    with path.open("w", encoding="utf-8") as out:
        out.write("номер,име,сума\n")
        out.writelines(f"{n},ред номер {n} от голям файл,{n * 1.25:.2f}\n" for n in range(rows))
    return path


def test_the_store_stopped_while_a_publish_writes_its_files_leaves_all_of_it_or_nothing(
        cluster: ClusterWorld, tmp_path: Path) -> None:
    slug = cluster.dataset("store-cut", profile=None)
    big = big_csv(tmp_path / "big.csv")
    answer: list[httpx.Response] = []
    publishing = threading.Thread(target=lambda: answer.append(cluster.publish(cluster.a, slug, big)))
    publishing.start()
    try:
        # Stop the store as soon as the first object of the release is in it.
        poll(lambda: cluster.seaweed.keys(BUCKET, f"portal/releases/{slug}/1/") or not
             publishing.is_alive(), every=0.01)
        cluster.seaweed.stop()
        publishing.join(timeout=DEADLINE)
    finally:
        cluster.seaweed.start(keep_ports=True)
    [done] = answer
    print(f"\nstore stopped mid-publish: the publish answered {done.status_code}")
    if done.status_code == 201:  # it had written everything before the store went away
        assert cluster.versions(cluster.b, slug) == [1]
    else:
        assert_bilingual_problem(done)
        assert_no_release(cluster, slug, 1)
    retried = cluster.publish(cluster.a, slug, big)
    assert retried.status_code == 201, retried.text
    assert cluster.versions(cluster.b, slug) == ([1, 2] if done.status_code == 201 else [1])


@dataclass
class Answer:
    node: str
    path: str
    status: int
    body: str
    after_restart: bool


def _load(cluster: ClusterWorld, paths: list[str], stop: threading.Event,
          restarted: threading.Event, answers: list[Answer]) -> None:
    """GET the paths in turn from both nodes until told to stop (bounded by DEADLINE too)."""
    deadline = time.monotonic() + DEADLINE
    with httpx.Client(timeout=HTTP_TIMEOUT) as client:
        while not stop.is_set() and time.monotonic() < deadline:
            for node in (cluster.a, cluster.b):
                for path in paths:
                    after = restarted.is_set()
                    try:
                        got = client.get(node + path, headers={"Accept": "text/html"})
                        answers.append(Answer(node, path, got.status_code, got.text, after))
                    except httpx.TransportError as error:  # the node itself must never drop us
                        answers.append(Answer(node, path, 0, repr(error), after))


def test_postgresql_restarted_under_load_and_both_nodes_recover_by_themselves(
        cluster: ClusterWorld) -> None:
    slug = cluster.dataset("pg-restart")
    assert cluster.publish(cluster.a, slug, Q1).status_code == 201
    table = catalog.get_dataset(cluster.engine, slug).table_name
    paths = ["/", "/datasets", f"/datasets/{slug}", "/feeds/releases.atom", "/catalog.ttl",
             f"/api/3/action/package_show?id={slug}", "/sql/",
             f"/sql/{slug}/{table}.json?_shape=array"]
    answers: list[Answer] = []
    stop, restarted = threading.Event(), threading.Event()
    loaders = [threading.Thread(target=_load, args=(cluster, paths, stop, restarted, answers))
               for _ in range(3)]
    for loader in loaders:
        loader.start()
    try:
        poll(lambda: len(answers) >= 2 * len(paths))
        cluster.restart_postgres()
        restarted.set()
        poll(lambda: sum(a.after_restart for a in answers) >= 6 * len(paths))
    finally:
        stop.set()
        for loader in loaders:
            loader.join(timeout=DEADLINE)

    down = text("catalog.unavailable")
    failed = [a for a in answers if a.status != 200]
    print(f"\nPostgreSQL restart under load: {len(answers)} answers, "
          f"{len(failed)} not 200: {sorted({(a.status, a.path) for a in failed})}")
    for answer in failed:
        assert answer.status == 503, (answer.path, answer.status, answer.body[:2000])
        # A portal page in the visitor's language (Bulgarian by default); the SQL API's plain
        # text carries both.
        if answer.body.startswith("{"):  # the APIs: a problem with both titles
            problem = json.loads(answer.body)
            assert (problem["title_bg"], problem["title"]) == (down.bg, down.en), problem
        else:
            assert down.bg in answer.body, answer.body[:2000]
            assert down.en in answer.body or '<html lang="bg">' in answer.body, answer.body[:2000]
        assert "Traceback" not in answer.body
    # Afterwards every path answers on both nodes, neither of them restarted.
    for node in (cluster.a, cluster.b):
        for path in paths:
            poll(lambda: get(node + path).status_code == 200)
    done = cluster.publish(cluster.b, slug, H1)
    assert done.status_code == 201 and done.json()["release"]["version"] == 2, done.text
