"""A report in plain words: one sentence per kind of error and column, with its count."""
from __future__ import annotations

from collections import Counter
from typing import Any

from datasets.report import Problem, Report
from metadata.messages import Text, text

_TYPED = {"date", "integer", "number"}
_SHAPE = {"missing-cell", "extra-cell", "blank-row"}  # about the row, whichever column


def _titles(schema: dict[str, Any] | None) -> dict[str, tuple[str, str, str]]:
    found = {}
    for field in (schema or {}).get("fields", []):
        title = field.get("title") or field["name"]
        found[field["name"]] = (title, field.get("title_en") or title, field.get("type", "string"))
    return found


def _key(problem: Problem, types: dict[str, tuple[str, str, str]]) -> str:
    code = problem.code
    if code == "type-error" and problem.field in types:
        kind = types[problem.field][2]
        return f"summary.type-error.{kind}" if kind in _TYPED else "summary.type-error"
    if code == "constraint-error" and "задълж" in problem.message.bg.lower():
        return "summary.required"
    if code in ("type-error", "constraint-error"):
        return f"summary.{code}"
    if code in ("unique-error", "primary-key"):
        return "summary.unique"
    if code in _SHAPE:
        return f"summary.{code}"
    return "summary.row" if problem.row else "summary.file"


def summarize(report: Report, schema: dict[str, Any] | None) -> list[tuple[int, Text]]:
    """Return (count, sentence) pairs, most frequent first."""
    titles = _titles(schema)
    groups: Counter[tuple[str, str | None, str]] = Counter()
    examples: dict[tuple[str, str | None, str], Problem] = {}
    seen_rows: set[tuple[tuple[str, str | None, str], int | None]] = set()
    for problem in report.errors:
        field = None if problem.code in _SHAPE else problem.field
        key = (_key(problem, titles), field, problem.code)
        if problem.code in _SHAPE and (key, problem.row) in seen_rows:
            continue  # one row missing three cells is one row
        seen_rows.add((key, problem.row))
        groups[key] += 1
        examples.setdefault(key, problem)
    lines = []
    for (message_id, field, code), count in groups.most_common():
        bg, en, _ = titles.get(field or "", (field or "", field or "", ""))
        if message_id == "summary.file":
            example = examples[(message_id, field, code)].message
            lines.append((count, Text(text(message_id, message=example.bg).bg,
                                      text(message_id, message=example.en).en)))
            continue
        lines.append((count, Text(text(message_id, count=count, field=bg, code=code).bg,
                                  text(message_id, count=count, field=en, code=code).en)))
    return lines


def report_dict(report: Report, schema: dict[str, Any] | None) -> dict[str, Any]:
    """Return the report as plain data (the shape of metadata.schemas.ReportSchema)."""
    return {
        "valid": report.valid, "row_count": report.row_count, "error_count": report.error_count,
        "truncated": report.truncated,
        "summary": [{"count": n, "message": {"bg": t.bg, "en": t.en}}
                    for n, t in summarize(report, schema)],
        "problems": [{"code": p.code, "severity": p.severity, "row": p.row, "field": p.field,
                      "value": p.value, "message": {"bg": p.message.bg, "en": p.message.en}}
                     for p in report.problems],
    }
