"""Timeliness rules for every EU frequency value the portal offers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from datasets.timeliness import assess, assess_dataset, history, period
from metadata.messages import Text
from metadata.records import Dataset, Release
from metadata.vocab import FREQUENCIES

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)

# frequency -> (days after the last release: expected state), on both sides of each boundary
CASES: dict[str, list[tuple[float, str]]] = {
    "DAILY": [(0.5, "on_time"), (0.85, "due_soon"), (1.01, "overdue")],
    "UPDATE_CONT": [(0.5, "on_time"), (0.85, "due_soon"), (1.5, "overdue")],
    "WEEKLY": [(5, "on_time"), (6, "due_soon"), (7.1, "overdue")],
    "MONTHLY": [(24, "on_time"), (25, "due_soon"), (31.5, "overdue")],
    "QUARTERLY": [(73, "on_time"), (74, "due_soon"), (93, "overdue")],
    "ANNUAL_2": [(152, "on_time"), (154, "due_soon"), (184, "overdue")],
    "ANNUAL": [(335, "on_time"), (337, "due_soon"), (367, "overdue")],
    "BIENNIAL": [(700, "on_time"), (702, "due_soon"), (732, "overdue")],
    "IRREG": [(1, "no_promise"), (5000, "no_promise")],
    "NEVER": [(1, "no_promise"), (5000, "no_promise")],
    "UNKNOWN": [(1, "no_promise"), (5000, "no_promise")],
}


def test_the_table_of_cases_covers_every_frequency_the_portal_offers() -> None:
    assert sorted(CASES) == sorted(FREQUENCIES)


@pytest.mark.parametrize("frequency,elapsed,expected",
                         [(f, d, s) for f, cases in CASES.items() for d, s in cases])
def test_a_dataset_is_on_time_due_soon_or_overdue_by_its_frequency(
        frequency: str, elapsed: float, expected: str) -> None:
    last = NOW - timedelta(days=elapsed)
    assert assess(frequency, last_release=last, since=None, now=NOW).state == expected


@pytest.mark.parametrize("frequency", [f for f in FREQUENCIES if period(f) is not None])
def test_the_due_date_is_one_period_after_the_last_release(frequency: str) -> None:
    last = NOW - timedelta(days=3)
    found = assess(frequency, last_release=last, since=None, now=NOW)
    assert found.due == last + period(frequency)


def test_days_left_are_negative_when_overdue() -> None:
    found = assess("WEEKLY", last_release=NOW - timedelta(days=10), since=None, now=NOW)
    assert (found.state, found.days_left) == ("overdue", -3)


def test_a_dataset_without_releases_is_measured_from_its_creation() -> None:
    assert assess("MONTHLY", last_release=None, since=NOW - timedelta(days=40), now=NOW).state == "overdue"
    assert assess("MONTHLY", last_release=None, since=NOW - timedelta(days=2), now=NOW).state == "on_time"


def _dataset(frequency: str, created: datetime) -> Dataset:
    return Dataset(1, "d", 1, Text("Н", "D"), Text("", ""), frequency=frequency, created_at=created)


def _release(version: int, at: datetime, status: str = "published") -> Release:
    return Release(version, 1, version, at, "", 1, (), status=status)


def test_a_withdrawn_release_does_not_count_as_an_update() -> None:
    dataset = _dataset("WEEKLY", NOW - timedelta(days=60))
    releases = [_release(2, NOW - timedelta(days=1), "withdrawn"), _release(1, NOW - timedelta(days=20))]
    assert assess_dataset(dataset, releases, now=NOW).state == "overdue"


def test_releases_made_after_the_moment_asked_about_are_ignored() -> None:
    dataset = _dataset("WEEKLY", NOW - timedelta(days=60))
    releases = [_release(1, NOW - timedelta(days=20)), _release(2, NOW)]
    assert assess_dataset(dataset, releases, now=NOW - timedelta(days=1)).state == "overdue"
    assert assess_dataset(dataset, releases, now=NOW).state == "on_time"


def test_the_history_counts_states_at_each_month_end_and_skips_datasets_not_yet_created() -> None:
    old = _dataset("MONTHLY", datetime(2026, 1, 1, tzinfo=timezone.utc))
    new = _dataset("MONTHLY", datetime(2026, 5, 20, tzinfo=timezone.utc))
    releases = [_release(1, datetime(2026, 3, 10, tzinfo=timezone.utc))]
    points = history([(old, releases), (new, [])], now=NOW, months=4)
    assert [p.at.strftime("%Y-%m-%d") for p in points] == ["2026-03-31", "2026-04-30", "2026-05-31",
                                                         "2026-06-15"]
    assert [p.counts["overdue"] for p in points] == [0, 1, 1, 1]
    assert [sum(p.counts.values()) for p in points] == [1, 1, 2, 2]
    assert [p.share_on_time for p in points] == [100.0, 0.0, 50.0, 50.0]
    assert points[-1].counts["due_soon"] == 1
