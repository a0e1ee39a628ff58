"""On the cluster's parts (PostgreSQL catalog, S3 object store): backup reads the catalog with
pg_dump and the release files from the store; restore fills an empty database and an empty store."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.commands import main
from datasets import catalog
from datasets.consistency_store import check_store
from tests.postgres import Cluster
from tests.storage.conftest import H1, S3World, publish_file, seaweed, seed  # noqa: F401 (seaweed: a fixture)
from tests.storage.seaweed import Seaweed


def cli(instance: Path, *args: str, lang: str = "en") -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--lang", lang, *args], env={"OTKRITO_INSTANCE": str(instance)})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_a_postgresql_and_object_store_instance_round_trips_into_an_empty_database_and_store(
        seaweed: Seaweed, postgres_cluster: Cluster, tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTKRITO_SECRET_KEY", "test-secret-shared-by-every-node")
    source_db, full_db, empty_db = (postgres_cluster.create_database(), postgres_cluster.create_database(),
                                    postgres_cluster.create_empty_database())
    try:
        source = S3World(seaweed, tmp_path / "source", monkeypatch)
        source.catalog = postgres_cluster.url(source_db)
        monkeypatch.setenv("OTKRITO_DATABASE_URL", source.catalog)
        node = source.open("node-a")
        seed(node)
        publish_file(node)
        publish_file(node, H1)
        expected = {(r.version, f.name): f.sha256 for r in catalog.list_releases(
            node.engine, catalog.get_dataset(node.engine, "budget").id) for f in r.files}
        dest = tmp_path / "backup"
        code, said = cli(node.instance.root, "backup", str(dest))
        assert code == 0 and f"copied now {len(expected)} files" in said, said
        assert (next((dest / "snapshots").iterdir()) / "catalog.dump").read_bytes()[:5] == b"PGDMP"
        source.close()

        target = S3World(seaweed, tmp_path / "target", monkeypatch)  # a new, empty prefix of the store
        monkeypatch.setenv("OTKRITO_DATABASE_URL", postgres_cluster.url(full_db))
        for lang, words in (("bg", "не е празна"), ("en", "is not empty")):
            code, said = cli(tmp_path / "target" / "node-x", "restore", str(dest), lang=lang)
            assert code == 1 and words in said, said
        assert target.keys() == [] and not (tmp_path / "target" / "node-x").exists()

        target.catalog = postgres_cluster.url(empty_db)
        monkeypatch.setenv("OTKRITO_DATABASE_URL", target.catalog)
        code, said = cli(tmp_path / "target" / "node-x", "restore", str(dest))
        assert code == 0, said
        restored = target.open("node-y")  # another node: its files come from the store
        report = check_store(restored.instance, restored.engine)
        assert report.ok and report.files == len(expected), [f.text.en for f in report.findings]
        for (version, name), sha in expected.items():
            path = restored.instance.storage.fetch(f"releases/budget/{version}/{name}", sha)
            assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
        target.close()
    finally:
        for name in (source_db, full_db, empty_db):
            postgres_cluster.drop_database(name)
