"""Plain-text rendering of validation reports and schemas for the CLI."""
from __future__ import annotations

from typing import Any

from datasets.report import Report

HEAD = {
    "bg": {"rows": "Редове", "errors": "Грешки", "notices": "Бележки", "row": "Ред",
           "field": "Колона", "value": "Стойност", "more": "… и още {n} грешки, които не са показани.",
           "by_type": "По вид", "schema": "Изведена схема (прегледайте я и я потвърдете):",
           "ok": "Данните са валидни."},
    "en": {"rows": "Rows", "errors": "Errors", "notices": "Notices", "row": "Row",
           "field": "Column", "value": "Value", "more": "… and {n} more errors not shown.",
           "by_type": "By type", "schema": "Inferred schema (review and confirm it):",
           "ok": "The data is valid."},
}
SHOWN = 50


def _clip(value: str | None, width: int = 40) -> str:
    value = (value or "").replace("\n", "⏎")
    return value if len(value) <= width else value[: width - 1] + "…"


def render_report(report: Report, lang: str) -> str:
    """Return the report as text: counts, a summary by error type, then the first errors."""
    h = HEAD["en" if lang == "en" else "bg"]
    lines = [f"{h['rows']}: {report.row_count}   {h['errors']}: {report.error_count}"]
    for problem in report.notices:
        lines.append(f"  · {problem.message.get(lang)}")
    if report.valid:
        lines.append(h["ok"])
        return "\n".join(lines)
    lines.append(f"{h['by_type']}: " + ", ".join(f"{code} ×{n}" for code, n in report.summary()))
    for problem in report.errors[:SHOWN]:
        where = f"{h['row']} {problem.row}" if problem.row else "—"
        lines.append(f"  {where:>10} | {_clip(problem.field, 20):<20} | {_clip(problem.value):<40} | "
                     f"{problem.message.get(lang)}")
    hidden = report.error_count - min(len(report.errors), SHOWN)
    if hidden > 0:
        lines.append(h["more"].format(n=hidden))
    return "\n".join(lines)


def render_schema(schema: dict[str, Any], lang: str) -> str:
    """Return an inferred schema as a short table of fields."""
    h = HEAD["en" if lang == "en" else "bg"]
    lines = [h["schema"]]
    for field in schema.get("fields", []):
        required = "*" if field.get("constraints", {}).get("required") else " "
        lines.append(f"  {required} {field['name']:<30} {field.get('type', 'string'):<10} "
                     f"{field.get('title', '')}")
    return "\n".join(lines)
