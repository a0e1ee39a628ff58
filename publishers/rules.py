"""The rules page (publishing rules, moderation rules, data licence, how to request data):
bilingual Markdown, edited by a site admin; every version is kept, so its history is public."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

import metadata.messages_participation  # noqa: F401 (registers the message ids)
from metadata.errors import InvalidInput, NotFound
from metadata.messages import Text
from publishers import audit
from publishers.participation_store import rules_versions

MAX_LENGTH = 50_000
DEFAULT = Text(
    """## Правила за публикуване
Общината публикува данни, които не съдържат лични данни, в отворен формат и с посочена честота
на обновяване. Всяка версия се пази; оттеглена версия остава описана заедно с причината.

## Правила за модериране
Коментарите и исканията се публикуват след преглед от служител. Не публикуваме обиди, реклама,
лични данни на трети лица и текстове без връзка с данните. Отговаряме публично.

## Лиценз на данните
Освен ако при набора не е посочено друго, данните са под лиценз Криейтив Комънс Признание 4.0.

## Как да поискате данни
Използвайте страницата „Искания за данни“. Не е нужна регистрация. Адрес на електронна поща
не е задължителен; ако го посочите, той не се публикува и се изтрива след приключване на искането.
""",
    """## Publishing rules
The municipality publishes data that contains no personal data, in open formats, with a stated
update frequency. Every release is kept; a withdrawn release stays described with its reason.

## Moderation rules
Comments and requests are published after a member of staff has read them. We do not publish
insults, advertising, other people's personal data, or text unrelated to the data. We answer
in public.

## Data licence
Unless a dataset says otherwise, the data is under the Creative Commons Attribution 4.0 licence.

## How to request data
Use the "Data requests" page. No account is needed. An e-mail address is optional; if you give
one it is never published and is deleted when the request is closed.
""")


@dataclass(frozen=True)
class RulesVersion:
    """One saved version of the rules (version 0: the built-in text, never saved)."""

    version: int
    body: Text
    note: str
    created_at: datetime | None


def _to_version(row: sa.Row) -> RulesVersion:
    created = row.created_at.replace(tzinfo=timezone.utc) if row.created_at.tzinfo is None \
        else row.created_at
    return RulesVersion(row.version, Text(row.body_bg, row.body_en), row.note, created)


def current(engine: Engine) -> RulesVersion:
    """Return the rules in force: the newest saved version, else the built-in text."""
    query = sa.select(rules_versions).order_by(rules_versions.c.version.desc()).limit(1)
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return _to_version(row) if row else RulesVersion(0, DEFAULT, "", None)


def get_version(engine: Engine, version: int) -> RulesVersion:
    """Return one saved version of the rules or raise NotFound."""
    if version == 0:
        return RulesVersion(0, DEFAULT, "", None)
    with engine.connect() as conn:
        row = conn.execute(sa.select(rules_versions)
                           .where(rules_versions.c.version == version)).first()
    if row is None:
        raise NotFound("feedback.not-found")
    return _to_version(row)


def history(engine: Engine) -> list[RulesVersion]:
    """Return every saved version, newest first (authors stay in the audit log)."""
    query = sa.select(rules_versions).order_by(rules_versions.c.version.desc())
    with engine.connect() as conn:
        return [_to_version(r) for r in conn.execute(query).all()]


def save(engine: Engine, *, body_bg: str, body_en: str, note: str = "", actor: str,
         now: datetime | None = None) -> RulesVersion:
    """Save a new version of the rules; the previous ones stay in the history."""
    body_bg, body_en = body_bg.replace("\r\n", "\n").strip(), body_en.replace("\r\n", "\n").strip()
    if not body_bg or not body_en:
        raise InvalidInput("rules.empty")
    if max(len(body_bg), len(body_en), len(note)) > MAX_LENGTH:
        raise InvalidInput("feedback.too-long", field="rules", limit=MAX_LENGTH)
    now = now or datetime.now(timezone.utc)
    with engine.begin() as conn:
        latest = conn.execute(sa.select(sa.func.max(rules_versions.c.version))).scalar() or 0
        conn.execute(rules_versions.insert().values(
            version=latest + 1, body_bg=body_bg, body_en=body_en, note=note.strip()[:500],
            author=actor, created_at=now))
        audit.record(conn, actor=actor, action="rules.save", target=f"rules/{latest + 1}")
    return get_version(engine, latest + 1)
