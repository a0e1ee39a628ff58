"""The yearly report on a PostgreSQL catalog: the same figures and lists as plain SQL there
(the SQLite catalog is tests/impact/test_report.py's)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from app.cli.demo import seed
from app.state import Portal
from tests.impact.test_report import (
    YEAR,
    Document,
    assert_figures_are_those_of_sql,
    assert_lists_are_those_of_sql,
    run,
)
from tests.postgres import postgresql_only


@postgresql_only
def test_the_report_on_postgresql_has_the_figures_of_plain_sql(portal: Portal, tmp_path: Path) -> None:
    assert portal.engine.dialect.name == "postgresql"
    list(seed(portal))
    before = datetime.now(timezone.utc)
    done = run(portal, "impact", "report", "--year", str(YEAR), "--format", "html", "--out", str(tmp_path / "r.html"))
    after = datetime.now(timezone.utc)
    assert done.exit_code == 0, done.output
    report = Document((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert_figures_are_those_of_sql(portal.engine, report, YEAR, before, after)
    assert_lists_are_those_of_sql(portal.engine, report, YEAR)
