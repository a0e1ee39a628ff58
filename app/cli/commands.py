"""The `otkrito` command line: the domain's operations, with clean errors at the edge."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from app import config
from app.cli.deploy import deploy
from app.cli.backup import backup, restore
from app.cli.egov import egov
from app.cli.harvest import harvest
from app.cli.impact import impact
from app.cli.notify import notify
from app.cli.sources import source
from app.cli.support import clean_errors, lang, portal
from metadata.vocab import FREQUENCIES, LICENCES, THEMES

# Shared with the command groups in their own modules (app/cli/sources.py, app/cli/egov.py), which cannot import
# this module: it imports them.
_portal, _lang = portal, lang


@click.group(help="Otkrito: open-data publishing portal for municipalities.\n\n"
                  "OTKRITO_INSTANCE selects the instance directory (default ./instance).")
@click.option("--lang", type=click.Choice(["bg", "en"]), default="bg", show_default=True,
              help="Language of messages and reports.")
def main(lang: str) -> None:
    """Otkrito command line."""


@main.command()
@clean_errors
def init() -> None:
    """Create the instance directory and catalog (safe to run again)."""
    portal = _portal()
    from datetime import timedelta

    from datasets.leftovers import cleanup
    from datasets.uploads import remove_abandoned
    from datasets.withdraw import finish_withdrawals

    cleanup(portal.instance, portal.engine)
    finish_withdrawals(portal.instance, portal.engine)
    remove_abandoned(portal.instance, portal.engine,
                     older_than=timedelta(days=portal.settings["UPLOAD_KEEP_DAYS"]))
    click.echo(f"Instance ready: {portal.instance.root}")


@main.group()
def publisher() -> None:
    """Manage publishers."""


@publisher.command("add")
@click.argument("slug")
@click.option("--name-bg", required=True, help="Name in Bulgarian.")
@click.option("--name-en", help="Name in English.")
@click.option("--homepage", help="Web site.")
@click.option("--email", help="Contact e-mail.")
@clean_errors
def publisher_add(slug: str, name_bg: str, name_en: str | None, homepage: str | None,
                  email: str | None) -> None:
    """Add a publisher (a municipality, its council, ...)."""
    from publishers.registry import add_publisher

    added = add_publisher(_portal().engine, slug, name_bg=name_bg, name_en=name_en,
                          homepage=homepage, email=email)
    click.echo(f"Publisher {added.slug}: {added.name.get(_lang())}")


@main.group()
def dataset() -> None:
    """Manage datasets."""


@dataset.command("create")
@click.argument("slug")
@click.option("--publisher", "publisher_slug", required=True, help="Publisher slug.")
@click.option("--title-bg", required=True, help="Title in Bulgarian.")
@click.option("--title-en", help="Title in English.")
@click.option("--description-bg", default="", help="Description in Bulgarian (Markdown).")
@click.option("--description-en", help="Description in English (Markdown).")
@click.option("--profile", type=click.Choice(["decisions", "budget", "indicators"]),
              help="Built-in Table Schema; without one the schema is inferred at first publish.")
@click.option("--frequency", type=click.Choice(list(FREQUENCIES)), default="UNKNOWN",
              show_default=True, help="Promised update frequency (EU vocabulary).")
@click.option("--licence", "--license", "licence", type=click.Choice(list(LICENCES)),
              default="CC-BY-4.0", show_default=True)
@click.option("--theme", "themes", multiple=True, type=click.Choice(list(THEMES)),
              help="EU data theme (repeatable).")
@click.option("--keyword", "keywords", multiple=True, help="Keyword (repeatable).")
@click.option("--spatial", help="Spatial coverage, e.g. 'Община Левски'.")
@click.option("--temporal-start", help="Start of temporal coverage (YYYY-MM-DD).")
@click.option("--temporal-end", help="End of temporal coverage (YYYY-MM-DD).")
@clean_errors
def dataset_create(slug: str, publisher_slug: str, **fields: Any) -> None:
    """Create a dataset."""
    from datasets.catalog import create_dataset

    created = create_dataset(_portal().engine, slug, publisher=publisher_slug, **fields)
    click.echo(f"Dataset {created.slug}: {created.title.get(_lang())}")


@main.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dataset", "dataset_slug", help="Dataset slug (one file only; else matched by file name).")
@click.option("--publisher", "publisher_slug", help="Several files: match only this publisher's datasets.")
@click.option("--notes", default="", help="Release notes.")
@click.option("--encoding", help="Override detection: utf-8, cp1251 (windows-1251), ...")
@click.option("--delimiter", help="Override detection: ',', ';' or 'tab'.")
@click.option("--sheet", help="XLSX sheet name (default: the first sheet).")
@click.option("--check", is_flag=True, help="Only validate and print the report; publish nothing.")
@clean_errors
def publish(files: tuple[Path, ...], dataset_slug: str | None, publisher_slug: str | None,
            notes: str, encoding: str | None, delimiter: str | None, sheet: str | None,
            check: bool) -> None:
    """Validate each FILE and publish it as its dataset's next release.

    With --dataset, the one FILE goes to that dataset. Otherwise each FILE goes to the dataset
    whose slug its name is or starts with (docs/bulk.md), and one combined report follows.
    """
    if dataset_slug is None or len(files) > 1:
        from app.cli.bulk import publish_files
        from metadata.errors import InvalidInput

        if dataset_slug is not None:
            raise InvalidInput("bulk.dataset-needs-one-file")
        sys.exit(publish_files(_portal(), list(files), publisher=publisher_slug, notes=notes,
                               encoding=encoding, sheet=sheet, check=check, lang=_lang(),
                               delimiter="\t" if delimiter in ("tab", "\\t") else delimiter))
    file = files[0]
    from app.cli.progress import Progress
    from app.cli.report import render_report, render_schema
    from datasets.publish import CHECK_STEPS, PUBLISH_STEPS, Upload
    from datasets.publish import publish as run_publish

    portal = _portal()
    delimiter = "\t" if delimiter in ("tab", "\\t") else delimiter
    upload = Upload(file, file.name, encoding=encoding, delimiter=delimiter, sheet=sheet)
    with Progress(file, lang=_lang()) as progress:
        outcome = run_publish(portal.instance, portal.engine, upload, dataset=dataset_slug,
                              notes=notes, on_progress=progress.update,
                              steps=CHECK_STEPS if check else PUBLISH_STEPS)
    click.echo(render_report(outcome.report, _lang()))
    if outcome.schema_inferred:
        click.echo(render_schema(outcome.schema, _lang()))
    if check:
        sys.exit(0 if outcome.report.valid else 1)
    if _lang() == "en":
        click.echo(f"Published {dataset_slug} release {outcome.version} "
                   f"({outcome.report.row_count} rows).")
    else:
        click.echo(f"Публикувана е версия {outcome.version} на {dataset_slug} "
                   f"({outcome.report.row_count} реда).")


@main.command()
@clean_errors
def check() -> None:
    """Check that catalog and release files agree (presence, size, sha256, SQLite integrity)."""
    from datasets.consistency import check_instance
    from datasets.consistency_store import check_store

    portal = _portal()
    # With object storage the store holds the release files; the instance only caches them.
    report = (check_store if portal.instance.storage.remote else check_instance)(
        portal.instance, portal.engine)
    for finding in report.findings:
        click.echo(finding.text.get(_lang()))
    click.echo(report.summary.get(_lang()), err=not report.ok)
    sys.exit(0 if report.ok else 1)


@main.group()
def user() -> None:
    """Manage staff accounts (passwords are asked for, never taken from arguments)."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


