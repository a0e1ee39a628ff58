"""Bilingual user-facing messages, looked up by a stable message id.

Domain code never formats prose itself: it names a message id and its parameters, so
the same problem reads the same in the CLI, the web pages and the API, in bg and en.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# id -> (Bulgarian, English). Placeholders use str.format names.
MESSAGES: dict[str, tuple[str, str]] = {
    # Reading input
    "read.empty-file": ("Файлът е празен.", "The file is empty."),
    "read.header-only": (
        "Файлът съдържа само заглавен ред и няма данни.",
        "The file has a header row but no data.",
    ),
    "read.unsupported-format": (
        "Файлът не е поддържана таблица (приемаме CSV и XLSX): {detail}",
        "The file is not a supported table (we accept CSV and XLSX): {detail}",
    ),
    "read.bad-encoding": (
        "Ред {row}: байтовете не са валиден текст в кодировка {encoding}.",
        "Row {row}: the bytes are not valid {encoding} text.",
    ),
    "read.unknown-encoding": ("Непозната кодировка „{encoding}“.", "Unknown encoding '{encoding}'."),
    "read.bad-delimiter": (
        "Разделителят трябва да е един знак (напр. „;“), а не „{delimiter}“.",
        "The delimiter must be a single character (e.g. ';'), not '{delimiter}'.",
    ),
    "read.sheet-not-found": (
        "Няма лист „{sheet}“ в работната книга. Листове: {sheets}.",
        "There is no sheet '{sheet}' in the workbook. Sheets: {sheets}.",
    ),
    "read.xlsx-too-large": (
        "XLSX файлът се разархивира до твърде голям обем ({size} байта); границата е {limit}.",
        "The XLSX file expands to too much data ({size} bytes); the limit is {limit}.",
    ),
    "read.nul-bytes": (
        "Ред {row}: файлът съдържа нулеви байтове (NUL) и не е текстова таблица.",
        "Row {row}: the file contains NUL bytes and is not a text table.",
    ),
    "read.unterminated-quote": (
        "Ред {row}: кавичките не са затворени до края на файла.",
        "Row {row}: a quoted field is never closed before the end of the file.",
    ),
    "read.duplicate-header": (
        "Колоната „{field}“ се среща повече от веднъж в заглавния ред.",
        "The column '{field}' appears more than once in the header row.",
    ),
    "read.blank-header": (
        "Колона {column} няма име в заглавния ред.",
        "Column {column} has no name in the header row.",
    ),
    "read.title-row": (
        "Ред {row}: пропуснат заглавен ред над таблицата („{value}“).",
        "Row {row}: skipped a title row above the table ('{value}').",
    ),
    "read.subtotal-row": (
        "Ред {row}: ред с междинна сума („{value}“) не е зареден; сумите се изчисляват от данните.",
        "Row {row}: a subtotal row ('{value}') was not loaded; totals are computed from the data.",
    ),
    "read.field-too-large": (
        "Ред {row}: поле или ред е по-дълъг от {limit} байта.",
        "Row {row}: a field or line is longer than {limit} bytes.",
    ),
    "read.bad-csv": (
        "Ред {row}: редът не може да се прочете като CSV (проверете кавичките и краищата на редовете).",
        "Row {row}: the record cannot be read as CSV (check its quotes and line endings).",
    ),
    "read.xlsx-ratio": (
        "XLSX файлът се разархивира {ratio} пъти повече от размера си; границата е {limit}.",
        "The XLSX file expands to {ratio} times its size; the limit is {limit}.",
    ),
    "read.too-many-columns": (
        "Таблицата има {columns} колони; границата е {limit}. Разделете я на няколко набора.",
        "The table has {columns} columns; the limit is {limit}. Split it into several datasets.",
    ),
    "read.corrupt-xlsx": (
        "XLSX файлът е повреден и не може да се отвори.",
        "The XLSX file is damaged and cannot be opened.",
    ),
    # Matching the header to the schema
    "schema.missing-column": (
        "Липсва колоната „{field}“, която схемата изисква.",
        "The column '{field}' required by the schema is missing.",
    ),
    "schema.extra-column": (
        "Колоната „{field}“ не е описана в схемата на набора от данни.",
        "The column '{field}' is not described in the dataset's schema.",
    ),
    # Catalog and publishing
    "catalog.publisher-not-found": ("Няма издател „{slug}“.", "There is no publisher '{slug}'."),
    "catalog.dataset-not-found": ("Няма набор от данни „{slug}“.", "There is no dataset '{slug}'."),
    "catalog.release-not-found": (
        "Няма версия {version} на „{slug}“.",
        "There is no release {version} of '{slug}'.",
    ),
    "catalog.slug-taken": ("Адресът „{slug}“ вече е зает.", "The slug '{slug}' is already taken."),
    "catalog.bad-slug": (
        "„{slug}“ не е допустим адрес: само малки латински букви, цифри и тирета.",
        "'{slug}' is not a valid slug: use lowercase Latin letters, digits and hyphens only.",
    ),
    "catalog.bad-homepage": (
        "„{url}“ не е допустим адрес на уебсайт: само http:// или https://.",
        "'{url}' is not a valid website address: use http:// or https:// only.",
    ),
    "catalog.unknown-profile": (
        "Непознат профил „{profile}“. Възможни: {choices}.",
        "Unknown profile '{profile}'. Choices: {choices}.",
    ),
    "catalog.unknown-frequency": (
        "Непозната честота „{frequency}“. Възможни: {choices}.",
        "Unknown frequency '{frequency}'. Choices: {choices}.",
    ),
    "catalog.unknown-licence": (
        "Непознат лиценз „{licence}“. Възможни: {choices}.",
        "Unknown licence '{licence}'. Choices: {choices}.",
    ),
    "catalog.unknown-theme": (
        "Непозната тема „{theme}“. Възможни: {choices}.",
        "Unknown theme '{theme}'. Choices: {choices}.",
    ),
    "catalog.bad-date": (
        "„{value}“ не е дата във вида ГГГГ-ММ-ДД.",
        "'{value}' is not a date in the form YYYY-MM-DD.",
    ),
    "publish.invalid": (
        "Данните не са публикувани: {count} грешки.",
        "The data was not published: {count} errors.",
    ),
    "publish.conflict": (
        "Друга публикация на „{slug}“ тече в момента; опитайте отново след малко.",
        "Another publish of '{slug}' is in progress; try again in a moment.",
    ),
    "publish.disk-full": (
        "Няма достатъчно място на диска; нищо не е публикувано.",
        "The disk is full; nothing was published.",
    ),
    "publish.withdrawn": ("Версия {version} е оттеглена.", "Release {version} has been withdrawn."),
    # Starting a node (the catalog on a database server; see the README)
    "catalog.unreachable": (
        "Каталогът {url} не е достъпен: {detail}",
        "The catalog {url} cannot be reached: {detail}",
    ),
    # A running node whose catalog server went away for a moment (a restart, a failover)
    "catalog.unavailable": (
        "Каталогът е временно недостъпен. Опитайте отново след малко.",
        "The catalog is unavailable for a moment. Please try again shortly.",
    ),
    "catalog.not-migrated": (
        "Схемата на каталога {url} е на версия {current}, а този код очаква {head}. "
        "Изпълнете `otkrito migrate` веднъж (при всяко обновяване), после стартирайте отново.",
        "The schema of the catalog {url} is at revision {current}; this code expects {head}. "
        "Run `otkrito migrate` once (on every deploy), then start again.",
    ),
    "catalog.newer-schema": (
        "Схемата на каталога {url} е на версия {current}, по-нова от тази на този код ({head}): "
        "създадена е от по-нова версия на Открито. Инсталирайте отново нея или възстановете "
        "резервното копие отпреди обновяването (docs/upgrades.md); нищо не е променено.",
        "The schema of the catalog {url} is at revision {current}, newer than this code's ({head}): "
        "a newer version of Otkrito made it. Install that version again, or restore the backup "
        "taken before the upgrade (docs/upgrades.md); nothing was changed.",
    ),
    "catalog.unknown-revision": (
        "Няма миграция „{revision}“. Познати версии: {known}.",
        "There is no migration '{revision}'. Known revisions: {known}.",
    ),
    "config.secret-key-required": (
        "Задайте OTKRITO_SECRET_KEY: когато каталогът не е SQLite, всички възли трябва да подписват "
        "сесиите с един и същ таен ключ (напр. `python3 -c 'import secrets; "
        "print(secrets.token_urlsafe(48))'`).",
        "Set OTKRITO_SECRET_KEY: when the catalog is not SQLite, every node must sign sessions "
        "with the same secret key (e.g. `python3 -c 'import secrets; "
        "print(secrets.token_urlsafe(48))'`).",
    ),
    "config.trusted-proxies-invalid": (
        "OTKRITO_TRUSTED_PROXIES съдържа „{value}“, което не е IP адрес или мрежа (CIDR). "
        "Пример: 127.0.0.1,10.0.0.0/8.",
        "OTKRITO_TRUSTED_PROXIES holds “{value}”, which is not an IP address or network (CIDR). "
        "Example: 127.0.0.1,10.0.0.0/8.",
    ),
}


@dataclass(frozen=True)
class Text:
    """A message in both languages."""

    bg: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.bg


def text(message_id: str, **params: Any) -> Text:
    """Return the bilingual text of a message id, with its parameters filled in."""
    bg, en = MESSAGES[message_id]
    return Text(bg.format(**params), en.format(**params))


def _merge() -> None:
    from metadata.messages_backup import BACKUP_MESSAGES
    from metadata.messages_bulk import BULK_MESSAGES
    from metadata.messages_egov import EGOV_MESSAGES
    from metadata.messages_follow import FOLLOW_MESSAGES
    from metadata.messages_harvest import HARVEST_MESSAGES
    from metadata.messages_impact import IMPACT_MESSAGES
    from metadata.messages_impact_report import REPORT_MESSAGES
    from metadata.messages_jobs import JOBS_MESSAGES
    from metadata.messages_ops import OPS_MESSAGES
    from metadata.messages_places import PLACES_MESSAGES
    from metadata.messages_sources import FETCH_MESSAGES, SOURCES_MESSAGES
    from metadata.messages_staff import STAFF_MESSAGES, SUMMARY_MESSAGES
    from metadata.messages_storage import STORAGE_MESSAGES
    from metadata.validation_messages import VALIDATION_MESSAGES

    MESSAGES.update(VALIDATION_MESSAGES)
    MESSAGES.update(STAFF_MESSAGES | SUMMARY_MESSAGES)
    MESSAGES.update(STORAGE_MESSAGES)
    MESSAGES.update(JOBS_MESSAGES)
    MESSAGES.update(PLACES_MESSAGES)
    MESSAGES.update(EGOV_MESSAGES)
    MESSAGES.update(FOLLOW_MESSAGES)
    MESSAGES.update(FETCH_MESSAGES | SOURCES_MESSAGES)
    MESSAGES.update(BULK_MESSAGES)
    MESSAGES.update(HARVEST_MESSAGES)
    MESSAGES.update(OPS_MESSAGES)
    MESSAGES.update(BACKUP_MESSAGES)
    MESSAGES.update(IMPACT_MESSAGES)
    MESSAGES.update(REPORT_MESSAGES)


_merge()
