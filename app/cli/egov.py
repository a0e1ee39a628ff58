"""`otkrito egov`: a publisher's data.egov.bg API key, and the sync that registers its datasets."""
from __future__ import annotations

import sys

import click

from app import config
from app.cli.support import clean_errors
from app.cli.support import lang as _lang
from app.cli.support import portal as _portal
from app.state import Portal


def _secret(portal: Portal) -> str:
    # The same secret the web app signs sessions with: every node of a cluster shares it.
    return config.secret_key(portal.instance.root, portal.settings["SECRET_KEY"])


@click.group()
def egov() -> None:
    """Register datasets on the national portal data.egov.bg (OTKRITO_EGOV_URL)."""


@egov.command("key")
@click.argument("publisher_slug", metavar="PUBLISHER")
@click.option("--org", "org", metavar="ORG_ID",
              help="The publisher's organisation id on data.egov.bg (required there for organisation members).")
@clean_errors
def egov_key(publisher_slug: str, org: str | None) -> None:
    """Store PUBLISHER's data.egov.bg API key, read from standard input (never an argument).

    The key is stored encrypted and is never shown again.
    """
    from metadata.messages import text
    from publishers.egov_keys import parse_org, set_key
    from publishers.registry import get_publisher

    portal = _portal()
    owner = get_publisher(portal.engine, publisher_slug)
    org_id = parse_org(org)
    if sys.stdin.isatty():
        key = click.prompt("API key", hide_input=True, err=True)
    else:
        key = sys.stdin.readline().rstrip("\r\n")
    set_key(portal.engine, owner, key, org_id=org_id, secret=_secret(portal), actor="cli")
    click.echo(text("egov.key-saved", publisher=owner.slug).get(_lang()))


@egov.command("sync")
@click.option("--publisher", "publisher_slug", metavar="P",
              help="Only this publisher (default: every publisher with a key).")
@click.option("--dry-run", is_flag=True, help="Print the calls as JSON lines; send and store nothing.")
@clean_errors
def egov_sync(publisher_slug: str | None, dry_run: bool) -> None:
    """Register each dataset on data.egov.bg, then keep its metadata in step.

    Exit status 1 when a dataset failed or the sync stopped; what was obtained is kept.
    """
    from datasets.egov_sync import CallEvent, sync_publisher
    from publishers.egov_keys import find_account
    from publishers.registry import get_publisher, list_publishers

    portal = _portal()
    lang = _lang()
    if publisher_slug:
        chosen = [get_publisher(portal.engine, publisher_slug)]
    else:
        chosen = [p for p in list_publishers(portal.engine) if find_account(portal.engine, p.id)]

    def show(event: CallEvent) -> None:
        if event.request is not None:
            click.echo(event.json_line())
            return
        outcome = "ok" if event.success else ("грешка" if lang == "bg" else "failed")
        click.echo(f"{event.action} {event.dataset} {event.status or '-'} {outcome} "
                   f"{event.remote_uri or ''}".rstrip() + (f" {event.message}" if event.message else ""),
                   err=not event.success)

    ok = True
    for owner in chosen:
        report = sync_publisher(portal.engine, owner, base_url=portal.settings["BASE_URL"],
                                egov_url=portal.settings["EGOV_URL"], secret=_secret(portal),
                                actor="cli", dry_run=dry_run, on_call=show)
        for reason in [*report.skipped.values(), *report.failed.values()]:
            click.echo(reason.get(lang), err=True)
        if report.stopped is not None:
            click.echo(report.stopped.get(lang), err=True)
        click.echo(report.summary.get(lang), err=dry_run)  # a dry run's stdout: JSON lines only
        ok = ok and report.ok
    sys.exit(0 if ok else 1)
