"""Bilingual messages of the consistency check (`otkrito check`): catalog rows against files."""
from __future__ import annotations

from typing import Any

from metadata.messages import Text

CONSISTENCY_MESSAGES: dict[str, tuple[str, str]] = {
    "consistency.ok": (
        "Каталогът и файловете съвпадат: {releases} версии, {files} файла.",
        "The catalog and the files agree: {releases} releases, {files} files.",
    ),
    "consistency.problems": (
        "Каталогът и файловете не съвпадат (проблеми: {count}).",
        "The catalog and the files disagree (problems: {count}).",
    ),
    "consistency.missing-release": (
        "Липсва папката на публикувана версия: {path}",
        "A published release's directory is missing: {path}",
    ),
    "consistency.missing-file": (
        "Липсва файл, записан в каталога: {path}",
        "A file the catalog lists is missing: {path}",
    ),
    "consistency.size-mismatch": (
        "Размерът на {path} е {actual} байта, а каталогът записва {expected}.",
        "{path} is {actual} bytes; the catalog records {expected}.",
    ),
    "consistency.checksum-mismatch": (
        "Контролната сума (sha256) на {path} не съвпада с каталога.",
        "The sha256 checksum of {path} does not match the catalog.",
    ),
    "consistency.corrupt-database": (
        "Базата данни {path} е повредена: {actual}",
        "The database {path} is damaged: {actual}",
    ),
    "consistency.unlisted-file": (
        "Файл във версия, който каталогът не познава: {path}",
        "A file in a release that the catalog does not list: {path}",
    ),
    "consistency.orphan-directory": (
        "Папка без запис в каталога: {path}",
        "A directory without a catalog row: {path}",
    ),
    "consistency.withdrawn-files-present": (
        "Оттеглена версия все още има файлове: {path}",
        "A withdrawn release still has files: {path}",
    ),
    "consistency.leftover-build": (
        "Остатък от прекъсната публикация: {path} (премахва се при старт: otkrito init)",
        "Left over from an interrupted publish: {path} (removed at start-up: otkrito init)",
    ),
}


def consistency_text(message_id: str, **params: Any) -> Text:
    """Return the bilingual text of a consistency message, its parameters filled in."""
    bg, en = CONSISTENCY_MESSAGES[message_id]
    return Text(bg.format(**params), en.format(**params))
