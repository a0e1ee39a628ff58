"""Impact evaluation: participation indicators per month, computed from the portal's own records.

Stable API (the impact page, the impact dataset and the yearly report build on it):

- INDICATORS: the indicators, in display order; INDICATOR_KEYS; indicator(key).
- monthly_figures(engine, *, start, end, publisher=None) -> list[Figure]: one Figure per indicator
  per month from start's month to end's month (both included), for the whole portal
  (publisher=None) or one publisher (its slug; portal-only indicators are then left out).
  Figure.value is None when the indicator was not measured in that month — never 0 for unknown.
- all_figures(engine, *, start, end) -> list[Figure]: the portal's figures, then each publisher's.
- baseline(figures, key, start, end) -> float | None: the mean monthly value over a period.
- status(figures, key, *, baseline_start, baseline_end, target, year, now=None) -> Status: on track /
  behind against the baseline and the year's target, by RULE (STATUS_RULE in metadata.messages_impact),
  over complete months only; status_year(now) is the year of the latest complete month.
- months(start, end) -> list[date]: the 1st of each month in the range.

Months are calendar months in UTC. Months still to come, and months over before the first
publisher was registered (the portal's opening), are not measured. Every figure is a count or a statistic of counts: no e-mail,
address or name enters a Figure. The impact dataset itself (IMPACT_SLUG) is left out of the
dataset indicators, so publishing the figures does not change them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from statistics import median
from typing import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from datasets import timeliness
from metadata import quality
from metadata.messages import Text
from metadata.messages_impact import INDICATOR_TEXTS, STATUS_RULE, STATUS_TEXTS
from publishers.follow_store import follow_subscriptions
from publishers.participation_store import feedback, feedback_events, usage_daily
from publishers.store import publishers as publishers_table

IMPACT_SLUG = "vazdeystvie-na-portala"
ANSWER_ACTIONS = ("answered", "fulfilled", "declined")


@dataclass(frozen=True)
class Indicator:
    """What an indicator measures and how to read it."""

    key: str
    title: Text
    definition: Text
    unit: Text
    direction: str  # "higher" or "lower": which way is better
    per_publisher: bool  # False: measured for the whole portal only
    kind: str  # "count" (integer), "days" or "percent" (one decimal)


def _indicator(key: str, direction: str, per_publisher: bool, kind: str) -> Indicator:
    title_bg, title_en, def_bg, def_en, unit_bg, unit_en = INDICATOR_TEXTS[key]
    return Indicator(key, Text(title_bg, title_en), Text(def_bg, def_en), Text(unit_bg, unit_en),
                     direction, per_publisher, kind)


INDICATORS: tuple[Indicator, ...] = (
    _indicator("requests_filed", "higher", True, "count"),
    _indicator("requests_answered", "higher", True, "count"),
    _indicator("answer_days_median", "lower", True, "days"),
    _indicator("answer_days_p90", "lower", True, "days"),
    _indicator("on_time_share", "higher", True, "percent"),
    _indicator("quality_average", "higher", True, "percent"),
    _indicator("datasets_published", "higher", True, "count"),
    _indicator("releases_published", "higher", True, "count"),
    _indicator("page_views", "higher", True, "count"),
    _indicator("downloads", "higher", True, "count"),
    _indicator("api_calls", "higher", True, "count"),
    _indicator("comments_published", "higher", True, "count"),
    _indicator("subscribers_confirmed", "higher", False, "count"),
)
INDICATOR_KEYS: tuple[str, ...] = tuple(i.key for i in INDICATORS)
_BY_KEY = {i.key: i for i in INDICATORS}
RULE = Text(*STATUS_RULE)
STATUS_LABELS = {state: Text(*texts) for state, texts in STATUS_TEXTS.items()}


def indicator(key: str) -> Indicator:
    """Return the indicator with this key (InvalidInput with the known keys if there is none)."""
    from metadata.errors import InvalidInput

    if key not in _BY_KEY:
        raise InvalidInput("impact.unknown-indicator", key=key, known=", ".join(INDICATOR_KEYS))
    return _BY_KEY[key]


@dataclass(frozen=True)
class Figure:
    """One indicator's value in one month, for the portal (publisher None) or one publisher."""

    indicator: str
    month: date  # the 1st of the month
    publisher: str | None
    value: int | float | None  # None: not measured


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def months(start: date, end: date) -> list[date]:
    """Return the 1st of every month from start's month to end's month, both included."""
    found, month = [], month_start(start)
    while month <= month_start(end):
        found.append(month)
        month = next_month(month)
    return found


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _month_of(value: datetime) -> date:
    return month_start(_utc(value).date())


