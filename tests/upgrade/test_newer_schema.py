"""A catalog whose schema a newer version made is refused, untouched, by everything that opens it;
`otkrito migrate --to` goes up or down to a known revision and refuses any other."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from app import create_app
from app.cli.commands import main
from app.jobs.worker import run_worker
from app.state import open_portal
from app.web import asgi
from metadata.errors import NewerSchema
from metadata.messages import text
from publishers import store
from tests.conftest import REPO
from tests.postgres import Cluster

NEWER = "9999"


def stamp(url: str, revision: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def revision_of(url: str) -> str | None:
    engine = store.connect(url)
    try:
        return store.schema_revision(engine)
    finally:
        engine.dispose()


def refusal(url: str) -> tuple[str, str]:
    said = text("catalog.newer-schema", url=sa.engine.make_url(url).render_as_string(hide_password=True),
                current=NEWER, head=store.head_revision())
    return said.bg, said.en


@pytest.fixture
def newer_sqlite(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """An SQLite instance whose catalog says a newer version (revision 9999) made it."""
    instance = tmp_path / "instance"
    open_portal({"INSTANCE": str(instance), "DATABASE_URL": None}).engine.dispose()
    url = f"sqlite:///{instance / 'catalog.db'}"
    stamp(url, NEWER)
    yield instance, url
    assert revision_of(url) == NEWER  # whatever refused it left it as it was


@pytest.fixture
def newer_postgresql(postgres_cluster: Cluster) -> Iterator[str]:
    name = postgres_cluster.create_empty_database()
    url = postgres_cluster.url(name)
    engine = store.connect(url)
    store.migrate(engine)
    engine.dispose()
    stamp(url, NEWER)
    yield url
    assert revision_of(url) == NEWER
    postgres_cluster.drop_database(name)


def test_otkrito_serve_refuses_a_newer_sqlite_catalog_in_both_languages(newer_sqlite: tuple[Path, str]) -> None:
    instance, url = newer_sqlite
    served = subprocess.run([sys.executable, "-m", "app.cli", "serve", "--port", "9"], cwd=REPO,
                            capture_output=True, text=True, timeout=300,
                            env={"PATH": "/usr/bin:/bin", "OTKRITO_INSTANCE": str(instance)})
    bg, en = refusal(url)
    assert served.returncode == 1
    assert served.stderr == f"{bg}\n{en}\n"


def test_the_app_factory_and_migrate_refuse_a_newer_sqlite_catalog(
        newer_sqlite: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    instance, url = newer_sqlite
    with pytest.raises(NewerSchema):
        create_app({"INSTANCE": str(instance), "DATABASE_URL": None})
    monkeypatch.setenv("OTKRITO_INSTANCE", str(instance))
    with pytest.raises(SystemExit) as stopped:
        asgi.factory()
    assert stopped.value.code == 1 and capsys.readouterr().err == "\n".join(refusal(url)) + "\n"
    engine = store.connect(url)
    with pytest.raises(NewerSchema):
        store.migrate(engine)
    with pytest.raises(NewerSchema):
        store.migrate(engine, to="0009")  # not a downgrade from a revision it does not know
    engine.dispose()
    migrated = CliRunner().invoke(main, ["migrate"], env={"OTKRITO_INSTANCE": str(instance)})
    assert (migrated.exit_code, migrated.output) == (1, "\n".join(refusal(url)) + "\n")
    assert migrated.exception is None or isinstance(migrated.exception, SystemExit)


def test_nodes_and_workers_refuse_a_newer_postgresql_catalog(newer_postgresql: str, tmp_path: Path) -> None:
    settings = {"INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": newer_postgresql, "SECRET_KEY": "shared"}
    with pytest.raises(NewerSchema):
        open_portal(dict(settings))
    with pytest.raises(NewerSchema):
        create_app(dict(settings))
    with pytest.raises(NewerSchema):
        run_worker(dict(settings))
    env = {"OTKRITO_INSTANCE": str(tmp_path / "instance"), "OTKRITO_DATABASE_URL": newer_postgresql,
           "OTKRITO_SECRET_KEY": "shared"}
    for command in (["worker"], ["migrate"], ["--lang", "en", "migrate"]):
        refused = CliRunner().invoke(main, command, env=env)
        assert (refused.exit_code, refused.output) == (1, "\n".join(refusal(newer_postgresql)) + "\n"), command


def test_migrate_to_goes_down_and_up_and_refuses_an_unknown_revision(tmp_path: Path) -> None:
    env = {"OTKRITO_INSTANCE": str(tmp_path / "instance")}
    url = f"sqlite:///{tmp_path / 'instance' / 'catalog.db'}"
    runner = CliRunner()
    first = runner.invoke(main, ["--lang", "en", "migrate"], env=env)
    head = store.head_revision()
    assert (first.exit_code, first.output) == (0, f"Catalog schema at revision {head} (was -).\n")
    down = runner.invoke(main, ["--lang", "en", "migrate", "--to", "0009"], env=env)
    assert (down.exit_code, down.output) == (0, f"Catalog schema at revision 0009 (was {head}).\n")
    assert revision_of(url) == "0009" and "webhooks" not in sa.inspect(sa.create_engine(url)).get_table_names()
    for unknown in ("9999", "head", "0009; DROP"):
        refused = runner.invoke(main, ["migrate", "--to", unknown], env=env)
        known = ", ".join(store.known_revisions())
        assert refused.exit_code == 2
        assert refused.output == text("catalog.unknown-revision", revision=unknown, known=known).bg + "\n"
        assert revision_of(url) == "0009"
    english = runner.invoke(main, ["--lang", "en", "migrate", "--to", "nope"], env=env)
    assert english.output.startswith("There is no migration 'nope'. Known revisions: 0001, 0002")
    up = runner.invoke(main, ["migrate", "--to", head], env=env)
    assert (up.exit_code, up.output) == (0, f"Схемата на каталога е на версия {head} (беше 0009).\n")
    assert revision_of(url) == head
