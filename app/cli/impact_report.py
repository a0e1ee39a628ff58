"""`otkrito impact report`: the yearly impact report as a self-contained HTML file and a PDF."""
from __future__ import annotations

from pathlib import Path

import click

from app.cli.support import clean_errors, lang, portal

FORMATS = ("html", "pdf", "both")


def _targets(out: str | None, year: int, fmt: str, language: str, publisher: str | None) -> dict[str, Path]:
    """Where each format goes: into a directory (default: here) under a default name, or at the
    file named (its suffix replaced for the other format)."""
    stem = f"impact-report-{year}-{language}" + (f"-{publisher}" if publisher else "")
    chosen = ("html", "pdf") if fmt == "both" else (fmt,)
    path = Path(out) if out else Path.cwd()
    if out and path.suffix.lower() in (".html", ".htm", ".pdf"):
        named = "pdf" if path.suffix.lower() == ".pdf" else "html"
        return {kind: path if kind == named else path.with_suffix(f".{kind}") for kind in chosen}
    return {kind: path / f"{stem}.{kind}" for kind in chosen}


@click.command("report")
@click.option("--year", "year", required=True, help="The year of the report, e.g. 2026.")
@click.option("--lang", "language", type=click.Choice(["bg", "en"]), help="The report's language (default: "
              "the command line's, Bulgarian).")
@click.option("--out", help="A directory (default: the current one) or a file name ending .html or .pdf.")
@click.option("--format", "fmt", default="both", help="html, pdf or both (default).")
@click.option("--publisher", help="One publisher's report (its slug); default: the whole portal.")
@clean_errors
def report(year: str, language: str | None, out: str | None, fmt: str, publisher: str | None) -> None:
    """Write the yearly impact report (docs/impact-report.md)."""
    from app import config
    from app.impact.report import render_html, render_pdf
    from datasets.impact_report import build
    from metadata.errors import InvalidInput
    from metadata.messages import text

    if language:  # the report's language is also that of its messages
        click.get_current_context().find_root().params["lang"] = language
    language = lang()
    if fmt not in FORMATS:
        raise InvalidInput("impact.report-bad-format", value=fmt)
    opened = portal()
    made = build(opened.engine, year, publisher=publisher)  # checks the year before anything is written
    html = render_html(made, language, base=config.load()["BASE_URL"])
    targets = _targets(out, made.year, fmt, language, publisher)
    contents = {"html": lambda: html.encode("utf-8"), "pdf": lambda: render_pdf(html)}
    bodies = {kind: contents[kind]() for kind in targets}  # everything made before anything is written
    for kind, path in targets.items():
        _write(path, bodies[kind])
        click.echo(text("impact.report-written", year=made.year, path=str(path)).get(lang()))


def _write(path: Path, body: bytes) -> None:
    """Write a file whole or not at all; a path that cannot be written is a message, not a traceback."""
    from metadata.errors import InvalidInput

    partial = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(body)
        partial.replace(path)
    except OSError as failed:
        if partial.parent.is_dir():
            partial.unlink(missing_ok=True)
        raise InvalidInput("impact.report-cannot-write", path=str(path), reason=failed.strerror or "?") from None
