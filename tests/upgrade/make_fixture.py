"""Build the v0.1.0 fixture instance (tests/data/upgrade/v0.1.0/) with the code of tag v0.1.0.

It uses only what v0.1.0 offers (its Python functions, as its `otkrito` commands do), so it must
run with that release's code, never with a later one:

    git worktree add --detach /tmp/otkrito-v010 v0.1.0
    cd /tmp/otkrito-v010 && python3 -m venv .venv && .venv/bin/pip install -e .
    .venv/bin/python /path/to/this/checkout/tests/upgrade/make_fixture.py \
        /path/to/this/checkout/tests/data/upgrade/v0.1.0

(the script refuses to run unless `import app` comes from the current directory and that
checkout is at the tag v0.1.0).
The target directory is replaced. It then holds `instance/` (what an instance needs: catalog,
secret key, release files; no caches) and `SHA256SUMS` (of every release file, for `sha256sum -c`) and `fixture.json` (what the upgrade test signs in with and
expects: passwords, the API token, slugs, sha256 of every release file). Secrets in it are the
fixture's own, made up for it.
"""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

SOURCES = Path(__file__).resolve().parents[1] / "data"  # tests/data of the checkout holding this script
PASSWORDS = {"admin@levski.example": "fixture-admin-pass-2026", "editor@levski.example": "fixture-editor-pass-2026"}
DATASETS = (  # slug, publisher, source CSV, rows of each release
    ("levski-settlements", "levski", "levski-settlements.csv", (4, 6)),
    ("levski-decisions", "levski", "pleven-council-decisions-2026.csv", (3, 5, 6)),
    ("council-budget", "levski-council", "bg-budget-expenses.csv", (4, 7)),
)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def _rows(name: str, count: int, into: Path) -> Path:
    with open(SOURCES / name, encoding="utf-8-sig", newline="") as source:
        rows = list(csv.reader(source))[: count + 1]
    path = into / name
    with open(path, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def build(target: Path) -> dict:
    from app.config import secret_key
    from app.state import open_portal
    from datasets.catalog import create_dataset, get_dataset
    from datasets.publish import Upload, publish
    from datasets.sources import set_source
    from datasets.withdraw import withdraw_release
    from publishers import feedback, rules, subscriptions, webhooks
    from publishers.registry import add_publisher, get_publisher
    from publishers.tokens import create_token
    from publishers.users import add_user, get_user, grant

    instance_dir = target / "instance"
    portal = open_portal({"INSTANCE": str(instance_dir), "DATABASE_URL": None, "STORAGE_URL": None,
                          "STORAGE_CACHE_MB": None})
    engine, instance = portal.engine, portal.instance
    secret_key(instance_dir, None)  # made by the first `otkrito serve`: subscribers' links are signed with it
    add_publisher(engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski",
                  homepage="https://levski.example", email="obshtina@levski.example")
    add_publisher(engine, "levski-council", name_bg="Общински съвет – Левски", name_en="Levski Municipal Council")
    work = target / "work"
    work.mkdir()
    for slug, publisher, source, sizes in DATASETS:
        create_dataset(engine, slug, publisher=publisher, title_bg=f"Набор {slug}", title_en=f"Dataset {slug}",
                       description_bg="Малък набор за теста за обновяване.", frequency="MONTHLY",
                       keywords=["fixture"], themes=["GOVE"])
        for count in sizes:
            path = _rows(source, count, work)
            publish(instance, engine, Upload(path, path.name), dataset=slug, notes=f"{count} rows")
    shutil.rmtree(work)
    withdraw_release(instance, engine, "levski-decisions", 1, reason="Грешни данни в първата версия",
                     actor="cli")
    for email, role in (("admin@levski.example", "admin"), ("editor@levski.example", "editor")):
        add_user(engine, email, password=PASSWORDS[email], name=role.title())
        grant(engine, email, role, publisher="levski")
    levski = get_publisher(engine, "levski")
    _, token = create_token(engine, publisher_id=levski.id, user_id=get_user(engine, "admin@levski.example").id,
                            name="fixture", actor="cli")
    decisions = get_dataset(engine, "levski-decisions")
    request = feedback.submit(engine, kind="request", publisher_id=levski.id, title="Бюджет по села",
                              body="Моля, публикувайте бюджета по населени места.", address="127.0.0.1",
                              consent=True, now=NOW)
    feedback.moderate(engine, request.id, approve=True, actor="admin@levski.example", now=NOW)
    feedback.set_status(engine, request.id, "answered", actor="admin@levski.example",
                        answer="Ще го публикуваме през януари.", now=NOW)
    comment = feedback.submit(engine, kind="comment", publisher_id=levski.id, dataset_id=decisions.id,
                              body="Липсва номерът на протокола за едно решение.", address="127.0.0.2",
                              consent=True, now=NOW)
    feedback.moderate(engine, comment.id, approve=True, actor="editor@levski.example", now=NOW)
    rules.save(engine, body_bg="Правила на портала (версия от фикстурата).",
               body_en="The portal's rules (the fixture's version).", note="fixture", actor="cli", now=NOW)
    # After every publish: nothing is queued for the webhook or the subscriber, so a server
    # started on the fixture sends nothing anywhere. Both URLs are on loopback all the same.
    with engine.begin() as conn:
        webhooks.register(conn, publisher_id=levski.id, dataset_id=None, url="http://127.0.0.1:9/hook",
                          events=("release.published",), actor="admin@levski.example", now=NOW)
        asked = subscriptions.subscribe(conn, email="citizen@levski.example", kind="dataset",
                                        target="levski-settlements", frequency="weekly", lang="bg", now=NOW)
        assert asked is not None
        subscriptions.confirm(conn, asked[1].id, asked[1].secret, now=NOW)
    set_source(engine, "levski-settlements", "http://127.0.0.1:9/settlements.csv", every="weekly", actor="cli")
    engine.dispose()
    return {"token": token, "request_id": request.id, "comment_id": comment.id,
            "subscriber": "citizen@levski.example", "address_id": asked[0].id}


def _tidy(instance_dir: Path) -> None:
    """Keep what an instance needs: drop caches, temporary files and the SQLite WAL."""
    for name in ("tmp", "cache", "locks", "exports", "diffs"):
        shutil.rmtree(instance_dir / name, ignore_errors=True)
    for leftover in instance_dir.glob("catalog.db-*"):
        leftover.unlink()


def main(target: Path) -> None:
    import app

    def commit_of(name: str) -> str:
        return subprocess.run(["git", "rev-parse", f"{name}^{{commit}}"], capture_output=True, text=True,
                              check=True).stdout.strip()

    if Path(app.__file__).resolve().parents[1] != Path.cwd().resolve() or commit_of("HEAD") != commit_of("v0.1.0"):
        raise SystemExit("Run from a checkout of v0.1.0, with its .venv: see this script's docstring.")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    made = build(target)
    _tidy(target / "instance")
    releases = target / "instance" / "releases"
    commit = commit_of("HEAD")
    fixture = {"built_with": {"tag": "v0.1.0", "commit": commit}, "passwords": PASSWORDS,
               "datasets": {slug: {"publisher": publisher, "releases": len(sizes)}
                            for slug, publisher, _, sizes in DATASETS},
               "withdrawn": {"levski-decisions": [1]}, **made,
               "files": {str(path.relative_to(releases)): hashlib.sha256(path.read_bytes()).hexdigest()
                         for path in sorted(releases.rglob("*")) if path.is_file()}}
    (target / "SHA256SUMS").write_text("".join(f"{digest}  instance/releases/{name}\n"
                                               for name, digest in fixture["files"].items()))
    (target / "fixture.json").write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{target}: {sum(p.stat().st_size for p in target.rglob('*') if p.is_file())} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
