"""Edit many datasets' metadata at once: download it as a CSV, upload it edited, preview the
changes field by field, apply them all in one transaction or none.

Applying compares every editable field of each dataset with what the preview saw: a dataset
someone else edited in between refuses the whole file instead of overwriting their edit.
"""
from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Callable, Iterable

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlalchemy.engine import Connection, Engine

from datasets.bulk_metadata_csv import COLUMNS, LISTS, Row, read_csv, split_list, write_csv
from datasets.catalog import bump_generation
from datasets.edit import EDITABLE
from datasets.normalize import normalize_date
from metadata.errors import Conflict, Forbidden, InvalidInput, NotFound
from metadata.messages import MESSAGES, Text, text
from metadata.schemas import bilingual_errors, load_dataset
from metadata.vocab import FREQUENCIES, LICENCES, THEMES
from publishers import audit
from publishers.bulk_store import bulk_edits
from publishers.store import bytewise, datasets

_VOCABULARIES = {"licence": LICENCES, "frequency": FREQUENCIES, "themes": THEMES}


@dataclass(frozen=True)
class Change:
    """What a CSV changes in one dataset: each field's value before, and the new values."""

    slug: str
    before: dict[str, Any]  # every editable field, as the preview saw it
    after: dict[str, Any]  # only the fields that change

    def fields(self) -> list[tuple[str, Any, Any]]:
        """(field, old, new) in the CSV's column order."""
        return [(f, self.before.get(f), self.after[f]) for f in COLUMNS if f in self.after]


@dataclass(frozen=True)
class Problem:
    """Why a row of the CSV cannot be applied."""

    row: int | None
    message: Text


def _editable(row: sa.Row) -> dict[str, Any]:
    # The catalog's own values (an empty English title stays empty), lists as lists.
    values = {name: getattr(row, name) for name in EDITABLE}
    for name in LISTS:
        values[name] = list(values[name] or [])
    return values


def export_csv(engine: Engine, *, publisher_ids: Iterable[int] | None) -> bytes:
    """The metadata of the publishers' datasets (None: every dataset) as CSV bytes, by slug."""
    query = sa.select(datasets).order_by(bytewise(datasets.c.slug))
    if publisher_ids is not None:
        query = query.where(datasets.c.publisher_id.in_(sorted(publisher_ids)))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return write_csv({"slug": r.slug, **_editable(r)} for r in rows)


def plan_upload(engine: Engine, stream: IO[bytes], *, scratch: Path,
                may_edit: Callable[[int], bool]) -> tuple[list[Change], list[Problem]]:
    """`plan` for an uploaded file: kept in `scratch` only while it is read."""
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, prefix="metadata-", suffix=".upload") as copy:
        shutil.copyfileobj(stream, copy)
        copy.flush()
        return plan(engine, Path(copy.name), may_edit=may_edit)


def plan(engine: Engine, path: Path, *, may_edit: Callable[[int], bool]) -> tuple[list[Change], list[Problem]]:
    """Read an edited CSV and say what it would change; change nothing.

    Problems with the file as a whole (unknown columns, not a table) raise InvalidInput; row
    problems are returned, and a file with any is not to be applied.
    """
    sheet = read_csv(path)
    problems = [Problem(p["row"], text(m, **p)) for m, p in sheet.bad_rows]
    with engine.connect() as conn:
        current = {r.slug: r for r in conn.execute(sa.select(datasets)).all()}
    changes, seen = [], {}
    for row in sheet.rows:
        slug = row.values["slug"].strip()
        found = _row_problem(row, slug, current, seen, may_edit)
        if found is not None:
            problems.append(found)
            continue
        seen[slug] = row.number
        before = _editable(current[slug])
        loaded, row_problems = _load(row, before)
        problems.extend(row_problems)
        after = {k: v for k, v in loaded.items() if k in EDITABLE and before.get(k) != v}
        if not row_problems and after:
            changes.append(Change(slug, before, after))
    return changes, sorted(problems, key=lambda p: p.row or 0)


def _row_problem(row: Row, slug: str, current: dict[str, sa.Row], seen: dict[str, int],
                 may_edit: Callable[[int], bool]) -> Problem | None:
    n = row.number
    if not slug:
        return Problem(n, text("bulk.csv-blank-slug", row=n))
    if slug not in current:
        return Problem(n, text("bulk.csv-unknown-slug", row=n, slug=slug[:80]))
    if slug in seen:
        return Problem(n, text("bulk.csv-duplicate-slug", row=n, slug=slug, first=seen[slug]))
    if not may_edit(current[slug].publisher_id):
        return Problem(n, text("bulk.csv-forbidden-dataset", row=n, slug=slug))
    return None


