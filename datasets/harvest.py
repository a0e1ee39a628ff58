"""Run a harvest: read another catalog page by page and bring the publisher's datasets in line.

Every page is fetched through the SSRF-safe `datasets/fetch.py`. Each remote dataset is written
in its own transaction (`datasets/harvest_apply.py`), so a run that stops half-way keeps what it
finished and the next run goes on from there without duplicates. Datasets are withdrawn as
"removed at source" only after a run read the whole catalog; for CKAN, each one is first asked
for by id, since a catalog that changes while it is paged can hide a dataset from one listing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from datasets.dataset_withdrawal import withdraw
from datasets.fetch import FetchError, Network, fetch
from datasets.harvest_apply import REMOVED_AT_SOURCE, Applied, apply_record
from datasets.harvest_sources import HarvestSource, get_harvest_source, record_run
from datasets.sources import get_source, remove_source, set_source
from metadata import harvest_ckan, harvest_dcat
from metadata.errors import InvalidInput, OtkritoError
from metadata.harvest_records import RemoteDataset
from metadata.messages import Text, text
from publishers.harvest_store import dataset_withdrawals, harvested_datasets
from publishers.store import datasets

MAX_PAGE_BYTES = 64 * 1024 * 1024  # one page of a catalog; ours are well under 1 MB per 100 datasets
MAX_PAGES = 2000
RDF_ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8"
Entry = tuple[str | None, RemoteDataset | OtkritoError]  # (remote id if known, record or why not)


@dataclass
class HarvestReport:
    """What one run did, in counts and in bilingual lines."""

    source: HarvestSource
    outcome: str = "complete"  # "complete", "partial" (stopped after some pages), "failed"
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    failed: list[Text] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)
    error: Text | None = None
    error_id: str | None = None  # the message id of `error`, for callers that tell errors apart
    scheduled: dict[str, str] = field(default_factory=dict)  # slug -> tabular resource URL

    def summary(self) -> Text:
        outcome = text(f"harvest.outcome-{self.outcome}")
        params = dict(id=self.source.id, kind=self.source.kind, url=self.source.url[:200],
                      publisher=self.source.publisher, created=len(self.created),
                      updated=len(self.updated), unchanged=len(self.unchanged),
                      withdrawn=len(self.withdrawn), restored=len(self.restored),
                      failed=len(self.failed))
        return Text(text("harvest.report", outcome=outcome.bg, **params).bg,
                    text("harvest.report", outcome=outcome.en, **params).en)

    def as_json(self) -> dict[str, Any]:
        def lines(items: Sequence[Text]) -> list[dict[str, str]]:
            return [{"bg": t.bg, "en": t.en} for t in items]
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "restored": self.restored, "withdrawn": self.withdrawn,
                "failed": lines(self.failed), "notes": lines(self.notes),
                "error": lines([self.error]) if self.error else []}


def _get(url: str, allow: Sequence[Network], accept: str) -> Any:
    return fetch(url, allow=allow, max_bytes=MAX_PAGE_BYTES, accept=accept)


def ckan_entries(source_url: str, allow: Sequence[Network]) -> Iterator[list[Entry]]:
    """Yield the catalog's packages page by page, as records or the errors that stop them."""
    start = 0
    for _page in range(MAX_PAGES):
        url = harvest_ckan.search_url(source_url, start)
        fetched = _get(url, allow, "application/json")
        count, packages = harvest_ckan.read_page(harvest_ckan.read_answer(fetched.body, url), url)
        if not packages:
            return
        yield [_ckan_entry(package) for package in packages]
        start += len(packages)
        if start >= count:
            return
    raise InvalidInput("harvest.too-many-pages", url=source_url[:200], limit=MAX_PAGES)


def _ckan_entry(package: Any) -> Entry:
    try:
        record = harvest_ckan.to_record(package)
        return record.remote_id, record
    except OtkritoError as error:
        return error.params.get("id"), error


def dcat_entries(source_url: str, allow: Sequence[Network]) -> Iterator[list[Entry]]:
    """Yield the datasets of each page of the catalog (following hydra:nextPage)."""
    url: str | None = source_url
    seen: set[str] = set()
    while url is not None:
        if url in seen:
            raise InvalidInput("harvest.page-loop", url=url[:200])
        if len(seen) >= MAX_PAGES:
            raise InvalidInput("harvest.too-many-pages", url=source_url[:200], limit=MAX_PAGES)
        seen.add(url)
        fetched = _get(url, allow, RDF_ACCEPT)
        graph = harvest_dcat.parse_graph(fetched.body, fetched.content_type, fetched.url)
        yield [(r.remote_id if isinstance(r, RemoteDataset) else r.params.get("id"), r)
               for r in harvest_dcat.records(graph)]
        url = harvest_dcat.next_page(graph)


