"""`otkrito harvest`: harvest other catalogs (a CKAN Action API, a DCAT-AP catalog) into a publisher."""
from __future__ import annotations

import os
import sys
from functools import wraps
from typing import Any, Callable

import click

from app import config
from app.state import Portal, open_portal
from metadata.errors import OtkritoError
from metadata.messages import text


# The few helpers of app/cli/commands.py this group needs, restated: commands.py registers this
# group, so importing them from there would be an import cycle (tests/test_import_graph.py).
def _portal() -> Portal:
    return open_portal(config.load())


def _lang() -> str:
    return click.get_current_context().find_root().params.get("lang") or "bg"


def clean_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into their message and exit status 2 instead of a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OtkritoError as error:
            click.echo(error.text.get(_lang()), err=True)
            sys.exit(2)

    return wrapper


def _allow() -> Any:
    from datasets.fetch import allowed_networks

    return allowed_networks(config.load().get("FETCH_ALLOW", os.environ.get("OTKRITO_FETCH_ALLOW")))


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

    added = add_harvest_source(_portal().engine, publisher, url, kind=kind, actor="cli")
    click.echo(text("harvest.source-added", id=added.id, publisher=added.publisher, kind=kind,
                    url=added.url).get(_lang()))


@harvest.command("list")
@click.option("--publisher", help="Only this publisher's sources.")
@clean_errors
def harvest_list(publisher: str | None) -> None:
    """List the harvest sources and how their last run went."""
    from datasets.harvest_sources import list_harvest_sources

    sources = list_harvest_sources(_portal().engine, publisher=publisher)
    if not sources:
        click.echo(text("harvest.no-sources").get(_lang()))
    for source in sources:
        last = "-"
        if source.last_run_at is not None:
            outcome = text(f"harvest.outcome-{source.last_outcome}").get(_lang())
            last = f"{source.last_run_at:%Y-%m-%d %H:%M} UTC, {outcome}"
        click.echo(text("harvest.source-line", id=source.id, kind=source.kind,
                        publisher=source.publisher, url=source.url, last=last).get(_lang()))


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

    portal, lang = _portal(), _lang()
    sources = ([get_harvest_source(portal.engine, i) for i in source_ids] if source_ids
               else list_harvest_sources(portal.engine, publisher=publisher))
    if not sources:
        click.echo(text("harvest.no-sources").get(lang))
    status, allow = 0, _allow()
    for source in sources:
        report = run_harvest(portal.engine, source.id, allow=allow, actor="cli")
        for line in [*report.failed, *report.notes]:
            click.echo(line.get(lang))
        if report.error is not None:
            click.echo(report.error.get(lang), err=True)
        click.echo(report.summary().get(lang), err=report.outcome != "complete")
        status = max(status, 2 if report.outcome != "complete" else 1 if report.failed else 0)
    sys.exit(status)


@harvest.command("remove")
@click.argument("source_id", type=int)
@clean_errors
def harvest_remove(source_id: int) -> None:
    """Stop harvesting a source; the datasets it made stay."""
    from datasets.harvest_sources import remove_harvest_source

    remove_harvest_source(_portal().engine, source_id, actor="cli")
    click.echo(text("harvest.source-removed", id=source_id).get(_lang()))
