"""JSON and XLSX exports of a release's data, made from its SQLite database.

JSON is streamed row by row; XLSX is written once per release into the instance's export
cache (openpyxl's write-only mode keeps memory flat) and moved into place with one rename,
then kept only if the release is still published (see datasets/withdraw.py).
"""
from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Iterator

from sqlalchemy.engine import Engine

from datasets.instance import Instance
from datasets.preview import connect, quote
from datasets.withdraw import discard_if_withdrawn

EXPORTS = ("json", "xlsx")
MEDIA_TYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Spreadsheets run text that starts like a formula; a leading apostrophe keeps it text.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def json_chunks(path: Path, table: str, *, batch: int = 500) -> Iterator[bytes]:
    """Yield the table as a JSON array of objects, a batch of rows at a time."""
    with closing(connect(path)) as db:
        cursor = db.execute(f"select * from {quote(table)}")
        columns = [d[0] for d in cursor.description]
        yield b"["
        first = True
        while rows := cursor.fetchmany(batch):
            parts = [json.dumps(dict(zip(columns, row)), ensure_ascii=False) for row in rows]
            yield (("" if first else ",") + ",".join(parts)).encode("utf-8")
            first = False
        yield b"]\n"


def json_size(path: Path, table: str) -> int:
    """Return the size in bytes of the JSON export."""
    return sum(len(chunk) for chunk in json_chunks(path, table))


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def xlsx_path(table: str, *, cache: Path) -> Path:
    """Return where the XLSX export of a table is kept in `cache` (it may not exist yet)."""
    return cache / f"{table}.xlsx"


def xlsx_file(path: Path, table: str, *, cache: Path) -> Path:
    """Return the XLSX export of a release database, writing it into `cache` the first time."""
    target = xlsx_path(table, cache=cache)
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    from openpyxl import Workbook  # here: ~0.15 s of imports that only an XLSX export needs

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table[:31])
    with closing(connect(path)) as db:
        cursor = db.execute(f"select * from {quote(table)}")
        sheet.append([d[0] for d in cursor.description])
        for row in cursor:
            sheet.append([_cell(v) for v in row])
    fd, temporary = tempfile.mkstemp(dir=cache, suffix=".tmp")
    os.close(fd)
    try:
        workbook.save(temporary)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


def release_xlsx(instance: Instance, engine: Engine, slug: str, version: int, database: Path,
                 table: str) -> Path | None:
    """Return a published release's XLSX export, made on first use; None if it was withdrawn
    while the export was being written (the copy is then gone too)."""
    cache = instance.export_dir(slug, version)
    target = xlsx_path(table, cache=cache)
    if target.exists():
        return target
    try:
        made = xlsx_file(database, table, cache=cache)
    except (OSError, sqlite3.Error):  # the database or the folder may have gone with a withdrawal
        if not discard_if_withdrawn(instance, engine, slug, (version,)):
            raise
        return None
    return None if discard_if_withdrawn(instance, engine, slug, (version,)) else made
