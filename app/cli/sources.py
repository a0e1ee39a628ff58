"""`otkrito source`: set, fetch, list, show the history of and remove scheduled sources."""
from __future__ import annotations

import sys
from datetime import datetime

import click

from app.cli.support import clean_errors, lang, portal
from datasets.source_schedule import EVERY

OUTCOME = {
    "published": ("публикувана версия {version}", "published release {version}"),
    "unchanged": ("без промяна", "unchanged"),
    "invalid": ("невалиден файл", "invalid file"),
    "failed": ("неуспех", "failed"),
    "superseded": ("поета от друга проверка", "taken over by another check"),
}


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def _outcome(check) -> str:  # type: ignore[no-untyped-def]
    bg, en = OUTCOME[check.outcome]
    said = (en if lang() == "en" else bg).format(version=check.version)
    status = f"HTTP {check.status}" if check.status else "-"
    line = f"{_when(check.at)}  {status}  {check.bytes} B  {said}"
    if check.error:
        line += f"\n    {check.error['en' if lang() == 'en' else 'bg']}"
    return line


@click.group()
def source() -> None:
    """Scheduled sources: datasets fetched from a URL (CSV, XLSX or JSON records)."""


@source.command("set")
@click.argument("slug")
@click.argument("url")
@click.option("--every", type=click.Choice(list(EVERY)),
              help="Schedule; default: the dataset's own update frequency (at least weekly).")
@clean_errors
def source_set(slug: str, url: str, every: str | None) -> None:
    """Fetch the dataset SLUG from URL on a schedule; the first check is due at once."""
    from datasets.sources import set_source

    made = set_source(portal().engine, slug, url, every=every, actor="cli")
    schedule = made.every or ("честотата на набора" if lang() == "bg" else "the dataset's frequency")
    click.echo(f"{made.slug}: {made.url} ({schedule})")


@source.command("fetch")
@click.argument("slug", required=False)
@clean_errors
def source_fetch(slug: str | None) -> None:
    """Check SLUG's source now; without SLUG, every source that is due. Exit 1 if a check failed."""
    from app.jobs.scheduler import fetch_options, owner_name, run_due
    from datasets.sources import check_source

    opened = portal()
    if slug:
        checks = [(slug, check_source(opened.instance, opened.engine, slug, actor="cli",
                                      **fetch_options(opened.settings)))]
    else:
        checks = run_due(opened, owner_name())
    for name, check in checks:
        click.echo(f"{name}: {_outcome(check)}")
    if not checks:
        click.echo("Няма източници за проверка." if lang() == "bg" else "No source is due.")
    sys.exit(1 if any(c.outcome in ("invalid", "failed") for _n, c in checks) else 0)


@source.command("list")
@clean_errors
def source_list() -> None:
    """List the sources: URL, schedule, last checked, last changed, last outcome, next due."""
    from datasets.sources import list_sources

    heads = (("набор", "график", "проверен", "променен", "резултат", "следваща"),
             ("dataset", "every", "last checked", "last changed", "outcome", "next due"))
    click.echo("\t".join(heads[lang() == "en"]))
    for found in list_sources(portal().engine):
        click.echo("\t".join((found.slug, found.every or "frequency", _when(found.last_checked_at),
                              _when(found.last_changed_at), found.last_outcome or "-",
                              _when(found.next_due))))
        click.echo(f"\t{found.url}")


@source.command("history")
@click.argument("slug")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@clean_errors
def source_history(slug: str, limit: int) -> None:
    """Show the recorded checks of SLUG's source, newest first."""
    from datasets.sources import history

    for check in history(portal().engine, slug, limit=limit):
        click.echo(_outcome(check))


@source.command("remove")
@click.argument("slug")
@clean_errors
def source_remove(slug: str) -> None:
    """Stop fetching SLUG from its source (its releases stay)."""
    from datasets.sources import remove_source

    remove_source(portal().engine, slug, actor="cli")
    click.echo(f"{slug}: -")
