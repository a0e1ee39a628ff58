"""Which tables a remote dataset holds: one Otkrito dataset, with its scheduled source, for each.

An Otkrito dataset is one table (one schema, one file per release), while a CKAN package or a
DCAT dataset may offer several files. Each tabular resource becomes its own table, except
copies of one table in other formats, and every resource that is not scheduled is reported
with why (`datasets/harvest_apply.py` writes the tables, `docs/harvest.md` tells the rules).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from metadata.harvest_records import TABULAR_FORMATS, RemoteDataset, RemoteResource, _is_web_url

# "budget.csv", "Бюджет (XLSX)", "budget - json", "budget_csv": the format said in the name.
_EXTENSION = re.compile(r"\.(csv|xlsx|xls|json)$")
_FORMAT_WORD = re.compile(r"[\s_\-–—]*[(\[]?\s*(csv|xlsx|xls|json)\s*[)\]]?$")
_SPACES = re.compile(r"[\s_\-–—]+")


@dataclass(frozen=True)
class Table:
    """One table of a remote dataset: what its Otkrito dataset is called and which file it fetches."""

    resource: RemoteResource | None  # None: the remote dataset has no table (metadata only)
    key: str  # what identifies the resource across runs: "id:<id>", "url:<url>"; "" for no table
    name: str  # the table's name, formats left out: "budget" for budget.csv and budget.xlsx
    label: str  # the resource's name as the source gives it, for the title
    several: bool  # the remote dataset has other tables too: the title and slug name this one

    @property
    def url(self) -> str | None:
        return self.resource.url if self.resource is not None else None

    def titles(self, record: RemoteDataset) -> tuple[str, str]:
        """The dataset's title in Bulgarian and English: the remote one, with the table's name if several."""
        if not self.several:
            return record.title_bg, record.title_en
        return f"{record.title_bg} — {self.label}", f"{record.title_en} — {self.label}" if record.title_en else ""


@dataclass(frozen=True)
class Skipped:
    """A resource not scheduled: why ("not-tabular", "duplicate", "not-download", "not-web")."""

    resource: RemoteResource
    why: str
    kept: RemoteResource | None = None  # for a duplicate: the format of the table that was kept


def _file_name(resource: RemoteResource) -> str:
    return unquote(urlsplit(resource.url).path.rstrip("/").rsplit("/", 1)[-1])


def table_name(resource: RemoteResource) -> str:
    """The name that tells one table from another: the resource's name (else its file's), formats left out.

    Two resources of one remote dataset are the same table when these are equal: "budget.csv"
    and "budget.xlsx", "Бюджет (CSV)" and "Бюджет (XLSX)", or two resources titled alike.
    """
    name = (resource.name.strip() or _file_name(resource)).casefold()
    bare = _FORMAT_WORD.sub("", _EXTENSION.sub("", name))
    return _SPACES.sub(" ", bare or name).strip()


def resource_key(resource: RemoteResource) -> str:
    return f"id:{resource.remote_id}" if resource.remote_id else f"url:{resource.url}"


def plan(record: RemoteDataset) -> tuple[list[Table], list[Skipped]]:
    """Return the tables of a remote dataset (at least one) and the resources that are not scheduled.

    Of the copies of one table in several formats, the preferred one is kept: CSV, then XLSX,
    then JSON. A remote dataset without a table still gives one dataset, with its metadata only.
    """
    skipped: list[Skipped] = []
    candidates: list[RemoteResource] = []
    for resource in record.resources:
        if resource.tabular is None:
            skipped.append(Skipped(resource, "not-tabular"))
        elif not resource.downloadable:
            skipped.append(Skipped(resource, "not-download"))
        elif not _is_web_url(resource.url):
            skipped.append(Skipped(resource, "not-web"))
        else:
            candidates.append(resource)
    best: dict[str, str] = {}  # table name -> the preferred format offered for it
    for resource in candidates:
        fmt = resource.tabular or "JSON"
        name = table_name(resource)
        if name not in best or TABULAR_FORMATS.index(fmt) < TABULAR_FORMATS.index(best[name]):
            best[name] = fmt
    kept: list[RemoteResource] = []
    keys: set[str] = set()
    for resource in candidates:
        name = table_name(resource)
        if resource.tabular != best[name] or resource_key(resource) in keys:
            first = next(r for r in candidates if table_name(r) == name and r.tabular == best[name])
            skipped.append(Skipped(resource, "duplicate", first))
            continue
        keys.add(resource_key(resource))
        kept.append(resource)
    kept.sort(key=lambda r: TABULAR_FORMATS.index(r.tabular or "JSON"))  # the first is what one table was
    if not kept:
        return [Table(None, "", "", "", False)], skipped
    several = len(kept) > 1
    return [Table(r, resource_key(r), table_name(r), r.name.strip() or _file_name(r), several)
            for r in kept], skipped
