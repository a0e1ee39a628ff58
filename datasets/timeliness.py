"""Timeliness: does each dataset keep its promised update frequency?

A dataset promises a frequency (EU authority table codes, metadata.vocab.FREQUENCIES). Its next
release is due one period after its last published release (or after its creation, when it has
none yet). It is "due soon" in the last fifth of the period (at most 30 days), "overdue" once the
due moment has passed. Frequencies that promise no date (irregular, never, unknown) are
"no promise"; "continuously updated" is held to a daily release.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Sequence

from sqlalchemy.engine import Engine

from metadata.records import Dataset, Publisher, Release
from metadata.vocab import FREQUENCIES

STATES = ("on_time", "due_soon", "overdue", "no_promise")
CONTINUOUS_DAYS = 1
MAX_WARNING = timedelta(days=30)


@dataclass(frozen=True)
class Timeliness:
    """Where a dataset stands against its promise at one moment."""

    state: str  # one of STATES
    frequency: str
    last_release: datetime | None
    due: datetime | None
    days_left: int | None  # negative when overdue


def period(frequency: str) -> timedelta | None:
    """Return how long may pass between two releases (None: no promise a clock can check)."""
    if frequency == "UPDATE_CONT":
        return timedelta(days=CONTINUOUS_DAYS)
    found = FREQUENCIES.get(frequency)
    return timedelta(days=found.days) if found and found.days else None


def warning(length: timedelta) -> timedelta:
    """Return how long before the due moment a dataset counts as due soon."""
    return min(length / 5, MAX_WARNING)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def assess(frequency: str, *, last_release: datetime | None, since: datetime | None,
           now: datetime) -> Timeliness:
    """Return the state of a dataset with this frequency, last release and creation, at `now`."""
    length = period(frequency)
    start = last_release or since
    if length is None or start is None:
        return Timeliness("no_promise", frequency, last_release, None, None)
    now, due = _utc(now), _utc(start) + length
    left = due - now
    days_left = left.days if left >= timedelta(0) else -((-left).days + (1 if (-left).seconds else 0))
    if now > due:
        state = "overdue"
    elif now >= due - warning(length):
        state = "due_soon"
    else:
        state = "on_time"
    return Timeliness(state, frequency, last_release, due, days_left)


def last_published(releases: Iterable[Release], *, before: datetime | None = None) -> datetime | None:
    """Return when the newest published release (made before `before`) appeared."""
    times = [_utc(r.created_at) for r in releases if r.status == "published"
             and (before is None or _utc(r.created_at) <= before)]
    return max(times, default=None)


def assess_dataset(dataset: Dataset, releases: Sequence[Release], *, now: datetime) -> Timeliness:
    """Return the dataset's state at `now` from its own releases."""
    return assess(dataset.frequency, last_release=last_published(releases, before=now),
                  since=dataset.created_at, now=now)


@dataclass(frozen=True)
class Entry:
    """A dataset, its publisher and its timeliness, for pages and feeds."""

    dataset: Dataset
    publisher: Publisher
    timeliness: Timeliness


def overview(engine: Engine, *, now: datetime | None = None) -> list[Entry]:
    """Return every dataset's timeliness, overdue first, then by due date."""
    from datasets import catalog
    from publishers.registry import list_publishers

    now = now or datetime.now(timezone.utc)
    publishers = {p.id: p for p in list_publishers(engine)}
    entries = [Entry(d, publishers[d.publisher_id],
                     assess_dataset(d, catalog.list_releases(engine, d.id), now=now))
               for d in catalog.list_datasets(engine)]
    order = {state: i for i, state in enumerate(("overdue", "due_soon", "on_time", "no_promise"))}
    far = datetime.max.replace(tzinfo=timezone.utc)
    entries.sort(key=lambda e: (order[e.timeliness.state], e.timeliness.due or far, e.dataset.slug))
    return entries


def month_ends(now: datetime, count: int) -> list[datetime]:
    """Return the ends of the last `count` months up to now (the last one is now itself)."""
    ends = [now]
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while len(ends) < count:
        ends.append(first - timedelta(microseconds=1))
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(ends))


@dataclass(frozen=True)
class HistoryPoint:
    """A publisher's promises at one moment: how many datasets in each state."""

    at: datetime
    counts: dict[str, int]

    @property
    def share_on_time(self) -> float | None:
        """Return the percentage of checkable datasets not overdue (None if none is checkable)."""
        checkable = sum(self.counts[s] for s in ("on_time", "due_soon", "overdue"))
        if not checkable:
            return None
        return round(100 * (checkable - self.counts["overdue"]) / checkable, 1)


def history(datasets: Sequence[tuple[Dataset, Sequence[Release]]], *, now: datetime,
            months: int = 12) -> list[HistoryPoint]:
    """Return, at each month end, how many datasets were in each state (from release dates)."""
    points = []
    for at in month_ends(_utc(now), months):
        counts = dict.fromkeys(STATES, 0)
        for dataset, releases in datasets:
            if dataset.created_at is not None and _utc(dataset.created_at) > at:
                continue  # it did not exist yet
            counts[assess_dataset(dataset, releases, now=at).state] += 1
        points.append(HistoryPoint(at, counts))
    return points
