"""How catalog values read on pages: data types, constraints, chart data for the browser."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext, lazy_gettext

from app.i18n import field_text, localized
from datasets.charts import Chart
from metadata.dcat import safe_url

TYPES = {"string": lazy_gettext("text"), "integer": lazy_gettext("whole number"),
         "number": lazy_gettext("number"), "date": lazy_gettext("date"),
         "datetime": lazy_gettext("date and time"), "boolean": lazy_gettext("yes/no"),
         "year": lazy_gettext("year"), "time": lazy_gettext("time")}


def type_label(name: str | None) -> str:
    """Return a Table Schema type as a person would say it."""
    return str(TYPES.get(name or "string", name or ""))


def constraint_texts(constraints: dict[str, Any]) -> list[str]:
    """Return a field's constraints as short sentences."""
    texts = []
    if constraints.get("required"):
        texts.append(gettext("required"))
    if constraints.get("unique"):
        texts.append(gettext("unique"))
    if "enum" in constraints:
        texts.append(gettext("one of: %(values)s", values=", ".join(map(str, constraints["enum"]))))
    if "minimum" in constraints:
        texts.append(gettext("at least %(value)s", value=constraints["minimum"]))
    if "maximum" in constraints:
        texts.append(gettext("at most %(value)s", value=constraints["maximum"]))
    if "pattern" in constraints:
        texts.append(gettext("pattern %(value)s", value=constraints["pattern"]))
    if "maxLength" in constraints:
        texts.append(gettext("at most %(value)s characters", value=constraints["maxLength"]))
    return texts


def chart_data(chart: Chart) -> dict[str, Any]:
    """Return what the browser script needs to draw a chart, in the visitor's language."""
    return {"kind": chart.kind, "labels": list(chart.labels), "unit": chart.unit,
            "series": [{"name": localized(s.name), "values": list(s.values)} for s in chart.series]}


def column_titles(fields: list[dict[str, Any]]) -> dict[str, str]:
    """Return each column's title in the visitor's language (its name when it has none)."""
    return {f["name"]: field_text(f, "title") or f["name"] for f in fields}


def init_app(app: Flask) -> None:
    """Offer the presentation helpers to templates."""
    for helper in (type_label, constraint_texts, chart_data, safe_url):
        app.add_template_global(helper)