def _moment(month: date) -> datetime:
    return datetime.combine(month, time(), tzinfo=timezone.utc)


def month_end(month: date, *, now: datetime) -> datetime:
    """Return the moment a month's state is taken: its last microsecond, or now if sooner."""
    return min(_moment(next_month(month)) - timedelta(microseconds=1), _utc(now))


def percentile(values: Sequence[float], share: float) -> float:
    """Return the nearest-rank percentile: the ceil(share × n)-th smallest value."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def _days(start: datetime, end: datetime) -> float:
    return (_utc(end) - _utc(start)).total_seconds() / 86400


class _Records:
    """The records every indicator reads, loaded once for a range of months."""

    def __init__(self, engine: Engine, *, start: date, end: date, publisher_id: int | None) -> None:
        from datasets import catalog
        from publishers.registry import list_publishers

        self.first, self.stop = _moment(month_start(start)), _moment(next_month(month_start(end)))
        self.publisher_id = publisher_id
        self.publishers = {p.id: p for p in list_publishers(engine)}
        with engine.connect() as conn:
            opened = conn.execute(sa.select(sa.func.min(publishers_table.c.created_at))).scalar()
        self.opened = _utc(opened) if opened is not None else None  # the first publisher's registration
        self.datasets = [d for d in catalog.list_datasets(engine, publisher_id=publisher_id)
                         if d.slug != IMPACT_SLUG]
        self.releases = {d.id: catalog.list_releases(engine, d.id) for d in self.datasets}
        ids = [d.id for d in self.datasets]
        with engine.connect() as conn:
            self.requests = self._requests(conn)
            self.comments = self._comments(conn)
            self.usage = self._usage(conn, ids)
            self.subscriptions = self._subscriptions(conn) if publisher_id is None else None

    def _own(self, query: sa.Select) -> sa.Select:
        return query if self.publisher_id is None else query.where(feedback.c.publisher_id == self.publisher_id)

    def _requests(self, conn: sa.Connection) -> list[tuple[datetime, datetime | None]]:
        """Each request's filing and first answer (None: not answered yet)."""
        answered = (sa.select(feedback_events.c.feedback_id, sa.func.min(feedback_events.c.at).label("at"))
                    .where(feedback_events.c.action.in_(ANSWER_ACTIONS))
                    .group_by(feedback_events.c.feedback_id).subquery())
        query = self._own(sa.select(feedback.c.created_at, answered.c.at)
                          .outerjoin(answered, answered.c.feedback_id == feedback.c.id)
                          .where(feedback.c.kind == "request", feedback.c.moderation != "rejected"))
        return [(_utc(filed), _utc(at) if at is not None else None) for filed, at in conn.execute(query)]

    def _comments(self, conn: sa.Connection) -> list[datetime]:
        """When each approved comment was approved."""
        query = self._own(sa.select(sa.func.min(feedback_events.c.at))
                          .join(feedback, feedback.c.id == feedback_events.c.feedback_id)
                          .where(feedback.c.kind == "comment", feedback.c.moderation == "approved",
                                 feedback_events.c.action == "approved")
                          .group_by(feedback.c.id))
        return [_utc(at) for (at,) in conn.execute(query)]

    def _usage(self, conn: sa.Connection, ids: list[int]) -> dict[tuple[date, str], int]:
        if not ids:
            return {}
        month = sa.func.substr(usage_daily.c.day, 1, 7)
        query = (sa.select(month, usage_daily.c.kind, sa.func.sum(usage_daily.c.count))
                 .where(usage_daily.c.dataset_id.in_(ids),
                        usage_daily.c.day >= self.first.date().isoformat(),
                        usage_daily.c.day < self.stop.date().isoformat())
                 .group_by(month, usage_daily.c.kind))
        return {(date.fromisoformat(f"{m}-01"), kind): int(total) for m, kind, total in conn.execute(query)}

    def _subscriptions(self, conn: sa.Connection) -> tuple[datetime | None, list[tuple[int, datetime]]]:
        """The first subscription record, and each still-confirmed subscription's confirmation."""
        first = conn.execute(sa.select(sa.func.min(follow_subscriptions.c.created_at))).scalar()
        confirmed = conn.execute(sa.select(follow_subscriptions.c.address_id, follow_subscriptions.c.changed_at)
                                 .where(follow_subscriptions.c.status == "confirmed")).all()
        return (_utc(first) if first is not None else None, [(a, _utc(at)) for a, at in confirmed])