def _load(row: Row, before: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The row's values over the dataset's current ones, validated as the edit form's are."""
    problems: list[Problem] = []
    given = {k: v for k, v in row.values.items() if k != "slug"}
    for name in LISTS:
        if name in given:
            given[name] = split_list(given[name])
    for name in ("licence", "frequency", "temporal_start", "temporal_end", "contact_email"):
        if name in given:
            given[name] = given[name].strip()
    for name, vocabulary in _VOCABULARIES.items():
        if name not in given:
            continue
        by_key = {code.casefold(): code for code in vocabulary}
        values = given[name] if name in LISTS else [given[name]]
        for value in values:
            if value.casefold() not in by_key:
                problems.append(Problem(row.number, text(
                    f"bulk.csv-unknown-{name.rstrip('s')}", row=row.number, value=value[:60],
                    choices=", ".join(vocabulary))))
        known = [by_key.get(v.casefold(), v) for v in values]
        given[name] = known if name in LISTS else known[0]
    for name in ("temporal_start", "temporal_end"):  # Excel saves dates as it shows them
        if given.get(name):
            given[name] = normalize_date(given[name])
    if problems:
        return {}, problems
    merged = {k: ("" if v is None else v) for k, v in before.items()} | given
    try:
        return load_dataset(merged, creating=False), []
    except ValidationError as error:
        messages = bilingual_errors(error.messages)
        return {}, [Problem(row.number, _bad_value(row.number, column, _first(message)))
                    for column, message in messages.items()]


def _first(message: Any) -> Text:
    while isinstance(message, (list, dict)):
        message = next(iter(message.values() if isinstance(message, dict) else message))
    return message


def _bad_value(row: int, column: str, reason: Text) -> Text:
    bg, en = MESSAGES["bulk.csv-bad-value"]
    return Text(bg.format(row=row, column=column, reason=reason.bg),
                en.format(row=row, column=column, reason=reason.en))


def save_preview(engine: Engine, changes: list[Change], *, user_id: int, actor: str) -> str:
    """Keep the previewed changes for the user to apply; return the preview's id."""
    edit_id = uuid.uuid4().hex
    with engine.begin() as conn:
        conn.execute(bulk_edits.insert().values(
            id=edit_id, user_id=user_id, state="previewed", created_at=datetime.now(timezone.utc),
            changes=[{"slug": c.slug, "before": c.before, "after": c.after} for c in changes]))
        audit.record(conn, actor=actor, action="bulk.metadata.preview", target=edit_id,
                     detail={"datasets": {c.slug: sorted(c.after) for c in changes}})
    return edit_id


def get_preview(engine: Engine, edit_id: str, *, user_id: int) -> tuple[str, list[Change]]:
    """Return a preview's state and changes: NotFound, or Forbidden when it is another user's."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(bulk_edits).where(bulk_edits.c.id == edit_id)).first()
    if row is None:
        raise NotFound("bulk.edit-not-found")
    if row.user_id != user_id:
        raise Forbidden("staff.forbidden")
    return row.state, [Change(c["slug"], c["before"], c["after"]) for c in row.changes]


def apply_preview(engine: Engine, edit_id: str, *, user_id: int, may_edit: Callable[[int], bool],
                  actor: str) -> list[Change]:
    """Apply a preview's changes in one transaction: all of them, or none.

    Refused (Conflict, nothing changed) when any of its datasets changed since the preview.
    """
    state, changes = get_preview(engine, edit_id, user_id=user_id)
    try:
        with engine.begin() as conn:
            taken = conn.execute(bulk_edits.update().where(
                bulk_edits.c.id == edit_id, bulk_edits.c.state == "previewed")
                .values(state="applied")).rowcount
            if taken != 1:  # applied or refused already (a second submit)
                raise InvalidInput("bulk.edit-not-pending")
            _apply(conn, changes, edit_id=edit_id, may_edit=may_edit, actor=actor)
    except Conflict as refused:
        with engine.begin() as conn:
            conn.execute(bulk_edits.update().where(bulk_edits.c.id == edit_id,
                                                   bulk_edits.c.state == "previewed")
                         .values(state="refused"))
            audit.record(conn, actor=actor, action="bulk.metadata.refused", target=edit_id,
                         detail={"reason": refused.text.en})
        raise
    return changes


def _apply(conn: Connection, changes: list[Change], *, edit_id: str,
           may_edit: Callable[[int], bool], actor: str) -> None:
    now = datetime.now(timezone.utc)
    stale = []
    rows = {}
    for change in changes:
        # Locked until the commit (PostgreSQL), so no edit slips in between the check and the write.
        row = conn.execute(sa.select(datasets).where(datasets.c.slug == change.slug)
                           .with_for_update()).first()
        if row is None or _editable(row) != change.before:
            stale.append(change.slug)
        elif not may_edit(row.publisher_id):
            raise InvalidInput("bulk.csv-forbidden-dataset", row="-", slug=change.slug)
        rows[change.slug] = row
    if stale:
        raise Conflict("bulk.changed-since-preview", slugs=", ".join(stale))
    for change in changes:
        conn.execute(datasets.update().where(datasets.c.id == rows[change.slug].id)
                     .values(**change.after, updated_at=now))
        audit.record(conn, actor=actor, action="dataset.update", target=change.slug,
                     detail={"fields": sorted(change.after), "bulk": edit_id}, public=True)
    audit.record(conn, actor=actor, action="bulk.metadata.apply", target=edit_id,
                 detail={"datasets": [c.slug for c in changes]})
    bump_generation(conn)
