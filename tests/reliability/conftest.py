"""Reliability fixtures: an instance whose dataset `budget` has one release, and demo files."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask

from app import create_app
from app.state import Portal, open_portal
from datasets.catalog import create_dataset
from datasets.publish import Upload, publish
from publishers.registry import add_publisher, get_publisher
from publishers.tokens import create_token
from publishers.users import add_user, grant

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo"
Q1 = DEMO / "budget-2026-q1.csv"
H1 = DEMO / "budget-2026-h1.csv"


def open_instance(root: Path) -> Portal:
    """Open (as a restarted process would) the instance at root."""
    return open_portal({"INSTANCE": str(root), "DATABASE_URL": None})


def seed_budget(portal: Portal, *, datasets: tuple[str, ...] = ("budget",)) -> Portal:
    """Give an opened instance the publisher levski and budget datasets with release 1 (Q1 2026)."""
    add_publisher(portal.engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski")
    for slug in datasets:
        add_budget(portal, slug)
    return portal


def api_editor(portal: Portal) -> tuple[Flask, str]:
    """Return the portal's Flask app and an API token of an editor of levski."""
    engine = portal.engine
    editor = add_user(engine, "editor@levski.bg", password="correct horse battery staple")
    grant(engine, editor.email, "editor", publisher="levski")
    _token, secret = create_token(engine, publisher_id=get_publisher(engine, "levski").id,
                                  user_id=editor.id, name="ci", actor="test")
    return create_app({"INSTANCE": str(portal.instance.root), "SECRET_KEY": "test"}), secret


def add_budget(portal: Portal, slug: str) -> None:
    """Create a budget dataset of levski with release 1 (Q1 2026)."""
    create_dataset(portal.engine, slug, publisher="levski", title_bg=f"Бюджет {slug}",
                   title_en=f"Budget {slug}", profile="budget")
    publish(portal.instance, portal.engine, Upload(Q1, "q1.csv"), dataset=slug)


def make_budget_instance(root: Path, *, datasets: tuple[str, ...] = ("budget",)) -> Portal:
    """Create an instance where each named budget dataset has release 1 (Q1 2026)."""
    return seed_budget(open_instance(root), datasets=datasets)


TAG = re.compile(r"#R(\d+)")


def tagged_budget(folder: Path, number: int) -> Path:
    """Write the H1 budget with `#R<number>` after every item name: each release's rows show
    which upload they came from, so a reader can tell a mix of two releases."""
    out = []
    for line in H1.read_bytes().decode("cp1251").splitlines():
        cells = line.split(";")
        if len(cells) == 9 and cells[0].isdigit():
            cells[5] = f"{cells[5]} #R{number}"
        out.append(";".join(cells))
    path = folder / f"budget-r{number}.csv"
    path.write_bytes(("\r\n".join(out) + "\r\n").encode("cp1251"))
    return path


def tags_in(body: str) -> set[int]:
    """Return the upload numbers tagged in a response body."""
    return {int(n) for n in TAG.findall(body)}


@pytest.fixture
def budget_portal(tmp_path: Path) -> Iterator[Portal]:
    """A fresh instance whose dataset `budget` has release 1."""
    portal = make_budget_instance(tmp_path / "instance")
    yield portal
    portal.engine.dispose()
