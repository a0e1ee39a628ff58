"""Catalog search: an in-memory index over both languages, with facets, sorting and paging.

Every text is folded to Latin words by the official Bulgarian transliteration, so a query in
Cyrillic ("Бюджет"), lower case Latin ("byudzhet") or mixed finds the same datasets. The index is
rebuilt when the catalog's stamp changes: the publish generation, the number of datasets, their
latest metadata edit, and the number of publishers (metadata edits don't bump the generation).
"""
from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import chain
from typing import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from datasets.catalog import _to_dataset, _to_release
from metadata.records import Dataset, Publisher, Release
from metadata.slug import transliterate
from publishers.harvest_store import listed
from publishers.registry import _to_publisher
from publishers.store import datasets, publishers, releases, state

FACETS = ("publisher", "theme", "keyword", "licence", "format", "frequency")
SORTS = ("relevance", "newest", "title")
PAGE_SIZE = 20
# Where a word is found counts for relevance: a title beats keywords beats the rest.
WEIGHTS = {"title": 8, "keyword": 4, "field": 2, "description": 1}
_WORD = re.compile(r"[a-z0-9]+")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# What a release's files offer, plus the JSON and XLSX exports made from its data.
_FORMATS = {"data": ("CSV", "JSON", "XLSX"), "sqlite": ("SQLite",), "zip": ("ZIP",)}


def fold(text: str, *, variants: bool = False) -> list[str]:
    """Return the lowercase Latin words of a text in either alphabet."""
    latin = unicodedata.normalize("NFKD", transliterate(text.lower()))
    words = _WORD.findall(latin.encode("ascii", "ignore").decode("ascii"))
    if not variants:
        return words
    # "-ия" ends a word as "ia" officially, but people type "iya" too.
    return words + [w[:-2] + "iya" for w in words if w.endswith("ia")]


@dataclass(frozen=True)
class Entry:
    """A dataset as the catalog lists it: metadata, publisher and latest release."""

    dataset: Dataset
    publisher: Publisher
    release: Release | None
    formats: tuple[str, ...]

    @property
    def updated(self) -> datetime:
        """When the dataset last changed for a reader: its latest release, else its creation."""
        return (self.release.created_at if self.release else self.dataset.created_at) or _EPOCH

    def facet_values(self, facet: str) -> tuple[str, ...]:
        d = self.dataset
        return {"publisher": (self.publisher.slug,), "theme": d.themes, "keyword": d.keywords,
                "licence": (d.licence,), "format": self.formats,
                "frequency": (d.frequency,)}[facet]

    def all_facet_values(self) -> dict[str, frozenset[str]]:
        return {facet: frozenset(self.facet_values(facet)) for facet in FACETS}


@dataclass(frozen=True)
class Query:
    """What a visitor asked the catalog: words, facet filters, order and page."""

    text: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    sort: str = "relevance"
    page: int = 1
    lang: str = "bg"


@dataclass(frozen=True)
class Results:
    """One page of matching entries with facet counts over all matches."""

    entries: list[Entry]
    total: int
    page: int
    pages: int
    facets: dict[str, list[tuple[str, int]]]


@dataclass
class Index:
    """Entries and an inverted index from folded words to weighted entry positions."""

    entries: list[Entry]
    postings: dict[str, dict[int, int]] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)
    values: list[dict[str, frozenset[str]]] = field(default_factory=list)
    # A news spike asks the same few questions: keep recent answers for this catalog state.
    answers: dict["Query", "Results"] = field(default_factory=dict)

    @classmethod
    def build(cls, entries: Sequence[Entry]) -> "Index":
        index = cls(list(entries))
        index.values = [entry.all_facet_values() for entry in index.entries]
        for position, entry in enumerate(index.entries):
            for kind, text in _texts(entry):
                weight = WEIGHTS[kind]
                for word in fold(text, variants=True):
                    slot = index.postings.setdefault(word, {})
                    if slot.get(position, 0) < weight:
                        slot[position] = weight
        index.vocabulary = sorted(index.postings)
        return index

    def match(self, word: str) -> dict[int, int]:
        """Return positions whose words start with `word`, with the best weight (exact counts double)."""
        found: dict[int, int] = {}
        start = bisect_left(self.vocabulary, word)
        for term in self.vocabulary[start:]:
            if not term.startswith(word):
                break
            bonus = 2 if term == word else 1
            for position, weight in self.postings[term].items():
                found[position] = max(found.get(position, 0), weight * bonus)
        return found


def _texts(entry: Entry) -> Iterable[tuple[str, str]]:
    d = entry.dataset
    yield from (("title", d.title.bg), ("title", d.title.en), ("title", d.slug))
    yield from (("description", d.description.bg), ("description", d.description.en))
    yield from (("keyword", k) for k in d.keywords)
    yield from (("description", entry.publisher.name.bg), ("description", entry.publisher.name.en))
    for schema_field in (d.table_schema or {}).get("fields", []):
        for key in ("name", "title", "title_en"):
            if schema_field.get(key):
                yield "field", str(schema_field[key])


