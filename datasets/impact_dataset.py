"""The impact figures as open data: the dataset `vazdeystvie-na-portala`, one release per change.

The figures go through the normal publish pipeline (datasets/publish.py), so they are validated
against the `indicators` profile and get the same atomic publish, feeds, DCAT, /sql/, diff and
downloads as any dataset. One row per month × scope × indicator:

- policy: "portal" for the whole portal, else the publisher's slug;
- indicator: the indicator's key (datasets/impact.py; titles and definitions in docs/impact.md);
- unit, period (YYYY-MM), baseline (the scope's mean over the baseline period), target (the
  portal's target for that year), actual (empty: not measured), source (the methodology version).

Only complete months are published (up to the end of the previous month), from the month the
first publisher was registered, at most MAX_MONTHS back: a month's figures are then final, and
publishing again with nothing changed makes no new release (the release notes carry a
fingerprint of the figures). The dataset belongs to the portal's first publisher (the lowest id:
on a municipal portal, the municipality that runs it) unless another is named on first run.
"""
from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from datasets import catalog
from datasets.impact import IMPACT_SLUG, INDICATORS, all_figures, baseline, month_start, months
from datasets.impact_methodology import Methodology, current
from datasets.instance import Instance
from datasets.publish import Upload, publish
from publishers.store import publishers

MAX_MONTHS = 36
COLUMNS = ("policy", "indicator", "unit", "period", "baseline", "target", "actual", "source")
FINGERPRINT = "figures:"
TITLE = ("Въздействие на портала: показатели за участие", "Impact of the portal: participation indicators")
DESCRIPTION = (
    "Месечни показатели за участието на гражданите, изчислени от записите на портала: искания и "
    "отговори, навременност, качество на метаданните, издания, използване, коментари и абонати, "
    "за целия портал и за всеки издател, с базова стойност и цел. Само бройки, без лични данни. "
    "Методиката е на страницата „Въздействие“ (/impact).",
    "Monthly indicators of citizens' participation computed from the portal's own records: requests "
    "and answers, timeliness, metadata quality, releases, use, comments and subscribers, for the "
    "whole portal and each publisher, with baseline and target. Counts only, no personal data. The "
    "methodology is on the Impact page (/impact).",
)


@dataclass(frozen=True)
class Published:
    """What `publish_figures` did."""

    version: int | None  # the new release, or None when nothing changed
    latest: int | None  # the dataset's newest release after the call
    rows: int
    first: date
    last: date


def period(engine: Engine, *, now: datetime) -> tuple[date, date] | None:
    """Return the months published: the first publisher's month to last month (None: none complete)."""
    with engine.connect() as conn:
        first = conn.execute(sa.select(sa.func.min(publishers.c.created_at))).scalar()
    last = month_start(month_start(now.date()) - timedelta(days=1))
    if first is None:
        return None
    earliest = date(last.year - MAX_MONTHS // 12, last.month, 1)
    start = max(month_start(first.date()), months(earliest, last)[-MAX_MONTHS])
    return (start, last) if start <= last else None


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def figures_csv(engine: Engine, *, now: datetime | None = None,
                methodology: Methodology | None = None) -> tuple[str, int, date, date] | None:
    """Return the figures as CSV text, its row count and its months (None: no complete month)."""
    now = now or datetime.now(timezone.utc)
    found = period(engine, now=now)
    if found is None:
        return None
    start, end = found
    methodology = methodology or current(engine)
    figures_from = min(start, methodology.baseline_start or start)
    figures = all_figures(engine, start=figures_from, end=end, now=now)
    units = {i.key: i.unit.bg for i in INDICATORS}
    scopes: dict[str | None, list] = {}
    for figure in figures:
        scopes.setdefault(figure.publisher, []).append(figure)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = 0
    source = f"Открито, методика v{methodology.version}"
    for scope, own in scopes.items():
        bases = {i.key: (baseline(own, i.key, methodology.baseline_start, methodology.baseline_end)
                         if methodology.baseline_start and methodology.baseline_end else None) for i in INDICATORS}
        for figure in own:
            if figure.month < start:
                continue  # read only for the baseline
            writer.writerow((scope or "portal", figure.indicator, units[figure.indicator],
                             figure.month.strftime("%Y-%m"), _number(bases[figure.indicator]),
                             _number(methodology.target(figure.indicator, figure.month.year)),
                             _number(figure.value), source))
            rows += 1
    return out.getvalue(), rows, start, end


def _owner(engine: Engine, publisher: str | None) -> str:
    if publisher is not None:
        return publisher
    with engine.connect() as conn:
        slug = conn.execute(sa.select(publishers.c.slug).order_by(publishers.c.id).limit(1)).scalar()
    if slug is None:
        from metadata.errors import NotFound

        raise NotFound("impact.no-publisher")
    return slug


def ensure_dataset(engine: Engine, *, publisher: str | None = None, actor: str = "cli") -> None:
    if catalog.find_dataset(engine, IMPACT_SLUG) is None:
        catalog.create_dataset(
            engine, IMPACT_SLUG, publisher=_owner(engine, publisher), title_bg=TITLE[0], title_en=TITLE[1],
            description_bg=DESCRIPTION[0], description_en=DESCRIPTION[1], profile="indicators",
            frequency="MONTHLY", themes=("GOVE",), keywords=("участие", "въздействие", "показатели"),
            actor=actor)


def publish_figures(instance: Instance, engine: Engine, *, publisher: str | None = None, actor: str = "cli",
                    now: datetime | None = None) -> Published:
    """Publish the figures as the dataset's next release, creating the dataset on first run.

    Nothing is published when the figures are those of the newest release already.
    """
    from metadata.errors import NotFound

    now = now or datetime.now(timezone.utc)
    built = figures_csv(engine, now=now)
    if built is None:
        raise NotFound("impact.no-months")
    text, rows, first, last = built
    ensure_dataset(engine, publisher=publisher, actor=actor)
    dataset = catalog.get_dataset(engine, IMPACT_SLUG)
    # Short: release notes are shown on narrow screens, and one unbreakable token must fit a phone.
    fingerprint = FINGERPRINT + hashlib.sha256(text.encode()).hexdigest()[:16]
    newest = catalog.latest_release(engine, dataset.id)
    if newest is not None and fingerprint in newest.notes:
        return Published(None, newest.version, rows, first, last)
    notes = f"Показатели за {first:%Y-%m} – {last:%Y-%m} / Figures for {first:%Y-%m} to {last:%Y-%m}. {fingerprint}"
    with tempfile.TemporaryDirectory(dir=instance.tmp) as folder:
        path = Path(folder) / f"{IMPACT_SLUG}.csv"
        path.write_text(text, encoding="utf-8")
        outcome = publish(instance, engine, Upload(path, path.name), dataset=IMPACT_SLUG, notes=notes, actor=actor)
    return Published(outcome.version, outcome.version, rows, first, last)
