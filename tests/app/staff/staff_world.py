"""A small world for workspace and API tests: two publishers, their staff, data and tokens."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.state import Portal
from datasets.catalog import create_dataset
from datasets.publish import Upload, publish
from datasets.uploads import check_job, store_upload
from publishers.registry import add_publisher
from publishers.tokens import create_token
from publishers.users import add_user, find_user, grant
from publishers.webhooks import EVENTS, register

PASSWORD = "correct horse battery staple"
HEADER = "екатте;селище;площ;население"
GOOD_ROWS = ["00761;Асеновци;44238;1317", "00802;Аспарухово;11777;586",
             "05044;Божурлук;13853;117", "07274;Българене;35057;843"]
BROKEN_ROWS = ["00761;Асеновци;44238;1317", "00802;Аспарухово;11777;586;излишно",
               "05044;Божурлук", "07274;Българене;35057;843"]


def cp1251_csv(path: Path, rows: list[str]) -> Path:
    """Write a semicolon CSV in Windows-1251, as Excel in Bulgarian saves it."""
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1251"))
    return path


def make_app(portal: Portal, **settings: object) -> Flask:
    """The Flask app over the test's instance."""
    app = create_app({"INSTANCE": str(portal.instance.root), "SECRET_KEY": "test-secret",
                      **settings})
    app.testing = False  # keep CSRF and error pages as in production
    return app


def csrf_of(html: str) -> str:
    """Return the CSRF token embedded in a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD, *, next_: str = ""):  # type: ignore[no-untyped-def]
    """Sign in through the form, CSRF token included; return the response."""
    token = csrf_of(client.get("/staff/login").text)
    return client.post("/staff/login", data={"email": email, "password": password,
                                              "csrf_token": token, "next": next_})


@dataclass(frozen=True)
class World:
    """What the tests act on. Publisher `a` has data; `b` is the other municipality."""

    portal: Portal
    app: Flask
    job_a: str
    token_a: str
    token_b: str
    token_a_id: int
    member_a_id: int


def build_world(portal: Portal, tmp_path: Path) -> World:
    """Create publishers a and b, staff for each, a published dataset, an upload and tokens."""
    engine = portal.engine
    add_publisher(engine, "a", name_bg="Община А", name_en="Municipality A")
    add_publisher(engine, "b", name_bg="Община Б", name_en="Municipality B")
    for email, role, publisher in (("site@x.bg", "site-admin", None), ("admin-a@x.bg", "admin", "a"),
                                   ("editor-a@x.bg", "editor", "a"), ("admin-b@x.bg", "admin", "b"),
                                   ("editor-b@x.bg", "editor", "b")):
        add_user(engine, email, password=PASSWORD)
        grant(engine, email, role, publisher=publisher)
    for slug, owner in (("a-data", "a"), ("b-data", "b")):
        create_dataset(engine, slug, publisher=owner, title_bg=f"Селища {owner}",
                       title_en=f"Settlements {owner}")
        good = cp1251_csv(tmp_path / f"{slug}.csv", GOOD_ROWS)
        publish(portal.instance, engine, Upload(good, "good.csv"), dataset=slug)
    with good.open("rb") as stream:
        job = store_upload(portal.instance, engine, stream, dataset="a-data", user_id=None,
                           original_name="good.csv", options={})
    check_job(portal.instance, engine, job.id, actor="test")
    editor_a = find_user(engine, "admin-a@x.bg")
    editor_b = find_user(engine, "admin-b@x.bg")
    assert editor_a and editor_b
    token_a, secret_a = create_token(engine, publisher_id=1, user_id=editor_a.id, name="a", actor="t")
    _token_b, secret_b = create_token(engine, publisher_id=2, user_id=editor_b.id, name="b", actor="t")
    member = find_user(engine, "editor-a@x.bg")
    assert member
    with engine.begin() as conn:  # publisher a's webhook 1, which b must not reach either
        register(conn, publisher_id=1, dataset_id=None, url="https://hooks.example/a", events=EVENTS,
                 actor="t", now=datetime.now(timezone.utc))
    return World(portal, make_app(portal), job.id, secret_a, secret_b, token_a.id, member.id)
