"""`otkrito harvest`: harvest other catalogs (a CKAN Action API, a DCAT-AP catalog) into a publisher."""
from __future__ import annotations

import sys
from typing import Any

import click

from app import config
from app.cli.support import clean_errors, lang, portal
from metadata.messages import text


def _allow() -> Any:
    from datasets.fetch import allowed_networks

    return allowed_networks(config.load()["FETCH_ALLOW"])


@click.group()
def harvest() -> None:
    """Harvest other catalogs (CKAN Action API, DCAT-AP) into a publisher."""


@harvest.command("add")
@click.argument("publisher")
@click.argument("url")
@click.option("--kind", type=click.Choice(["ckan", "dcat"]), required=True,
              help="ckan: a CKAN Action API (site URL); dcat: a DCAT-AP catalog (Turtle, RDF/XML, JSON-LD).")
@clean_errors
def harvest_add(publisher: str, url: str, kind: str) -> None:
    """Harvest the catalog at URL into PUBLISHER (run it with `otkrito harvest run`)."""
    from datasets.harvest_sources import add_harvest_source

    added = add_harvest_source(portal().engine, publisher, url, kind=kind, actor="cli")
    click.echo(text("harvest.source-added", id=added.id, publisher=added.publisher, kind=kind,
                    url=added.url).get(lang()))


@harvest.command("list")
@click.option("--publisher", help="Only this publisher's sources.")
@clean_errors
def harvest_list(publisher: str | None) -> None:
    """List the harvest sources and how their last run went."""
    from datasets.harvest_sources import list_harvest_sources

    sources = list_harvest_sources(portal().engine, publisher=publisher)
    if not sources:
        click.echo(text("harvest.no-sources").get(lang()))
    for source in sources:
        last = "-"
        if source.last_run_at is not None:
            outcome = text(f"harvest.outcome-{source.last_outcome}").get(lang())
            last = f"{source.last_run_at:%Y-%m-%d %H:%M} UTC, {outcome}"
        click.echo(text("harvest.source-line", id=source.id, kind=source.kind,
                        publisher=source.publisher, url=source.url, last=last).get(lang()))


@harvest.command("run")
@click.argument("source_ids", nargs=-1, type=int)
@click.option("--publisher", help="Only this publisher's sources.")
@clean_errors
def harvest_run(source_ids: tuple[int, ...], publisher: str | None) -> None:
    """Harvest every source (or the SOURCE_IDS given): create, update and withdraw datasets.

    Exit status 0 when every source was read whole and every dataset written, 1 when some
    datasets could not be (each is reported), 2 when a source could not be read.
    """
    from datasets.harvest import run_harvest
    from datasets.harvest_sources import get_harvest_source, list_harvest_sources

    opened, chosen = portal(), lang()
    sources = ([get_harvest_source(opened.engine, i) for i in source_ids] if source_ids
               else list_harvest_sources(opened.engine, publisher=publisher))
    if not sources:
        click.echo(text("harvest.no-sources").get(chosen))
    status, allow = 0, _allow()
    for source in sources:
        report = run_harvest(opened.engine, source.id, allow=allow, actor="cli")
        for line in [*report.failed, *report.notes]:
            click.echo(line.get(chosen))
        if report.error is not None:
            click.echo(report.error.get(chosen), err=True)
        click.echo(report.summary().get(chosen), err=report.outcome != "complete")
        status = max(status, 2 if report.outcome != "complete" else 1 if report.failed else 0)
    sys.exit(status)


@harvest.command("remove")
@click.argument("source_id", type=int)
@clean_errors
def harvest_remove(source_id: int) -> None:
    """Stop harvesting a source; the datasets it made stay."""
    from datasets.harvest_sources import remove_harvest_source

    remove_harvest_source(portal().engine, source_id, actor="cli")
    click.echo(text("harvest.source-removed", id=source_id).get(lang()))
