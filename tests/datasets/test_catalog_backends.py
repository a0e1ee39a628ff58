"""The catalog behaves the same on SQLite and PostgreSQL: JSON, times, order, text, lengths.

The test cluster orders text by ICU Bulgarian and lives in Europe/Sofia (tests/postgres.py), so
a query that leans on the server's collation or time zone gives another answer there.
"""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.state import Portal
from datasets import catalog
from datasets.feed_queries import catalog_entries
from datasets.uploads import get_job, store_upload
from datasets.withdraw import withdraw_release
from metadata.errors import InvalidInput
from publishers import feedback
from publishers.accounts_store import login_failures, upload_jobs
from publishers.login import LoginFailed, authenticate, session_user, start_session
from publishers.registry import add_publisher, get_publisher, list_publishers
from publishers.store import audit_events, datasets, releases
from publishers.users import add_user
from tests.conftest import publish_rows

pytestmark = pytest.mark.catalogs

# Code-point order (SQLite's): Latin before Cyrillic, capitals before small letters, "-" early.
TITLES = ["Zebra", "a-z", "ab", "Бюджет", "Община", "архив", "бюджет"]
JSON_VALUES = {("datasets", "themes"), ("datasets", "keywords"), ("releases", "files"),
               ("audit_events", "detail"), ("upload_jobs", "options"), ("upload_jobs", "report"),
               ("upload_jobs", "error")}
SCHEMA_DOCUMENTS = {("datasets", "table_schema"), ("upload_jobs", "schema")}


def _publisher(portal: Portal) -> None:
    add_publisher(portal.engine, "levski", name_bg="Община Левски")


def test_json_values_can_be_compared_grouped_and_deduplicated(portal: Portal) -> None:
    _publisher(portal)
    for slug, themes in (("a", ["ECON"]), ("b", ["ECON"]), ("c", ["GOVE", "ECON"])):
        catalog.create_dataset(portal.engine, slug, publisher="levski", title_bg=slug,
                               themes=themes, keywords=["бюджет"])
    with portal.engine.connect() as conn:
        same = conn.execute(sa.select(datasets.c.slug).where(datasets.c.themes == ["ECON"])
                            .order_by(datasets.c.slug)).scalars().all()
        distinct = conn.execute(sa.select(datasets.c.themes, datasets.c.keywords).distinct()).all()
        grouped = conn.execute(sa.select(audit_events.c.detail, sa.func.count())
                               .group_by(audit_events.c.detail)).all()
    assert same == ["a", "b"]
    assert sorted(tuple(r.themes) for r in distinct) == [("ECON",), ("GOVE", "ECON")]
    assert [(r.detail, r[1]) for r in grouped] == [({}, 4)]  # a publisher and three datasets


def test_json_values_are_jsonb_on_postgresql_and_schemas_stay_json(
        portal: Portal, catalog_backend: str) -> None:
    types = {(t, c): str(col["type"]).lower() for t in ("datasets", "releases", "audit_events",
                                                       "upload_jobs")
             for col in sa.inspect(portal.engine).get_columns(t) for c in [col["name"]]}
    wanted = ({"jsonb"} if catalog_backend == "postgresql" else {"json"}, {"json"})
    assert ({types[k] for k in JSON_VALUES}, {types[k] for k in SCHEMA_DOCUMENTS}) == wanted


def test_a_table_schema_keeps_the_order_its_author_wrote(portal: Portal) -> None:
    _publisher(portal)
    created = catalog.create_dataset(portal.engine, "budget", publisher="levski",
                                     title_bg="Бюджет", profile="budget")
    schema = {"fields": [{"type": "string", "name": "z", "title": "Последно", "constraints": {}}],
              "primaryKey": ["z"], "missingValues": [""]}
    with portal.engine.begin() as conn:
        catalog.set_table_schema(conn, created.id, schema)
    kept = catalog.get_dataset(portal.engine, "budget").table_schema
    assert (list(kept), list(kept["fields"][0])) == (list(schema), list(schema["fields"][0]))


def test_times_are_written_and_read_back_in_utc(portal: Portal, tmp_path: Path) -> None:
    _publisher(portal)
    before = datetime.now(timezone.utc)
    publish_rows(portal, "budget", [{"a": 1}], publisher="levski")
    dataset = catalog.get_dataset(portal.engine, "budget")
    release = catalog.latest_release(portal.engine, dataset.id)
    item = feedback.submit(portal.engine, kind="request", publisher_id=1, title="Договори",
                           body="Моля, публикувайте договорите.", address="192.0.2.1",
                           consent=True, now=before)
    job = store_upload(portal.instance, portal.engine, io.BytesIO(b"a\n1\n"), dataset="budget",
                       user_id=None, original_name="a.csv", options={})
    read = [dataset.created_at, release.created_at, item.created_at, get_job(portal.engine,
                                                                             job.id).updated_at]
    assert [t.utcoffset() for t in read] == [timezone.utc.utcoffset(None)] * 4
    assert item.created_at == before and all(before <= t <= datetime.now(timezone.utc) for t in read)
    assert [t.isoformat()[-6:] for t in read] == ["+00:00"] * 4


