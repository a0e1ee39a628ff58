"""The yearly impact report as one self-contained HTML document, and as a PDF of that document.

The document has its CSS inline and its charts as SVG images inline (data: URIs; drawn with
matplotlib in the portal's palette, as every picture of the portal: datasets/pictures.py), so
the file, the page /impact/<year> and the PDF need no script and no other file. As images, the
charts keep their own styles inside them: the site's CSP allows no inline style on a page, and
the document's one <style> block is allowed by its hash (style_hash).

Why WeasyPrint for the PDF: a well-kept library that prints HTML and CSS as they are, with
Debian's pango only; no browser has to run.
"""
from __future__ import annotations

import base64
import hashlib
import math
import re
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape

from datasets.impact_report import Report, Section
from datasets.pictures import PALETTE
from metadata.messages_impact_report import WORDS

TEMPLATES = Path(__file__).parent / "templates"
_environment = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


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


def chart_svg(section: Section, lang: str, *, year: int) -> str:
    """Draw an indicator's year as an SVG line chart (a data: URI): its values, the baseline and the path.

    Drawn here rather than with datasets.pictures.draw_chart, which draws a missing value as 0:
    a month not measured must be a gap, never a 0.
    """
    import io

    import matplotlib
    from matplotlib.figure import Figure

    say = words(lang)
    labels = [f"{f.month:%Y-%m}" for f in section.figures]
    lines = [(say("value"), [f.value for f in section.figures], "-", "o")]
    if section.status.baseline is not None:
        lines.append((say("baseline"), [section.status.baseline] * len(labels), "--", ""))
    if any(v is not None for v in section.path):
        lines.append((say("path"), list(section.path), ":", ""))
    figure = Figure(figsize=(7.5, 3.2), dpi=100)
    axes = figure.add_axes((0.09, 0.3, 0.88, 0.62))
    for index, (name, values, style, marker) in enumerate(lines):
        axes.plot(range(len(labels)), [math.nan if v is None else v for v in values], linestyle=style,
                  marker=marker, color=PALETTE[index % len(PALETTE)], label=name)
    axes.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    axes.set_ylim(bottom=0)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3, fontsize=8, frameon=False)
    figure.text(0.01, 0.97, f"{section.indicator.title.get(lang)} ({section.indicator.unit.get(lang)})",
                fontsize=10, va="top")
    out = io.BytesIO()
    # Text stays text (small, searchable in the PDF); fixed ids and no date: the same figures, the same bytes.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"impact-{section.indicator.key}"}):
        figure.savefig(out, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def style_hash(html: str) -> str:
    """The CSP source that allows the document's <style> block and nothing else."""
    found = _STYLE.search(html)
    digest = hashlib.sha256(found.group(1).encode("utf-8") if found else b"").digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


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
