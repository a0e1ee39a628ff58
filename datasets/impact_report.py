"""The yearly impact report as data: the methodology in force, every indicator's months of the
year with its baseline, target, status and change since the baseline, and the year's published
datasets and answered requests.

The command line, the /impact/<year> page and the PDF all render this one object, so their
figures are the same. The figures are datasets/impact.py's; the lists hold only public fields
(no requester's e-mail address, name or network address: the feedback table keeps no name, and
its e-mail column is never selected here).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from datasets import catalog
from datasets.impact import (
    ANSWER_ACTIONS,
    IMPACT_SLUG,
    RULE,
    Figure,
    Indicator,
    Status,
    expected_value,
    monthly_figures,
    next_month,
    series,
)
from datasets.impact_methodology import Methodology, current, statuses_of
from metadata.errors import InvalidInput
from metadata.messages import Text
from metadata.records import Publisher
from publishers.participation_store import feedback, feedback_events
from publishers.registry import get_publisher, list_publishers
from publishers.store import publishers as publishers_table


@dataclass(frozen=True)
class Change:
    """An indicator's year against its baseline, over the year's complete, measured months."""

    mean: float | None
    latest: float | None
    latest_month: date | None
    mean_diff: float | None
    mean_percent: float | None
    latest_diff: float | None
    latest_percent: float | None


@dataclass(frozen=True)
class Section:
    """One indicator in the report: its twelve months, where it stands, what changed."""

    indicator: Indicator
    figures: tuple[Figure, ...]  # January to December of the year
    path: tuple[float | None, ...]  # the straight path from baseline to target, per month
    status: Status
    change: Change


@dataclass(frozen=True)
class DatasetLine:
    """A dataset with at least one release in the year."""

    slug: str
    title: Text
    publisher: Text
    first_release: date
    releases: int  # releases made in the year
    new: bool  # its first release is in the year


@dataclass(frozen=True)
class RequestLine:
    """A public data request first answered in the year (no requester's details)."""

    id: int
    title: str
    publisher: Text
    filed: datetime
    answered: datetime
    days: float
    outcome: str  # "answered", "fulfilled" or "declined"


@dataclass(frozen=True)
class Report:
    year: int
    publisher: Publisher | None
    methodology: Methodology
    rule: Text
    sections: tuple[Section, ...]
    datasets: tuple[DatasetLine, ...]
    requests: tuple[RequestLine, ...]
    generated_at: datetime


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def opening_year(engine: Engine, *, now: datetime) -> int:
    """Return the year the portal opened (its first publisher's registration; this year if none)."""
    with engine.connect() as conn:
        opened = conn.execute(sa.select(sa.func.min(publishers_table.c.created_at))).scalar()
    return _utc(opened).year if opened is not None else now.year


def check_year(engine: Engine, raw: str | int, *, now: datetime | None = None) -> int:
    """Return the report's year: a number from the portal's opening year to this year."""
    now = _utc(now or datetime.now(timezone.utc))
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 4:  # "²" is a digit int() cannot read
        raise InvalidInput("impact.report-bad-year", value=raw)
    year, opened = int(text), opening_year(engine, now=now)
    if year > now.year:
        raise InvalidInput("impact.report-future", year=year, now=now.year)
    if year < opened:
        raise InvalidInput("impact.report-before-opening", year=year, opened=opened)
    return year


def _round1(value: float) -> float:
    return round(value + 0.0, 1)


def _versus(value: float | None, base: float | None) -> tuple[float | None, float | None]:
    if value is None or base is None:
        return None, None
    return _round1(value - base), (_round1(100 * (value - base) / base) if base else None)


def change(own: list[Figure], base: float | None, *, now: datetime) -> Change:
    """Return the year's mean and latest complete month against the baseline."""
    complete = [f for f in own if f.value is not None
                and datetime.combine(next_month(f.month), datetime.min.time(), timezone.utc) <= now]
    mean = _round1(sum(f.value for f in complete) / len(complete)) if complete else None
    latest = complete[-1] if complete else None
    latest_value = float(latest.value) if latest else None
    return Change(mean, latest_value, latest.month if latest else None,
                  *_versus(mean, base), *_versus(latest_value, base))


def _sections(engine: Engine, year: int, publisher: str | None, methodology: Methodology,
              now: datetime) -> tuple[Section, ...]:
    first = date(year, 1, 1)
    if methodology.baseline_start is not None:
        first = min(first, methodology.baseline_start)
    figures = monthly_figures(engine, start=first, end=date(year, 12, 1), publisher=publisher, now=now)
    found = []
    for item, where in statuses_of(figures, methodology, year=year, publisher=publisher, now=now):
        own = [f for f in series(figures, item.key) if f.month.year == year]
        path = tuple(_round1(expected_value(where.baseline, where.target, f.month))
                     if where.baseline is not None and where.target is not None else None for f in own)
        found.append(Section(item, tuple(own), path, where, change(own, where.baseline, now=now)))
    return tuple(found)


def _bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=timezone.utc), datetime(year + 1, 1, 1, tzinfo=timezone.utc)


