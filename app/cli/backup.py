"""`otkrito backup DEST` and `otkrito restore SRC` (docs/backup.md).

Both work on the instance OTKRITO_INSTANCE names without opening the portal: a backup must not
migrate or create anything, and a restore's target is empty by definition.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from app import config
from app.cli.support import lang
from datasets.instance import Instance
from metadata.errors import OtkritoError
from metadata.messages import text


def _instance() -> Instance:
    settings = config.load()
    return Instance.at(settings["INSTANCE"], settings.get("DATABASE_URL"), settings.get("STORAGE_URL"),
                       settings.get("STORAGE_CACHE_MB"))


@click.command()
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def backup(dest: Path) -> None:
    """Back the instance up into DEST (a second run copies only new release files)."""
    from datasets.backup import backup as run_backup

    try:
        report = run_backup(_instance(), dest)
    except OtkritoError as error:  # refused or failed: exit 1, no snapshot recorded as good
        click.echo(error.text.get(lang()), err=True)
        sys.exit(1)
    click.echo(text("backup.done", snapshot=report.snapshot.name, files=report.files, total=report.total_bytes,
                    copied=report.copied_files, copied_bytes=report.copied_bytes).get(lang()))


@click.command()
@click.argument("src", type=click.Path(file_okay=False, path_type=Path))
def restore(src: Path) -> None:
    """Restore a backup (DEST of `otkrito backup`, or one of its snapshots) into an empty instance."""
    from datasets.backup import restore as run_restore

    try:
        report = run_restore(src, _instance())
    except OtkritoError as error:
        click.echo(error.text.get(lang()), err=True)
        sys.exit(1)
    click.echo(text("restore.done", snapshot=report.snapshot.name, files=report.files,
                    total=report.bytes).get(lang()))
