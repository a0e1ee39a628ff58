"""monthly_figures agrees with the indicators computed independently (plain SQL over the
catalog, tests/impact/independent.py) for the seeded demo, on SQLite and on PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from app.cli.demo import seed
from app.state import Portal
from datasets.impact import INDICATOR_KEYS, INDICATORS, baseline, monthly_figures, months, status
from publishers.registry import list_publishers
from tests.impact.independent import expected

pytestmark = pytest.mark.catalogs


def test_every_indicator_matches_plain_sql_for_the_portal_and_each_publisher(portal: Portal) -> None:
    lines = list(seed(portal))
    assert any("history" in line for line in lines)
    now = datetime.now(timezone.utc)
    # From two months before the history (not measured: the portal had not opened) to next month.
    first = (now.date().replace(day=1) - timedelta(days=8 * 31)).replace(day=1)
    last = (now.date().replace(day=1) + timedelta(days=32)).replace(day=1)
    shown = months(first, last)
    scopes = [(None, None)] + [(p.slug, p.id) for p in list_publishers(portal.engine)]
    for slug, publisher_id in scopes:
        figures = monthly_figures(portal.engine, start=first, end=last, publisher=slug, now=now)
        keys = [i.key for i in INDICATORS if slug is None or i.per_publisher]
        assert [(f.month, f.indicator) for f in figures] == [(m, k) for m in shown for k in keys]
        want = expected(portal.engine, shown, publisher_id=publisher_id, now=now)
        got = {(f.indicator, f.month): f.value for f in figures}
        assert got == {key: want.get(key) for key in got}, slug
    portal_figures = monthly_figures(portal.engine, start=first, end=last, now=now)
    by_key = {(f.indicator, f.month): f.value for f in portal_figures}
    # The seeded history shows real series: six measured months with requests, answers and use.
    measured = [m for m in shown if by_key[("page_views", m)] is not None]
    assert len(measured) >= 7 and sum(by_key[("requests_filed", m)] for m in measured) >= 20
    assert sum(1 for m in measured if by_key[("answer_days_median", m)] is not None) >= 5
    assert by_key[("subscribers_confirmed", shown[0])] is None  # before the portal opened: not measured
    assert all(by_key[(k, last)] is None for k in INDICATOR_KEYS)  # a month still to come


def test_status_follows_the_stated_rule() -> None:
    from datasets.impact import Figure

    def figures(values: list[float | None]) -> list[Figure]:
        return [Figure("page_views", date(2026, m + 1, 1), None, v) for m, v in enumerate(values)]

    now = datetime(2026, 7, 15, tzinfo=timezone.utc)  # June is the latest complete month
    series = figures([100, 110, 120, 150, 160, 170, 5])  # July so far does not count
    assert baseline(series, "page_views", date(2026, 1, 1), date(2026, 3, 1)) == 110
    # Path in June: 110 + (230 - 110) × 6/12 = 170; mean of April–June = 160: behind.
    behind = status(series, "page_views", baseline_start=date(2026, 1, 1), baseline_end=date(2026, 3, 1),
                    target=230, year=2026, now=now)
    assert (behind.state, behind.expected, behind.recent, behind.month) == ("behind", 170, 160, date(2026, 6, 1))
    on_track = status(series, "page_views", baseline_start=date(2026, 1, 1), baseline_end=date(2026, 3, 1),
                      target=210, year=2026, now=now)  # path 160: the mean is on it
    assert (on_track.state, on_track.expected) == ("on_track", 160)
    # Lower is better for days to an answer: below the path is on track.
    days = [Figure("answer_days_median", date(2026, m + 1, 1), None, v) for m, v in enumerate([20, 20, 20, 9, 9, 9])]
    lower = status(days, "answer_days_median", baseline_start=date(2026, 1, 1), baseline_end=date(2026, 3, 1),
                   target=4, year=2026, now=now)
    assert (lower.state, lower.expected) == ("on_track", 12)
    assert status(series, "page_views", baseline_start=None, baseline_end=None, target=230, year=2026,
                  now=now).state == "no_target"
    assert status(figures([None] * 7), "page_views", baseline_start=date(2026, 1, 1), baseline_end=date(2026, 3, 1),
                  target=230, year=2026, now=now).state == "not_measured"