def _round1(value: float) -> float:
    return round(value + 0.0, 1)


def _month_figures(records: _Records, month: date, *, now: datetime) -> dict[str, int | float | None]:
    begin, stop = _moment(month), _moment(next_month(month))
    if begin > _utc(now) or records.opened is None or stop <= records.opened:
        return {}  # a month still to come, or over before the portal opened, is not measured at all
    at = month_end(month, now=now)
    values: dict[str, int | float | None] = {}

    values["requests_filed"] = sum(1 for filed, _ in records.requests if begin <= filed < stop)
    delays = [_days(filed, answered) for filed, answered in records.requests
              if answered is not None and begin <= answered < stop]
    values["requests_answered"] = len(delays)
    values["answer_days_median"] = _round1(median(delays)) if delays else None
    values["answer_days_p90"] = _round1(percentile(delays, 0.9)) if delays else None

    existing = [d for d in records.datasets if d.created_at is None or _utc(d.created_at) <= at]
    states = [timeliness.assess_dataset(d, records.releases[d.id], now=at).state for d in existing]
    checkable = [s for s in states if s != "no_promise"]
    values["on_time_share"] = (_round1(100 * sum(s != "overdue" for s in checkable) / len(checkable))
                               if checkable else None)
    scores = []
    for d in existing:
        published = [r for r in records.releases[d.id] if r.status == "published" and _utc(r.created_at) <= at]
        latest = max(published, key=lambda r: r.version, default=None)
        scores.append(quality.assess(d, latest, records.publishers.get(d.publisher_id)).percent)
    values["quality_average"] = _round1(sum(scores) / len(scores)) if scores else None

    firsts = [min((_utc(r.created_at) for r in records.releases[d.id]), default=None) for d in records.datasets]
    values["datasets_published"] = sum(1 for first in firsts if first is not None and begin <= first < stop)
    values["releases_published"] = sum(1 for d in records.datasets for r in records.releases[d.id]
                                       if begin <= _utc(r.created_at) < stop)
    values["page_views"] = records.usage.get((month, "view"), 0)
    values["downloads"] = records.usage.get((month, "download"), 0)
    values["api_calls"] = records.usage.get((month, "api"), 0)
    values["comments_published"] = sum(1 for approved in records.comments if begin <= approved < stop)

    if records.subscriptions is not None:
        first, confirmed = records.subscriptions
        values["subscribers_confirmed"] = (None if first is None or first > at else
                                           len({address for address, when in confirmed if when <= at}))
    return values


def _publisher_id(engine: Engine, slug: str) -> int:
    from metadata.errors import NotFound

    with engine.connect() as conn:
        found = conn.execute(sa.select(publishers_table.c.id).where(publishers_table.c.slug == slug)).scalar()
    if found is None:
        raise NotFound("catalog.publisher-not-found", slug=slug)
    return found


