"""`otkrito publish FILE FILE…`: each file to the dataset its name matches, one combined report.

Each file is published on its own (its own lock, build and commit, as a single publish), so a
file that fails publishes nothing and leaves the others' releases in place. The command runs
the pipeline in its own process, as `otkrito publish FILE --dataset SLUG` always has, whatever
OTKRITO_JOBS says: a command on an operator's machine is its own worker.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from app.cli.progress import Progress
from app.cli.report import render_report
from app.state import Portal
from datasets.bulk_match import match_file
from datasets.catalog import list_datasets
from datasets.publish import CHECK_STEPS, PUBLISH_STEPS, Upload, publish
from metadata.errors import OtkritoError, ValidationFailed
from metadata.messages import Text, text
from publishers import audit
from publishers.registry import get_publisher

HEAD = {"bg": ("Файл", "Набор от данни", "Резултат"), "en": ("File", "Dataset", "Result")}


@dataclass(frozen=True)
class Result:
    """What became of one file."""

    file: Path
    slug: str | None
    version: int | None
    failure: Text | None
    rows: int = 0


def publish_files(portal: Portal, files: list[Path], *, publisher: str | None, notes: str,
                  encoding: str | None, delimiter: str | None, sheet: str | None, check: bool,
                  lang: str) -> int:
    """Match, check or publish each file, print each report and then the combined one; the exit status."""
    datasets = list_datasets(portal.engine)
    owner = get_publisher(portal.engine, publisher).id if publisher else None
    owners = {d.slug: d.publisher_id for d in datasets}
    example = next((d.slug for d in datasets if owner in (None, d.publisher_id)), "slug")
    results: list[Result] = []
    for path in files:
        found = match_file(path.name, owners)
        failure = found.problem(example)
        if failure is None and owner is not None and owners[found.slug] != owner:
            failure = text("bulk.other-publisher", file=path.name, slug=found.slug)
        taken = next((r.file.name for r in results if failure is None and r.slug == found.slug), None)
        if taken is not None:
            failure = text("bulk.same-dataset", file=path.name, slug=found.slug, other=taken)
        click.echo(f"\n== {path.name} → {found.slug or '—'}")
        if failure is not None:
            click.echo(failure.get(lang))
            results.append(Result(path, found.slug, None, failure))
            continue
        results.append(_one(portal, path, found.slug, notes=notes, encoding=encoding,
                            delimiter=delimiter, sheet=sheet, check=check, lang=lang))
    click.echo("\n" + render_results(results, check=check, lang=lang))
    with portal.engine.begin() as conn:
        audit.record(conn, actor="cli", action="bulk.check" if check else "bulk.publish",
                     target=",".join(sorted({r.slug for r in results if r.slug}))[:200] or "-",
                     detail={"files": [[r.file.name, r.slug, r.version, r.failure and r.failure.en]
                                       for r in results]})
    return 1 if any(r.failure for r in results) else 0


def _one(portal: Portal, path: Path, slug: str, *, notes: str, encoding: str | None,
         delimiter: str | None, sheet: str | None, check: bool, lang: str) -> Result:
    upload = Upload(path, path.name, encoding=encoding, delimiter=delimiter, sheet=sheet)
    try:
        with Progress(path, lang=lang) as progress:
            outcome = publish(portal.instance, portal.engine, upload, dataset=slug, notes=notes,
                              on_progress=progress.update, steps=CHECK_STEPS if check else PUBLISH_STEPS)
    except ValidationFailed as error:
        if error.report is not None:
            click.echo(render_report(error.report, lang))
        return Result(path, slug, None, error.text)
    except OtkritoError as error:  # unreadable, a lock taken, the disk full: this file only
        click.echo(error.text.get(lang))
        return Result(path, slug, None, error.text)
    click.echo(render_report(outcome.report, lang))
    if not outcome.report.valid:
        return Result(path, slug, None, text("publish.invalid", count=outcome.report.error_count))
    return Result(path, slug, None if check else outcome.version, None, outcome.report.row_count)


def render_results(results: list[Result], *, check: bool, lang: str) -> str:
    """The combined report: one line per file, then how many failed."""
    head = HEAD["en" if lang == "en" else "bg"]
    width = max([len(head[0])] + [len(r.file.name) for r in results])
    slugs = max([len(head[1])] + [len(r.slug or "—") for r in results])
    lines = [f"{head[0]:<{width}}  {head[1]:<{slugs}}  {head[2]}"]
    for r in results:
        lines.append(f"{r.file.name:<{width}}  {r.slug or '—':<{slugs}}  {_outcome(r, check, lang)}")
    failed = sum(1 for r in results if r.failure)
    summary = (text("bulk.some-failed", failed=failed, total=len(results)) if failed
               else text("bulk.all-done", total=len(results)))
    return "\n".join(lines + [summary.get(lang)])


def _outcome(result: Result, check: bool, lang: str) -> str:
    if result.failure is not None:
        return "✗ " + result.failure.get(lang)
    if check:
        return "✓ " + ("valid" if lang == "en" else "валиден") + f" ({result.rows})"
    if lang == "en":
        return f"✓ release {result.version} ({result.rows} rows)"
    return f"✓ версия {result.version} ({result.rows} реда)"