def _still_at_ckan(source_url: str, remote_id: str, allow: Sequence[Network]) -> RemoteDataset | None:
    """Return the package if the CKAN site still has it; None when it answers that it does not."""
    url = f"{harvest_ckan.api_base(source_url)}/api/3/action/package_show?{urlencode({'id': remote_id})}"
    try:
        fetched = _get(url, allow, "application/json")
    except FetchError as error:
        if error.status in (403, 404, 410):  # deleted, or made private: no longer published there
            return None
        raise
    return harvest_ckan.to_record(harvest_ckan.read_answer(fetched.body, url))


def _apply(engine: Engine, source: HarvestSource, record: RemoteDataset, actor: str,
           report: HarvestReport, schedule: Callable[[str, str | None], None] | None) -> None:
    try:
        try:
            applied: Applied = apply_record(engine, source, record, actor=actor)
        except sa.exc.IntegrityError:  # a parallel run took the slug or the remote id: once more
            applied = apply_record(engine, source, record, actor=actor)
    except OtkritoError as error:
        report.failed.append(Text(text("harvest.dataset-failed", id=record.remote_id[:200], detail=error.text.bg).bg,
                                  text("harvest.dataset-failed", id=record.remote_id[:200], detail=error.text.en).en))
        return
    getattr(report, applied.action).append(applied.slug)
    report.notes.extend(applied.notes)
    if applied.resource_url is None:
        report.notes.append(text("harvest.no-tabular", slug=applied.slug))
    else:
        report.scheduled[applied.slug] = applied.resource_url
    if schedule is not None:
        try:
            schedule(applied.slug, applied.resource_url)
        except OtkritoError as error:  # e.g. a resource URL the fetcher refuses: the dataset stays
            report.failed.append(Text(text("harvest.dataset-failed", id=applied.slug, detail=error.text.bg).bg,
                                      text("harvest.dataset-failed", id=applied.slug, detail=error.text.en).en))


def _withdraw_missing(engine: Engine, source: HarvestSource, seen: set[str], actor: str,
                      report: HarvestReport, allow: Sequence[Network],
                      schedule: Callable[[str, str | None], None] | None) -> None:
    query = (sa.select(harvested_datasets.c.remote_id, harvested_datasets.c.dataset_id, datasets.c.slug)
             .join(datasets, datasets.c.id == harvested_datasets.c.dataset_id)
             .where(harvested_datasets.c.source_id == source.id,
                    harvested_datasets.c.dataset_id.not_in(sa.select(dataset_withdrawals.c.dataset_id)))
             .order_by(harvested_datasets.c.id))
    with engine.connect() as conn:
        gone = [row for row in conn.execute(query) if row.remote_id not in seen]
    for row in gone:
        if source.kind == "ckan":
            still = _still_at_ckan(source.url, row.remote_id, allow)
            if still is not None:
                _apply(engine, source, still, actor, report, schedule)
                continue
        with engine.begin() as conn:
            if withdraw(conn, row.dataset_id, reason=REMOVED_AT_SOURCE, actor=actor):
                report.withdrawn.append(row.slug)
        if schedule is not None:
            schedule(row.slug, None)


def keep_sources(engine: Engine, actor: str) -> Callable[[str, str | None], None]:
    """Return the schedule that keeps each dataset's scheduled source (datasets/sources.py) in line.

    A source is set only when its URL changes: setting it makes it due at once, which a run
    that finds nothing new must not do to every dataset it harvested.
    """
    def schedule(slug: str, url: str | None) -> None:
        current = get_source(engine, slug)
        if url is None and current is not None:
            remove_source(engine, slug, actor=actor)
        elif url is not None and (current is None or current.url != url):
            set_source(engine, slug, url, actor=actor)
    return schedule


def run_harvest(engine: Engine, source_id: int, *, allow: Sequence[Network] = (), actor: str,
                schedule: Callable[[str, str | None], None] | None = None) -> HarvestReport:
    """Harvest one source into its publisher; return the report (also kept with the source).

    `schedule(slug, url)` is called after each dataset is written, with its tabular resource's
    URL (None: it has none, or was withdrawn); by default it sets the dataset's scheduled source.
    It runs after the dataset's transaction: a run killed in between leaves a dataset without
    its source, which the next run sets.
    """
    source = get_harvest_source(engine, source_id)
    schedule = keep_sources(engine, actor) if schedule is None else schedule
    report = HarvestReport(source)
    pages = ckan_entries if source.kind == "ckan" else dcat_entries
    seen: set[str] = set()
    read_any = False
    try:
        for entries in pages(source.url, allow):
            read_any = True
            for remote_id, entry in entries:
                if remote_id:
                    seen.add(remote_id)
                if isinstance(entry, OtkritoError):
                    report.failed.append(entry.text)
                elif remote_id:
                    _apply(engine, source, entry, actor, report, schedule)
        _withdraw_missing(engine, source, seen, actor, report, allow, schedule)
    except OtkritoError as error:
        report.outcome, report.error = ("partial" if read_any else "failed"), error.text
        report.error_id = error.message_id
    record_run(engine, source.id, outcome=report.outcome, report=report.as_json())
    return report