def monthly_figures(engine: Engine, *, start: date, end: date, publisher: str | None = None,
                    now: datetime | None = None) -> list[Figure]:
    """Return every indicator's figure for each month from start to end, by month then indicator.

    `publisher` is a publisher's slug (None: the whole portal); `now` (default: this moment) is
    when the figures are taken — months after it are not measured.
    """
    now = _utc(now or datetime.now(timezone.utc))
    publisher_id = _publisher_id(engine, publisher) if publisher is not None else None
    records = _Records(engine, start=start, end=end, publisher_id=publisher_id)
    keys = [i.key for i in INDICATORS if publisher is None or i.per_publisher]
    figures = []
    for month in months(start, end):
        values = _month_figures(records, month, now=now)
        figures.extend(Figure(key, month, publisher, values.get(key)) for key in keys)
    return figures


def all_figures(engine: Engine, *, start: date, end: date, now: datetime | None = None) -> list[Figure]:
    """Return the whole portal's figures, then each publisher's (by slug), over the months."""
    now = _utc(now or datetime.now(timezone.utc))
    found = monthly_figures(engine, start=start, end=end, now=now)
    with engine.connect() as conn:
        slugs = conn.execute(sa.select(publishers_table.c.slug).order_by(publishers_table.c.slug)).scalars().all()
    for slug in slugs:
        found.extend(monthly_figures(engine, start=start, end=end, publisher=slug, now=now))
    return found


def series(figures: Iterable[Figure], key: str) -> list[Figure]:
    """Return one indicator's figures, by month."""
    return sorted((f for f in figures if f.indicator == key), key=lambda f: f.month)


def baseline(figures: Iterable[Figure], key: str, start: date, end: date) -> float | None:
    """Return the mean of an indicator's measured monthly values over a period (None: none measured)."""
    values = [f.value for f in series(figures, key)
              if f.value is not None and month_start(start) <= f.month <= month_start(end)]
    return _round1(sum(values) / len(values)) if values else None


@dataclass(frozen=True)
class Status:
    """Where an indicator stands against its path from baseline to target."""

    indicator: str
    state: str  # "on_track", "behind", "no_target" or "not_measured"
    baseline: float | None
    target: float | None
    expected: float | None  # where the path is in the latest measured month
    recent: float | None  # the mean of the latest three measured months
    month: date | None  # the latest measured month

    @property
    def label(self) -> Text:
        return STATUS_LABELS[self.state]


def expected_value(base: float, target: float, month: date) -> float:
    """Return the path's value in a month of the target's year: month 0 (start) is the baseline."""
    return base + (target - base) * month.month / 12


def status_year(now: datetime | None = None) -> int:
    """Return the year whose status is shown: that of the latest complete month."""
    now = _utc(now or datetime.now(timezone.utc))
    return (month_start(now.date()) - timedelta(days=1)).year


def status(figures: Sequence[Figure], key: str, *, baseline_start: date | None, baseline_end: date | None,
           target: float | None, year: int, now: datetime | None = None) -> Status:
    """Return the indicator's status in `year` by RULE, from its figures (whole portal or one publisher).

    Only complete months count (months over by `now`, default this moment): the current month's
    figures so far would pull every count down. The baseline is computed from the same figures,
    so pass figures that cover the baseline period.
    """
    direction = indicator(key).direction
    now = _utc(now or datetime.now(timezone.utc))
    base = (baseline(figures, key, baseline_start, baseline_end)
            if baseline_start is not None and baseline_end is not None else None)
    measured = [f for f in series(figures, key) if f.value is not None and f.month.year == year
                and _moment(next_month(f.month)) <= now]
    if not measured:
        return Status(key, "not_measured", base, target, None, None, None)
    latest = measured[-1].month
    recent = _round1(sum(f.value for f in measured[-3:]) / len(measured[-3:]))
    if target is None or base is None:
        return Status(key, "no_target", base, target, None, recent, latest)
    expected = _round1(expected_value(base, target, latest))
    good = recent >= expected if direction == "higher" else recent <= expected
    return Status(key, "on_track" if good else "behind", base, target, expected, recent, latest)
