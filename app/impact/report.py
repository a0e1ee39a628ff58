"""The yearly impact report as one self-contained HTML document, and as a PDF of that document.

The document has its CSS inline and its charts as inline SVG (drawn with matplotlib, as every
picture of the portal: datasets/pictures.py), so the file, the page /impact/<year> and the PDF
need no script and no other file. Why WeasyPrint for the PDF: a well-kept library that prints
HTML and CSS as they are, with Debian's pango only; no browser has to run.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from datasets.charts import Chart, Series
from datasets.impact_report import Report, Section
from datasets.pictures import Caption, draw_chart
from metadata.messages import Text
from metadata.messages_impact_report import WORDS

TEMPLATES = Path(__file__).parent / "templates"
_environment = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)  # the XML declaration and DOCTYPE: not allowed inside HTML


def words(lang: str) -> Any:
    """Return a function giving the document's words in a language, with placeholders filled."""

    def say(key: str, **params: Any) -> str:
        bg, en = WORDS[key]
        return (en if lang == "en" else bg).format(**params)

    return say


def number(value: Any, lang: str, *, signed: bool = False) -> str:
    """A figure as the reader writes it ("—" for not measured); a decimal always with one digit."""
    if value is None:
        return "—"
    locale = "en" if lang == "en" else "bg_BG"
    shape = "#,##0" if float(value).is_integer() else "#,##0.0"
    text = format_decimal(value, format=shape, locale=locale)
    return ("+" + text) if signed and value > 0 else text


def raw(value: Any) -> str:
    """A figure for the machine-readable data-value attribute: as the impact dataset's CSV writes it."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def chart_svg(section: Section, lang: str, *, year: int) -> Markup:
    say = words(lang)
    title = section.indicator.title.get(lang)
    lines = [Series(Text(say("value"), say("value")), tuple(f.value for f in section.figures))]
    names = [say("value")]
    if section.status.baseline is not None:
        lines.append(Series(Text("", ""), tuple(section.status.baseline for _ in section.figures)))
        names.append(say("baseline"))
    if any(v is not None for v in section.path):
        lines.append(Series(Text("", ""), section.path))
        names.append(say("path"))
    chart = Chart(section.indicator.key, "line", section.indicator.title,
                  tuple(f"{f.month:%Y-%m}" for f in section.figures), tuple(lines))
    caption = Caption(f"{title} ({section.indicator.unit.get(lang)})", "", say("title", year=year))
    svg = draw_chart(chart, "svg", names=names, caption=caption).decode("utf-8")
    svg = _PROLOGUE.sub("", svg, count=1)
    # The chart is a picture of the table that follows it: announced once, not read out piece by piece.
    svg = svg.replace("<svg ", '<svg role="img" aria-hidden="true" focusable="false" ', 1)
    return Markup(svg)


def render_html(report: Report, lang: str, *, base: str = "", pdf_link: str | None = None,
                back_link: str | None = None) -> str:
    """Return the report as a self-contained HTML document in a language ("bg" or "en"); `base` is
    the portal's address for the links to datasets and requests ("" on the portal's own pages)."""
    lang = "en" if lang == "en" else "bg"
    template = _environment.get_template("impact/report.html")
    return template.render(
        r=report, lang=lang, say=words(lang), tx=lambda t: t.get(lang),
        num=lambda v, **kw: number(v, lang, **kw), raw=raw,
        svg=lambda s: chart_svg(s, lang, year=report.year), base=base.rstrip("/"),
        pdf_link=pdf_link, back_link=back_link)


def render_pdf(html: str) -> bytes:
    """Return the document printed as a PDF."""
    from weasyprint import HTML  # imported on first PDF: the web page never pays for it

    return HTML(string=html).write_pdf()
