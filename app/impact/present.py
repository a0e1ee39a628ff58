"""What the impact page shows of each indicator: its series as chart data, its status, its texts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

from datasets.impact import Figure, Indicator, Status, expected_value, next_month, series


@dataclass(frozen=True)
class Panel:
    """One indicator on the page."""

    indicator: Indicator
    status: Status
    figures: tuple[Figure, ...]
    chart: dict[str, Any]  # for charts.js: kind, labels, series of {name, values}


def panel(indicator: Indicator, status: Status, figures: Sequence[Figure], *, lang: str,
          year: int, names: dict[str, str]) -> Panel:
    """Return the indicator's panel: its monthly values, the baseline and the path to the target."""
    own = tuple(series(figures, indicator.key))
    labels = [f.month.strftime("%Y-%m") for f in own]
    lines = [{"name": names["actual"], "values": [f.value for f in own]}]
    if status.baseline is not None:
        lines.append({"name": names["baseline"], "values": [status.baseline] * len(own)})
        if status.target is not None:
            lines.append({"name": names["path"], "values": [
                round(expected_value(status.baseline, status.target, f.month), 1) if f.month.year == year else None
                for f in own]})
    return Panel(indicator, status, own, {"kind": "line", "unit": indicator.unit.get(lang),
                                          "labels": labels, "series": lines})


def shown_months(opened: date | None, today: date, baseline_start: date | None) -> tuple[date, date]:
    """Return the months the page shows: twelve up to this one, from the baseline if it is earlier,
    never before the portal opened."""
    first = next_month(date(today.year - 1, today.month, 1))
    if baseline_start is not None:
        first = min(first, baseline_start)
    if opened is not None:
        first = max(first, opened.replace(day=1))
    return min(first, today.replace(day=1)), today.replace(day=1)