def _formats(release: Release | None) -> tuple[str, ...]:
    if release is None:
        return ()
    return tuple(sorted({fmt for f in release.files for fmt in _FORMATS.get(f.role, ())}))


def load_entries(engine: Engine) -> list[Entry]:
    """Read every dataset with its publisher and latest published release (three queries)."""
    latest = (sa.select(sa.func.max(releases.c.id).label("id"))
              .where(releases.c.status == "published").group_by(releases.c.dataset_id)
              .scalar_subquery())
    with engine.connect() as conn:
        owners = {r.id: _to_publisher(r) for r in conn.execute(sa.select(publishers))}
        newest = {r.dataset_id: _to_release(r)
                  for r in conn.execute(sa.select(releases).where(releases.c.id.in_(latest)))}
        rows = conn.execute(sa.select(datasets).where(listed()).order_by(datasets.c.id)).all()
    entries = []
    for row in rows:
        dataset, release = _to_dataset(row), newest.get(row.id)
        entries.append(Entry(dataset, owners[dataset.publisher_id], release, _formats(release)))
    return entries


def catalog_stamp(engine: Engine) -> tuple[object, ...]:
    """Return a cheap value that changes whenever anything the public pages show changes."""
    query = sa.select(
        sa.select(state.c.value).where(state.c.key == "generation").scalar_subquery(),
        sa.select(sa.func.count()).select_from(datasets).scalar_subquery(),
        sa.select(sa.func.max(datasets.c.updated_at)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(publishers).scalar_subquery(),
        sa.select(sa.func.max(releases.c.created_at)).scalar_subquery(),
        sa.select(sa.func.max(releases.c.withdrawn_at)).scalar_subquery(),
    )
    with engine.connect() as conn:
        return tuple(conn.execute(query).one())


def last_modified(stamp: tuple[object, ...]) -> datetime:
    """Return the latest time found in a stamp (UTC), for Last-Modified headers."""
    times = [t if t.tzinfo else t.replace(tzinfo=timezone.utc)
             for t in stamp if isinstance(t, datetime)]
    return max(times, default=_EPOCH)


_cache: dict[str, tuple[tuple[object, ...], Index]] = {}
_lock = threading.Lock()


def index_for(engine: Engine, stamp: tuple[object, ...] | None = None) -> Index:
    """Return the search index of a catalog, rebuilt only when its stamp changed."""
    stamp = catalog_stamp(engine) if stamp is None else stamp
    key = str(engine.url)
    cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        cached = _cache.get(key)
        if cached is None or cached[0] != stamp:
            cached = (stamp, Index.build(load_entries(engine)))
            _cache[key] = cached
    return cached[1]


def _scores(index: Index, text: str) -> dict[int, int] | None:
    words = list(dict.fromkeys(fold(text)))
    if not words:
        return None  # no words: everything matches, unscored
    scores: dict[int, int] | None = None
    for word in words:
        found = index.match(word)
        scores = found if scores is None else {p: s + found[p] for p, s in scores.items() if p in found}
        if not scores:
            return {}
    return scores


def _sort_key(entry: Entry, lang: str) -> str:
    return entry.dataset.title.get(lang).casefold()


def search(index: Index, query: Query) -> Results:
    """Return one page of the entries matching a query, with facet counts over all matches."""
    found = index.answers.get(query)
    if found is None:
        found = _search(index, query)
        if len(index.answers) >= 512:
            index.answers.clear()
        index.answers[query] = found
    return found


def _search(index: Index, query: Query) -> Results:
    scores = _scores(index, query.text)
    positions = range(len(index.entries)) if scores is None else list(scores)
    values = index.values
    kept = [p for p in positions if all(value in values[p][facet] for facet, value in query.filters)]
    facets = {facet: Counter(chain.from_iterable(values[p][facet] for p in kept)) for facet in FACETS}
    matched = [index.entries[p] for p in kept]
    if query.sort == "title":
        matched.sort(key=lambda e: _sort_key(e, query.lang))
    elif query.sort == "newest" or scores is None:
        matched.sort(key=lambda e: (e.updated, e.dataset.id), reverse=True)
    else:
        rank = {id(index.entries[p]): s for p, s in scores.items()}
        matched.sort(key=lambda e: (-rank[id(e)], _sort_key(e, query.lang)))
    pages = max(1, -(-len(matched) // PAGE_SIZE))
    page = min(max(1, query.page), pages)
    return Results(
        entries=matched[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], total=len(matched), page=page,
        pages=pages,
        facets={f: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for f, c in facets.items()},
    )