def test_lists_are_in_code_point_order_on_every_backend(portal: Portal) -> None:
    for number, name in enumerate(TITLES[::-1]):
        add_publisher(portal.engine, f"p{number}", name_bg=name)
        catalog.create_dataset(portal.engine, f"d-{number}", publisher=f"p{number}",
                               title_bg=name)
    for slug in ("x-a", "xa", "x-b", "x0"):
        catalog.create_dataset(portal.engine, slug, publisher="p0", title_bg=slug)
    titles = [d.title.bg for d in catalog.list_datasets(portal.engine) if d.slug.startswith("d-")]
    slugs = [e.dataset.slug for e in catalog_entries(portal.engine) if e.dataset.slug[0] == "x"]
    assert titles == TITLES == sorted(TITLES)
    assert [p.name.bg for p in list_publishers(portal.engine)] == TITLES
    assert slugs == ["x-a", "x-b", "x0", "xa"]


def test_nul_characters_never_reach_the_catalog_and_break_nothing(portal: Portal) -> None:
    add_publisher(portal.engine, "levski", name_bg="Община\x00 Левски")
    publish_rows(portal, "budget", [{"a": 1}], title="Бюд\x00жет", publisher="levski")
    withdraw_release(portal.instance, portal.engine, "budget", 1, reason="Грешка\x00 в данните",
                     actor="t\x00")
    with pytest.raises(LoginFailed):
        authenticate(portal.engine, "nobody\x00@x.bg", "a password\x00", address="192.0.2.1\x00")
    with portal.engine.connect() as conn:
        reasons = conn.execute(sa.select(audit_events.c.detail)
                               .where(audit_events.c.action == "release.withdraw")).scalars().all()
        keys = conn.execute(sa.select(login_failures.c.key)).scalars().all()
        withdrawn = conn.execute(sa.select(releases.c.withdrawn_reason)).scalar()
    assert get_publisher(portal.engine, "levski").name.bg == "Община Левски"
    assert catalog.get_dataset(portal.engine, "budget").title.bg == "Бюджет"
    assert (reasons, withdrawn) == ([{"reason": "Грешка в данните"}], "Грешка в данните")
    assert sorted(keys) == ["account:nobody@x.bg", "address:192.0.2.1"]


def test_json_keeps_a_backslash_before_u0000_as_text(portal: Portal) -> None:
    _publisher(portal)
    catalog.create_dataset(portal.engine, "budget", publisher="levski", title_bg="Бюджет",
                           keywords=["\\u0000", "a\\\x00b"])
    assert catalog.get_dataset(portal.engine, "budget").keywords == ("\\u0000", "a\\b")


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00", "01.01.2026", "2026-13-01", "2026-1-1"])
def test_a_dataset_period_takes_iso_dates_only(portal: Portal, value: str) -> None:
    _publisher(portal)
    with pytest.raises(InvalidInput) as refused:
        catalog.create_dataset(portal.engine, "budget", publisher="levski", title_bg="Бюджет",
                               temporal_start=value)
    assert refused.value.message_id == "catalog.bad-date" and value in refused.value.text.en
    created = catalog.create_dataset(portal.engine, "budget", publisher="levski",
                                     title_bg="Бюджет", temporal_start="2026-01-01",
                                     temporal_end="2026-12-31")
    assert (created.temporal_start, created.temporal_end) == ("2026-01-01", "2026-12-31")


def test_a_session_and_an_upload_job_round_trip_on_every_backend(portal: Portal) -> None:
    _publisher(portal)
    catalog.create_dataset(portal.engine, "budget", publisher="levski", title_bg="Бюджет")
    user = add_user(portal.engine, "clerk@levski.bg", password="correct horse battery staple")
    assert session_user(portal.engine, start_session(portal.engine, user)) == user.id
    job = store_upload(portal.instance, portal.engine, io.BytesIO(b"a\n1\n"), dataset="budget",
                       user_id=user.id, original_name="a.csv", options={"delimiter": ";"})
    with portal.engine.connect() as conn:
        options = conn.execute(sa.select(upload_jobs.c.options)
                               .where(upload_jobs.c.options == {"delimiter": ";"})).scalar()
    assert (get_job(portal.engine, job.id).options, options) == ({"delimiter": ";"},) * 2
