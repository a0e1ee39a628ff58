"""Baselines and targets: each change a new version with its audit event; bad input gets a
bilingual message (CLI, staff form, domain) and changes nothing; the monthly publish happens
once; migration 0012 goes down and up."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from app.state import Portal
from datasets import catalog
from datasets.impact import IMPACT_SLUG
from datasets.impact_dataset import publish_figures
from datasets.impact_methodology import current, history, set_baseline, set_target
from datasets.impact_schedule import publish_monthly
from metadata.errors import InvalidInput
from publishers.store import audit_events
from tests.app.staff.staff_world import World, csrf_of

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOW = datetime(2026, 7, 10, tzinfo=timezone.utc)
BAD = [  # (call, Bulgarian words, English words)
    (dict(target=dict(key="requests_filed", year=2026, value="сто")), "трябва да е число", "must be a number"),
    (dict(target=dict(key="requests_filed", year=2026, value="nan")), "трябва да е число", "must be a number"),
    (dict(target=dict(key="no_such", year=2026, value="1")), "Няма показател", "There is no indicator"),
    (dict(target=dict(key="requests_filed", year="26", value="1")), "Годината трябва", "The year must"),
    (dict(baseline=dict(start="2026-06", end="2026-07")), "трябва да е приключил", "must be over"),
    (dict(baseline=dict(start="2026-05", end="2026-01")), "е преди началото", "ends (2026-01) before"),
    (dict(baseline=dict(start="2026/01", end="2026-02")), "ГГГГ-ММ", "YYYY-MM"),
]


@pytest.mark.parametrize("call,bg,en", BAD)
def test_bad_input_is_refused_in_both_languages_and_changes_nothing(portal: Portal, call: dict, bg: str,
                                                                    en: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        if "target" in call:
            set_target(portal.engine, actor="site@x.bg", now=NOW, **call["target"])
        else:
            set_baseline(portal.engine, actor="site@x.bg", now=NOW, **call["baseline"])
    assert bg in raised.value.text.bg and en in raised.value.text.en
    assert current(portal.engine).version == 0 and history(portal.engine) == []


def test_every_change_is_a_version_with_its_audit_event(portal: Portal) -> None:
    engine = portal.engine
    set_baseline(engine, start="2025-01", end="2025-06", actor="site@x.bg", note="first half", now=NOW)
    set_target(engine, key="requests_filed", year="2026", value="120", actor="site@x.bg", now=NOW)
    latest = set_target(engine, key="answer_days_median", year=2026, value="7,5", actor="other@x.bg", now=NOW)
    assert latest.version == 3 and latest.target("requests_filed", 2026) == 120
    assert latest.target("answer_days_median", 2026) == 7.5 and latest.baseline_end.isoformat() == "2025-06-01"
    assert [v.change for v in history(engine)] == [
        "target answer_days_median 2026 = 7.5", "target requests_filed 2026 = 120",
        "baseline 2025-01..2025-06 — first half"]
    with engine.connect() as conn:
        events = conn.execute(sa.select(audit_events.c.actor, audit_events.c.target)
                              .where(audit_events.c.action == "impact.methodology").order_by(audit_events.c.id)).all()
    assert [tuple(e) for e in events] == [("site@x.bg", "impact/1"), ("site@x.bg", "impact/2"),
                                          ("other@x.bg", "impact/3")]


def _cli(portal: Portal, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "OTKRITO_INSTANCE": str(portal.instance.root)}, timeout=300)


def test_the_cli_sets_targets_and_baselines_and_explains_bad_input(portal: Portal) -> None:
    bad = _cli(portal, "--lang", "en", "impact", "target", "requests_filed", "--year", "2026", "--value", "many")
    assert bad.returncode == 2 and 'The target must be a number, such as 120 or 85.5 (got "many")' in bad.stderr
    assert "Traceback" not in bad.stderr
    future = _cli(portal, "impact", "baseline", "--from", "2025-01", "--to", "2099-06")
    assert future.returncode == 2 and "Базовият период трябва да е приключил: 2099-06" in future.stderr
    done = _cli(portal, "--lang", "en", "impact", "target", "requests_filed", "--year", "2026", "--value", "120")
    assert done.returncode == 0 and "Methodology version 1: target requests_filed 2026 = 120" in done.stdout
    assert current(portal.engine).target("requests_filed", 2026) == 120


def test_the_staff_form_is_for_site_admins_and_explains_bad_input(world: World, signed_in) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin-a@x.bg")
    assert admin.get("/staff/impact").status_code == 403
    site = signed_in("site@x.bg")
    assert 'href="/staff/impact"' in site.get("/staff/").text  # in the site admin's menu
    page = site.get("/staff/impact?lang=en")
    assert page.status_code == 200
    token = csrf_of(page.text)
    refused = site.post("/staff/impact", data={"csrf_token": token, "change": "target", "indicator": "page_views",
                                               "year": "2026", "value": "lots"})
    assert refused.status_code == 422 and "The target must be a number" in refused.text
    no_token = site.post("/staff/impact", data={"change": "target", "indicator": "page_views", "year": "2026",
                                                "value": "5"})
    assert no_token.status_code in (400, 403)
    saved = site.post("/staff/impact", data={"csrf_token": token, "change": "baseline", "start": "2025-01",
                                             "end": "2025-03"})
    assert saved.status_code == 302
    assert current(world.portal.engine).baseline_start.isoformat() == "2025-01-01"
    bg = site.post("/staff/impact?lang=bg", data={"csrf_token": token, "change": "baseline", "start": "2025-04",
                                                  "end": "2025-02"})
    assert bg.status_code == 422 and "е преди началото му" in bg.text and current(world.portal.engine).version == 1


def test_unchanged_figures_make_no_release_and_the_month_is_published_once(portal: Portal, publish) -> None:  # type: ignore[no-untyped-def]
    publish("nabor", [{"a": 1}])
    with portal.engine.begin() as conn:  # the portal opened last year: there are complete months
        conn.execute(sa.text("UPDATE publishers SET created_at = :at"), {"at": datetime(2025, 11, 3, tzinfo=timezone.utc)})
    first = publish_monthly(portal.instance, portal.engine, now=NOW)
    assert first is not None and first.version == 1 and first.first.isoformat() == "2025-11-01"
    assert publish_monthly(portal.instance, portal.engine, now=NOW) is None  # claimed: done for this month
    again = publish_figures(portal.instance, portal.engine, now=NOW)
    assert (again.version, again.latest) == (None, 1)
    set_target(portal.engine, key="page_views", year=2026, value=10, actor="site@x.bg", now=NOW)
    changed = publish_figures(portal.instance, portal.engine, now=NOW)  # the target column changed
    assert changed.version == 2
    dataset = catalog.get_dataset(portal.engine, IMPACT_SLUG)
    assert dataset.profile == "indicators" and dataset.frequency == "MONTHLY"
    assert [r.version for r in catalog.list_releases(portal.engine, dataset.id)] == [2, 1]


def _alembic(portal: Portal, action: str, revision: str) -> None:
    from alembic import command

    from publishers.store import _alembic_config

    config = _alembic_config()
    with portal.engine.begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, action)(config, revision)


def test_migration_0012_goes_down_and_up(portal: Portal) -> None:
    set_target(portal.engine, key="page_views", year=2026, value=10, actor="site@x.bg", now=NOW)
    _alembic(portal, "downgrade", "0010")
    assert "impact_methodology" not in sa.inspect(portal.engine).get_table_names()
    _alembic(portal, "upgrade", "0012")
    assert current(portal.engine).version == 0
    set_target(portal.engine, key="page_views", year=2026, value=10, actor="site@x.bg", now=NOW)
    assert current(portal.engine).version == 1


def test_a_scheduler_round_publishes_last_months_figures(portal: Portal, publish) -> None:  # type: ignore[no-untyped-def]
    from app.jobs.scheduler import run_due

    publish("nabor", [{"a": 1}])
    with portal.engine.begin() as conn:
        conn.execute(sa.text("UPDATE publishers SET created_at = :at"), {"at": datetime(2025, 11, 3, tzinfo=timezone.utc)})
    assert catalog.find_dataset(portal.engine, IMPACT_SLUG) is None
    run_due(portal, "test-owner")
    dataset = catalog.get_dataset(portal.engine, IMPACT_SLUG)
    assert [r.version for r in catalog.list_releases(portal.engine, dataset.id)] == [1]
    run_due(portal, "test-owner")  # the month is done: no second release
    assert [r.version for r in catalog.list_releases(portal.engine, dataset.id)] == [1]


def test_the_percentile_is_nearest_rank() -> None:
    from datasets.impact import percentile

    assert percentile(list(range(1, 11)), 0.9) == 9 and percentile([5.0], 0.9) == 5.0
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9) == 10  # ⌈9.9⌉ = 10th


def test_signed_in_staff_are_not_counted_as_use(world: World, signed_in) -> None:  # type: ignore[no-untyped-def]
    headers = {"User-Agent": "Mozilla/5.0 Firefox/128.0"}
    staff = signed_in("editor-a@x.bg")
    for _ in range(3):
        assert staff.get("/datasets/a-data", headers=headers).status_code == 200
    public = world.app.test_client()
    assert public.get("/datasets/a-data", headers=headers).status_code == 200
    rows = [line.split(",") for line in public.get("/statistics.csv").text.splitlines()[1:]]
    assert [r[1:3] for r in rows if r[1] == "a-data"] == [["a-data", "1"]]
