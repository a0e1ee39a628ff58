"""`otkrito worker` and `otkrito migrate` from the command line; choosing the mode."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from app import create_app
from app.cli.commands import main
from metadata.errors import NotReady
from publishers.store import connect, require_current_schema
from tests.conftest import REPO
from tests.postgres import Cluster


def test_the_worker_refuses_an_sqlite_catalog_in_both_languages(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "OTKRITO_INSTANCE": str(tmp_path / "instance")}
    said = {}
    for lang in ("bg", "en"):
        done = subprocess.run([sys.executable, "-m", "app.cli", "--lang", lang, "worker"], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stderr
        said[lang] = done.stderr
    assert "`otkrito worker` needs a PostgreSQL catalog" in said["en"]
    assert "работи само с каталог в PostgreSQL" in said["bg"] and "Traceback" not in said["bg"]


def test_the_queue_mode_needs_postgresql_and_a_known_mode(tmp_path: Path) -> None:
    settings = {"INSTANCE": str(tmp_path / "instance"), "SECRET_KEY": "s"}
    with pytest.raises(NotReady) as refused:
        create_app({**settings, "JOBS": "queue"})
    assert refused.value.message_id == "jobs.queue-needs-postgresql"
    with pytest.raises(NotReady) as unknown:
        create_app({**settings, "JOBS": "celery"})
    assert "threads, queue" in unknown.value.text.en


def _migrated_before_the_queue(url: str) -> None:
    """Migrate the catalog as a deploy from before the queue did: alembic only."""
    from alembic import command

    from publishers.store import _alembic_config

    engine = connect(url)
    try:
        config = _alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def test_a_node_without_the_queue_schema_refuses_to_start_and_migrate_applies_it_once(
        postgres_cluster: Cluster, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = postgres_cluster.url(postgres_cluster.create_empty_database())
    monkeypatch.setenv("OTKRITO_DATABASE_URL", url)
    monkeypatch.setenv("OTKRITO_SECRET_KEY", "s")
    monkeypatch.setenv("OTKRITO_INSTANCE", str(tmp_path / "instance"))
    _migrated_before_the_queue(url)
    engine = connect(url)
    try:
        with pytest.raises(NotReady) as refused:
            require_current_schema(engine)
        assert "no job queue schema" in refused.value.text.en and "otkrito migrate" in refused.value.text.bg
        worker = CliRunner().invoke(main, ["--lang", "en", "worker"])  # refused, not hung
        assert worker.exit_code == 2 and "no job queue schema" in worker.output
        for _run in range(2):  # the second finds everything in place
            result = CliRunner().invoke(main, ["--lang", "en", "migrate"])
            assert result.exit_code == 0, result.output
        require_current_schema(engine)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM procrastinate_jobs")).scalar() == 0
    finally:
        engine.dispose()
