"""The impact methodology staff set: a baseline period and yearly targets, with every version kept.

Each change writes a whole new version (publishers/impact_store.py) and an audit event in the same
transaction. Version 0 is the built-in start: no baseline, no targets. Bad input raises
InvalidInput with a bilingual message (metadata/messages_impact.py) and changes nothing.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from datasets.impact import INDICATORS, Figure, Indicator, Status, indicator, monthly_figures, next_month, status
from metadata.errors import InvalidInput
from publishers import audit
from publishers.impact_store import impact_methodology

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_NOTE = 500


@dataclass(frozen=True)
class Methodology:
    """One version of the methodology."""

    version: int
    baseline_start: date | None = None  # the 1st of the first month
    baseline_end: date | None = None  # the 1st of the last month
    targets: dict[int, dict[str, float]] = field(default_factory=dict, hash=False)  # year -> key -> value
    change: str = ""
    created_at: datetime | None = None

    def target(self, key: str, year: int) -> float | None:
        return self.targets.get(year, {}).get(key)


def parse_month(raw: str) -> date:
    """Return the 1st of a month written YYYY-MM."""
    found = _MONTH.match((raw or "").strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2100:
        raise InvalidInput("impact.bad-month", value=raw)
    return date(int(found.group(1)), int(found.group(2)), 1)


def parse_year(raw: str | int) -> int:
    text = str(raw).strip()
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise InvalidInput("impact.bad-year", value=raw)
    return int(text)


def parse_target(raw: str | float) -> float:
    """Return a target value: a finite number (a decimal comma is read as a point)."""
    text = str(raw).strip().replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput("impact.bad-target", value=raw) from None
    if not math.isfinite(value) or value < 0:
        raise InvalidInput("impact.bad-target", value=raw)
    return value


def _targets_text(targets: dict[int, dict[str, float]]) -> str:
    return ";".join(f"{year}:{key}={value:g}" for year in sorted(targets)
                    for key, value in sorted(targets[year].items()))


def _targets_of(text: str) -> dict[int, dict[str, float]]:
    found: dict[int, dict[str, float]] = {}
    for part in filter(None, text.split(";")):
        year, rest = part.split(":", 1)
        key, value = rest.split("=", 1)
        found.setdefault(int(year), {})[key] = float(value)
    return found


def _month(text: str | None) -> date | None:
    return date.fromisoformat(f"{text}-01") if text else None


def _to_methodology(row: sa.Row) -> Methodology:
    created = row.created_at.replace(tzinfo=timezone.utc) if row.created_at.tzinfo is None else row.created_at
    return Methodology(row.version, _month(row.baseline_start), _month(row.baseline_end),
                       _targets_of(row.targets), row.change, created)


def current(engine: Engine) -> Methodology:
    """Return the methodology in force: the newest version, else version 0."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(impact_methodology)
                           .order_by(impact_methodology.c.version.desc()).limit(1)).first()
    return _to_methodology(row) if row else Methodology(0)


def history(engine: Engine) -> list[Methodology]:
    """Return every saved version, newest first (who made each is in the audit log)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(impact_methodology).order_by(impact_methodology.c.version.desc())).all()
    return [_to_methodology(r) for r in rows]


def _save(engine: Engine, *, change: str, actor: str, now: datetime, baseline: tuple[date, date] | None = None,
          target: tuple[int, str, float] | None = None, note: str = "") -> Methodology:
    if len(note) > MAX_NOTE:
        raise InvalidInput("impact.note-too-long", limit=MAX_NOTE)
    with engine.begin() as conn:
        row = conn.execute(sa.select(impact_methodology)
                           .order_by(impact_methodology.c.version.desc()).limit(1)).first()
        latest = _to_methodology(row) if row else Methodology(0)
        start, end = baseline or (latest.baseline_start, latest.baseline_end)
        targets = {year: dict(values) for year, values in latest.targets.items()}
        if target is not None:
            targets.setdefault(target[0], {})[target[1]] = target[2]
        text = change + (f" — {note.strip()}" if note.strip() else "")
        version = latest.version + 1
        conn.execute(impact_methodology.insert().values(
            version=version, baseline_start=start.strftime("%Y-%m") if start else None,
            baseline_end=end.strftime("%Y-%m") if end else None, targets=_targets_text(targets),
            change=text, author=actor, created_at=now))
        audit.record(conn, actor=actor, action="impact.methodology", target=f"impact/{version}",
                     detail={"change": text})
    return current(engine)


def set_baseline(engine: Engine, *, start: str, end: str, actor: str, note: str = "",
                 now: datetime | None = None) -> Methodology:
    """Set the baseline period (months YYYY-MM, both included); it must be over already."""
    now = now or datetime.now(timezone.utc)
    first, last = parse_month(start), parse_month(end)
    if last < first:
        raise InvalidInput("impact.baseline-order", start=start, end=end)
    if next_month(last) > now.date():
        raise InvalidInput("impact.baseline-future", month=last.strftime("%Y-%m"))
    change = f"baseline {first:%Y-%m}..{last:%Y-%m}"
    return _save(engine, change=change, actor=actor, now=now, baseline=(first, last), note=note)


def set_target(engine: Engine, *, key: str, year: str | int, value: str | float, actor: str,
               note: str = "", now: datetime | None = None) -> Methodology:
    """Set an indicator's target for a year: the monthly value to reach by that December."""
    now = now or datetime.now(timezone.utc)
    key = indicator(key).key
    year_number, number = parse_year(year), parse_target(value)
    change = f"target {key} {year_number} = {number:g}"
    return _save(engine, change=change, actor=actor, now=now, target=(year_number, key, number), note=note)


def statuses(engine: Engine, *, year: int, publisher: str | None = None, methodology: Methodology | None = None,
             now: datetime | None = None) -> list[Status]:
    """Return every indicator's status in `year` against the methodology (default: the current one).

    A publisher's status uses its own baseline and the portal's targets (targets are set for the
    portal as a whole).
    """
    methodology = methodology or current(engine)
    first = date(year, 1, 1)
    if methodology.baseline_start is not None:
        first = min(first, methodology.baseline_start)
    figures = monthly_figures(engine, start=first, end=date(year, 12, 1), publisher=publisher, now=now)
    return [found for _, found in statuses_of(figures, methodology, year=year, publisher=publisher, now=now)]


def statuses_of(figures: list[Figure], methodology: Methodology, *, year: int, publisher: str | None = None,
                now: datetime | None = None) -> list[tuple[Indicator, Status]]:
    """Each indicator shown for the portal (or a publisher) with its status in `year`, from figures
    already computed (the page and the report draw them too)."""
    return [(item, status(figures, item.key, baseline_start=methodology.baseline_start,
                          baseline_end=methodology.baseline_end, target=methodology.target(item.key, year),
                          year=year, now=now))
            for item in INDICATORS if publisher is None or item.per_publisher]
