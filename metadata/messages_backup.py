"""Bilingual messages of `otkrito backup` and `otkrito restore` (merged into MESSAGES)."""
from __future__ import annotations

BACKUP_MESSAGES: dict[str, tuple[str, str]] = {
    "backup.pg-tool-missing": (
        "Програмата {tool} не е намерена (в PATH или /usr/lib/postgresql/15/bin): инсталирайте "
        "postgresql-client-15.",
        "The program {tool} was not found (in PATH or /usr/lib/postgresql/15/bin): install postgresql-client-15.",
    ),
    "backup.pg-dump-too-old": (
        "{tool} е по-стар от сървъра на PostgreSQL и отказва: инсталирайте pg_dump от версията на "
        "сървъра или по-нова. ({said})",
        "{tool} is older than the PostgreSQL server and refuses: install the pg_dump of the server's "
        "version or newer. ({said})",
    ),
    "backup.pg-dump-failed": (
        "pg_dump не успя; копието не е записано като валидно. ({said})",
        "pg_dump failed; the backup is not recorded as good. ({said})",
    ),
    "restore.pg-restore-failed": (
        "pg_restore не успя; базата данни може да е частично попълнена: изтрийте я и я създайте "
        "празна, преди да опитате отново. ({said})",
        "pg_restore failed; the database may be partly filled: drop it and create it empty before "
        "trying again. ({said})",
    ),
    "restore.database-not-empty": (
        "Базата данни „{database}“ не е празна: възстановяване само в празна база данни. Нищо не е "
        "възстановено.",
        "The database '{database}' is not empty: restore only into an empty database. Nothing was "
        "restored.",
    ),
    "restore.other-catalog": (
        "Копието съдържа каталог {found}, а инстанцията използва {wanted}. Нищо не е възстановено.",
        "The backup holds a {found} catalog and the instance uses {wanted}. Nothing was restored.",
    ),
    "backup.no-catalog": (
        "В „{path}“ няма каталог: това не е инстанция на Открито.",
        "There is no catalog in '{path}': it is not an Otkrito instance.",
    ),
    "backup.source-damaged": (
        "Файлът „{path}“ в инстанцията не съвпада с контролната си сума в каталога; копието е "
        "спряно. Изпълнете „otkrito check“.",
        "The file '{path}' in the instance does not match its checksum in the catalog; the backup "
        "stopped. Run 'otkrito check'.",
    ),
    "backup.keeps-changing": (
        "Файлът „{path}“, посочен в каталога, липсва при всеки опит за копие: или издания се "
        "оттеглят непрекъснато (опитайте отново), или инстанцията е повредена (изпълнете "
        "„otkrito check“). Копието не е записано като валидно.",
        "The file '{path}', listed in the catalog, was missing at every backup attempt: either "
        "releases keep being withdrawn (try again) or the instance is damaged (run 'otkrito check'). "
        "The backup is not recorded as good.",
    ),
    "backup.disk-full": (
        "Няма място на диска в „{path}“. Копието не е завършено и не е записано като валидно; "
        "предишните копия са непокътнати.",
        "The disk is full at '{path}'. The backup did not finish and is not recorded as good; "
        "earlier backups are untouched.",
    ),
    "backup.write-failed": (
        "Копието в „{path}“ не може да бъде записано ({error}); не е записано като валидно.",
        "The backup could not be written to '{path}' ({error}); it is not recorded as good.",
    ),
    "backup.done": (
        "Копие „{snapshot}“: {files} файла, {total} байта; копирани сега {copied} файла, {copied_bytes} байта.",
        "Backup '{snapshot}': {files} files, {total} bytes; copied now {copied} files, {copied_bytes} bytes.",
    ),
    "restore.no-manifest": (
        "В „{path}“ няма опис (manifest.json): копието е непълно или това не е резервно копие. "
        "Нищо не е възстановено.",
        "There is no manifest (manifest.json) in '{path}': the backup is incomplete or this is not "
        "a backup. Nothing was restored.",
    ),
    "restore.bad-manifest": (
        "Описът „{path}“ е повреден. Нищо не е възстановено.",
        "The manifest '{path}' is damaged. Nothing was restored.",
    ),
    "restore.missing-file": (
        "Копието е непълно: липсва „{path}“. Нищо не е възстановено.",
        "The backup is incomplete: '{path}' is missing. Nothing was restored.",
    ),
    "restore.size-mismatch": (
        "Копието е повредено: „{path}“ има {actual} байта вместо {expected}. Нищо не е възстановено.",
        "The backup is damaged: '{path}' has {actual} bytes instead of {expected}. Nothing was restored.",
    ),
    "restore.checksum-mismatch": (
        "Копието е повредено: контролната сума на „{path}“ не съвпада. Нищо не е възстановено.",
        "The backup is damaged: the checksum of '{path}' does not match. Nothing was restored.",
    ),
    "restore.not-empty": (
        "„{path}“ не е празна: възстановяване само в празна инстанция. Нищо не е възстановено.",
        "'{path}' is not empty: restore only into an empty instance. Nothing was restored.",
    ),
    "restore.write-failed": (
        "Възстановяването в „{path}“ не успя ({error}); нищо не е оставено там.",
        "Restoring into '{path}' failed ({error}); nothing was left there.",
    ),
    "restore.done": (
        "Възстановено копие „{snapshot}“: {files} файла, {total} байта. Изпълнете „otkrito check“.",
        "Restored backup '{snapshot}': {files} files, {total} bytes. Run 'otkrito check'.",
    ),
}
