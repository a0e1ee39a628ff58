"""Figures worth looking at, computed from release databases for the three built-in profiles.

A chart is plain data (labels and series with bilingual names); pages draw it with a charting
library and print the same numbers as a table, so nothing is only in the picture.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from datasets.preview import columns_of, query, quote
from metadata.messages import Text


@dataclass(frozen=True)
class Series:
    """One line or set of bars."""

    name: Text
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    """A chart: bars or lines over labelled categories."""

    key: str
    kind: str  # "bar" | "line" | "stacked"
    title: Text
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = ""


PLAN = Text("План", "Plan")
AMENDED = Text("Уточнен план", "Amended plan")
EXECUTED = Text("Изпълнение", "Executed")
OUTCOMES = {"adopted": Text("Прието", "Adopted"), "rejected": Text("Отхвърлено", "Rejected"),
            "withdrawn": Text("Оттеглено", "Withdrawn"), "postponed": Text("Отложено", "Postponed")}


def _period_end(period: str) -> int:
    """Return the month a budget period ends in (Q1 → 3, H1 → 6, year → 12, M05 → 5)."""
    ends = {"Q1": 3, "Q2": 6, "H1": 6, "Q3": 9, "Q4": 12, "H2": 12, "year": 12}
    if period in ends:
        return ends[period]
    return int(period[1:]) if period[:1] == "M" and period[1:].isdigit() else 12


def _has(path: Path, table: str, needed: Sequence[str]) -> bool:
    return set(needed) <= columns_of(path, table)


def budget_by_function(path: Path, table: str) -> Chart | None:
    """Plan, amended plan and execution by EBK function in the latest year and period."""
    if not _has(path, table, ("year", "period", "function_code", "plan", "amended_plan", "executed")):
        return None
    t = quote(table)
    rows = query(path, f"select function_code, sum(plan), sum(amended_plan), sum(executed) from {t} "
                       f"where (year, period) = (select year, period from {t} order by year desc, "
                       f"period desc limit 1) group by function_code order by function_code")
    if not rows:
        return None
    return Chart("budget-function", "bar", Text("План и изпълнение по функции", "Plan and execution by function"),
                 tuple(str(r[0]) for r in rows),
                 (Series(PLAN, tuple(r[1] for r in rows)), Series(AMENDED, tuple(r[2] for r in rows)),
                  Series(EXECUTED, tuple(r[3] for r in rows))))


def budget_by_period(paths: Sequence[Path], table: str) -> Chart | None:
    """Totals by year and period across releases (newest release wins for a period)."""
    totals: dict[tuple[int, str], tuple[float, float, float]] = {}
    for path in paths:  # oldest first
        if not _has(path, table, ("year", "period", "plan", "amended_plan", "executed")):
            continue
        for year, period, plan, amended, executed in query(
                path, f"select year, period, sum(plan), sum(amended_plan), sum(executed) "
                      f"from {quote(table)} group by year, period"):
            totals[(year, period)] = (plan, amended, executed)
    if not totals:
        return None
    keys = sorted(totals, key=lambda k: (k[0], _period_end(k[1]), k[1]))
    return Chart("budget-period", "bar", Text("План и изпълнение по периоди", "Plan and execution by period"),
                 tuple(f"{y} {p}" for y, p in keys),
                 tuple(Series(name, tuple(totals[k][i] for k in keys))
                       for i, name in enumerate((PLAN, AMENDED, EXECUTED))))


def indicators(path: Path, table: str) -> list[Chart]:
    """Actual against target and baseline over time, one chart per indicator."""
    if not _has(path, table, ("indicator", "unit", "period", "baseline", "target", "actual")):
        return []
    rows = query(path, f"select indicator, unit, period, baseline, target, actual from {quote(table)} "
                       f"order by indicator, period")
    charts: list[Chart] = []
    for number, name in enumerate(dict.fromkeys(r[0] for r in rows), start=1):
        mine = [r for r in rows if r[0] == name]
        charts.append(Chart(
            f"indicator-{number}", "line", Text(name, name), tuple(str(r[2]) for r in mine),
            (Series(Text("Постигнато", "Actual"), tuple(r[5] for r in mine)),
             Series(Text("Цел", "Target"), tuple(r[4] for r in mine)),
             Series(Text("Базова стойност", "Baseline"), tuple(r[3] for r in mine))),
            unit=str(mine[0][1] or "")))
    return charts


def decisions(path: Path, table: str) -> Chart | None:
    """Decisions per council session, stacked by outcome."""
    if not _has(path, table, ("session_date", "result")):
        return None
    rows = query(path, f"select session_date, result, count(*) from {quote(table)} "
                       f"group by session_date, result order by session_date")
    if not rows:
        return None
    sessions = tuple(dict.fromkeys(str(r[0]) for r in rows))
    outcomes = tuple(dict.fromkeys(r[1] for r in rows))
    counts = {(str(r[0]), r[1]): r[2] for r in rows}
    return Chart("decisions-session", "stacked",
                 Text("Решения по заседания и резултат", "Decisions per session and outcome"), sessions,
                 tuple(Series(OUTCOMES.get(o, Text(o, o)), tuple(float(counts.get((s, o), 0)) for s in sessions))
                       for o in outcomes))


def charts_for(profile: str | None, paths: Sequence[Path], table: str) -> list[Chart]:
    """Return the charts of a dataset from its release databases (oldest first; last is latest)."""
    if not paths:
        return []
    latest = paths[-1]
    if profile == "budget":
        found = [budget_by_function(latest, table), budget_by_period(paths, table)]
        return [c for c in found if c is not None]
    if profile == "indicators":
        return indicators(latest, table)
    if profile == "decisions":
        chart = decisions(latest, table)
        return [chart] if chart else []
    return []