def published_datasets(engine: Engine, year: int, *, publisher_id: int | None = None) -> tuple[DatasetLine, ...]:
    """Return the datasets with releases in the year, by title (the impact dataset left out, as in
    the indicators)."""
    begin, stop = _bounds(year)
    names = {p.id: p.name for p in list_publishers(engine)}
    found = []
    for dataset in catalog.list_datasets(engine, publisher_id=publisher_id):
        if dataset.slug == IMPACT_SLUG:
            continue
        made = [_utc(r.created_at) for r in catalog.list_releases(engine, dataset.id)]
        inside = [at for at in made if begin <= at < stop]
        if inside:
            first = min(made)
            found.append(DatasetLine(dataset.slug, dataset.title, names[dataset.publisher_id], first.date(),
                                     len(inside), begin <= first < stop))
    return tuple(found)


def answered_requests(engine: Engine, year: int, *, publisher_id: int | None = None) -> tuple[RequestLine, ...]:
    """Return the public requests first answered in the year, by answer."""
    begin, stop = _bounds(year)
    names = {p.id: p.name for p in list_publishers(engine)}
    query = (sa.select(feedback.c.id, feedback.c.title, feedback.c.publisher_id, feedback.c.created_at,
                       feedback_events.c.at, feedback_events.c.action)
             .join(feedback_events, feedback_events.c.feedback_id == feedback.c.id)
             .where(feedback.c.kind == "request", feedback.c.moderation == "approved",
                    feedback_events.c.action.in_(ANSWER_ACTIONS))
             .order_by(feedback_events.c.at, feedback_events.c.id))
    if publisher_id is not None:
        query = query.where(feedback.c.publisher_id == publisher_id)
    first: dict[int, sa.Row] = {}
    with engine.connect() as conn:
        for row in conn.execute(query):
            first.setdefault(row.id, row)  # the first answer: a request reopened and answered again counts once
    found = []
    for row in first.values():
        filed, answered = _utc(row.created_at), _utc(row.at)
        if begin <= answered < stop:
            found.append(RequestLine(row.id, row.title, names[row.publisher_id], filed, answered,
                                     _round1((answered - filed).total_seconds() / 86400), row.action))
    return tuple(sorted(found, key=lambda r: (r.answered, r.id)))


def build(engine: Engine, year: int | str, *, publisher: str | None = None, now: datetime | None = None) -> Report:
    """Return the report for a year (checked by check_year), for the portal or one publisher's slug."""
    now = _utc(now or datetime.now(timezone.utc))
    year = check_year(engine, year, now=now)
    chosen = get_publisher(engine, publisher) if publisher else None  # NotFound for an unknown slug
    methodology = current(engine)
    owner = chosen.id if chosen else None
    return Report(year, chosen, methodology, RULE, _sections(engine, year, publisher, methodology, now),
                  published_datasets(engine, year, publisher_id=owner),
                  answered_requests(engine, year, publisher_id=owner), now)