@user.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["site-admin", "admin", "editor"]), required=True,
              help="site-admin, or admin/editor of the --publisher.")
@click.option("--publisher", "publisher_slug", help="Publisher slug (for admin and editor).")
@click.option("--name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@clean_errors
def user_add(email: str, role: str, publisher_slug: str | None, name: str,
             password_stdin: bool) -> None:
    """Create a staff user with a role."""
    from metadata.errors import InvalidInput
    from publishers.users import add_user, grant

    if role != "site-admin" and not publisher_slug:
        raise InvalidInput("staff.role-needs-publisher", role=role)
    engine = _portal().engine
    if publisher_slug:
        from publishers.registry import get_publisher

        get_publisher(engine, publisher_slug)
    created = add_user(engine, email, password=_read_password(password_stdin), name=name)
    grant(engine, created.email, role, publisher=publisher_slug)
    click.echo(f"User {created.email}: {role}" + (f" @ {publisher_slug}" if publisher_slug else ""))


@user.command("grant")
@click.argument("email")
@click.option("--role", type=click.Choice(["site-admin", "admin", "editor"]), required=True)
@click.option("--publisher", "publisher_slug", help="Publisher slug (for admin and editor).")
@clean_errors
def user_grant(email: str, role: str, publisher_slug: str | None) -> None:
    """Give an existing user a role."""
    from publishers.users import grant

    grant(_portal().engine, email, role, publisher=publisher_slug)
    click.echo(f"User {email}: {role}" + (f" @ {publisher_slug}" if publisher_slug else ""))


@user.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@clean_errors
def user_reset_password(email: str, password_stdin: bool) -> None:
    """Set a new password for a user and end their sessions."""
    from publishers.users import get_user, set_password

    engine = _portal().engine
    get_user(engine, email)
    set_password(engine, email, _read_password(password_stdin))
    click.echo(f"Password changed: {email.strip().lower()}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@clean_errors
def serve(host: str, port: int, workers: int) -> None:
    """Serve the portal (pages, feeds, APIs and the SQL API under /sql/)."""
    if workers > 1:
        from app.ops.multiprocess import prepare

        # Before prometheus-client is first imported: this process's sources scheduler then
        # counts into the same files as the workers (app/ops/multiprocess.py).
        prepare(Path(config.load()["INSTANCE"]))
    from app.web.server import serve as run_server

    run_server(host=host, port=port, workers=workers)


@main.command()
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Jobs this process runs at once.")
@clean_errors
def worker(concurrency: int) -> None:
    """Run upload checks and publishes from the job queue until SIGTERM or SIGINT.

    Needs a PostgreSQL catalog (the queue lives in it) and reads the same OTKRITO_* settings
    as `otkrito serve`; run as many as wanted, on any node.
    """
    import logging

    from app.jobs.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    run_worker(config.load(), concurrency=concurrency)


@main.command()
@click.option("--to", "revision", metavar="REVISION",
              help="Go up or down to this revision instead of the newest (a rollback: docs/upgrades.md).")
@clean_errors
def migrate(revision: str | None) -> None:
    """Bring the catalog's schema up to date: once per deploy when the catalog is on a server.

    Nodes of a PostgreSQL catalog never migrate it at start; an SQLite catalog is also
    migrated whenever a command or server opens it (so after `--to` an older revision, start
    only the older version that expects it).
    """
    from datasets.instance import Instance
    from publishers.store import connect, is_sqlite, schema_revision
    from publishers.store import migrate as run_migrations

    settings = config.load()
    instance = Instance.at(settings["INSTANCE"], settings["DATABASE_URL"])
    if is_sqlite(instance.catalog_url):
        instance.ensure()
    engine = connect(instance.catalog_url)
    try:
        before = schema_revision(engine) or "-"
        after = run_migrations(engine, to=revision)
    finally:
        engine.dispose()
    if _lang() == "en":
        click.echo(f"Catalog schema at revision {after} (was {before}).")
    else:
        click.echo(f"Схемата на каталога е на версия {after} (беше {before}).")


@main.command()
@clean_errors
def demo() -> None:
    """Seed the Municipality of Levski and its council with sample datasets (safe to re-run)."""
    from app.cli.demo import seed

    for line in seed(_portal(), lang=_lang()):
        click.echo(line)


main.add_command(backup)  # backup and restore: docs/backup.md
main.add_command(restore)
main.add_command(egov)
main.add_command(notify)
main.add_command(source)
main.add_command(harvest)  # harvesting other catalogs: docs/harvest.md
main.add_command(deploy)  # production configuration: docs/operations.md
main.add_command(impact)  # impact evaluation: docs/impact.md
