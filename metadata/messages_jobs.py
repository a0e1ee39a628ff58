"""Bilingual messages of background jobs: the durable queue and `otkrito worker` (merged into MESSAGES)."""
from __future__ import annotations

JOBS_MESSAGES: dict[str, tuple[str, str]] = {
    "jobs.worker-needs-postgresql": (
        "`otkrito worker` работи само с каталог в PostgreSQL (OTKRITO_DATABASE_URL): опашката със "
        "задачи е в същата база. С вградения каталог SQLite проверките и публикуването вървят в "
        "процеса на `otkrito serve` и отделен процес не е нужен.",
        "`otkrito worker` needs a PostgreSQL catalog (OTKRITO_DATABASE_URL): the job queue lives "
        "in the same database. With the embedded SQLite catalog, checks and publishes run inside "
        "`otkrito serve` and no separate process is needed.",
    ),
    "jobs.queue-needs-postgresql": (
        "OTKRITO_JOBS=queue изисква каталог в PostgreSQL; с SQLite задайте OTKRITO_JOBS=threads "
        "или го оставете празно.",
        "OTKRITO_JOBS=queue needs a PostgreSQL catalog; with SQLite set OTKRITO_JOBS=threads or "
        "leave it unset.",
    ),
    "jobs.unknown-mode": (
        "OTKRITO_JOBS е „{mode}“; възможни са: threads, queue.",
        "OTKRITO_JOBS is '{mode}'; possible: threads, queue.",
    ),
    "jobs.queue-not-migrated": (
        "В каталога {url} липсва схемата на опашката със задачи. Изпълнете `otkrito migrate` "
        "веднъж, после стартирайте отново.",
        "The catalog {url} has no job queue schema. Run `otkrito migrate` once, then start again.",
    ),
    "jobs.worker-stopped": (
        "Обработчикът спря: {detail}",
        "The worker stopped: {detail}",
    ),
}
