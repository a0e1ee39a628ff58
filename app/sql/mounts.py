"""Which release databases one process keeps mounted: a bounded set, least recently used out.

Each mounted database may hold one SQLite connection per SQL thread, and each connection is a
file handle and a page cache. Mounting every dataset made a process need about 3 handles and
0.5 MB per dataset: 3,610 handles and 763 MB with 1,200 datasets, and every request failed
under a stock `ulimit -n 1024`. So a process mounts a dataset when a request first names it
and keeps at most `limit` of them, unmounting (and closing the connections of) the one used
least recently. The catalog's list of live databases is kept in full: it is small (no files).

A database with a request in progress is never unmounted: Datasette looks a database up by
name more than once per request. When more than `limit` datasets are being answered at the
same moment, the set grows past the bound for as long as those requests last.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

from datasette.app import Datasette

from datasets.catalog import LiveDatabase
from metadata.vocab import LICENCES

# 64 databases x 3 SQL threads = at most 192 release handles per process, whatever the
# number of datasets; a request for one of the 64 most recently used opens nothing.
MOUNTED = 64


class Mounts:
    """The live databases of the catalog, and the few of them mounted in one Datasette."""

    def __init__(self, ds: Datasette, releases: Path,
                 make: Callable[[LiveDatabase, Path], Any], *, limit: int = MOUNTED) -> None:
        self.ds, self.releases, self.make, self.limit = ds, releases, make, limit
        self.lives: dict[str, LiveDatabase] = {}
        self.names: list[str] = []  # the live databases' names in order, for paging the index
        self._recent: OrderedDict[str, None] = OrderedDict()  # mounted, least recent first
        self._busy: dict[str, int] = {}  # requests in progress per mounted name
        ds.inspect_data = {}
        ds._metadata_local = {"databases": {}}

    def follow(self, lives: list[LiveDatabase]) -> None:
        """Serve exactly `lives` from now on: swap mounted databases whose release changed.

        No await in here: no request sees a dataset missing halfway through a swap.
        """
        wanted = {live.name: live for live in lives}
        for name in list(self._recent):
            live = wanted.get(name)
            if live is None:
                self._unmount(name)
            elif live.path != self.lives[name].path:
                # A new release: a new file, mounted in place of the old (which closes).
                self._unmount(name)
                self.lives[name] = live
                self._mount(name)
            elif live != self.lives[name]:
                # Same file, new metadata (a title edit): Datasette shows what the catalog says.
                self.ds._metadata_local["databases"][name] = database_metadata(live)
        self.lives = wanted
        self.names = sorted(wanted)

    def warm(self) -> None:
        """Mount the first databases up to the bound (all of them in a small portal)."""
        for name in self.names[:self.limit]:
            if name not in self._recent:
                self._mount(name)

    @contextmanager
    def using(self, name: str) -> Iterator[bool]:
        """Hold the named database mounted for the block; yield whether it is served."""
        held = self._acquire(name)
        try:
            yield held
        finally:
            if held:
                self._busy[name] -= 1
                if not self._busy[name]:
                    del self._busy[name]
                self._trim()

    def mounted(self) -> list[str]:
        """Return the names mounted now, least recently used first."""
        return list(self._recent)

    def _acquire(self, name: str) -> bool:
        if name not in self.lives:
            return False
        if name not in self._recent and not self._mount(name):
            return False
        self._recent.move_to_end(name)
        self._busy[name] = self._busy.get(name, 0) + 1
        self._trim()
        return True

    def _trim(self) -> None:
        while len(self._recent) > self.limit:
            idle = next((n for n in self._recent if n not in self._busy), None)
            if idle is None:  # every mounted database is answering a request right now
                return
            self._unmount(idle)

    def _mount(self, name: str) -> bool:
        live = self.lives[name]
        path = self.releases / live.path
        database = self.make(live, path)
        if database is None:
            return False
        self.ds.add_database(database, name=name)
        self.ds.inspect_data[name] = inspect_entry(live, path)
        self.ds._metadata_local["databases"][name] = database_metadata(live)
        self._recent[name] = None
        return True

    def _unmount(self, name: str) -> None:
        db = self.ds.databases[name]
        self.ds.remove_database(name)
        self.ds.inspect_data.pop(name, None)
        self.ds._metadata_local["databases"].pop(name, None)
        del self._recent[name]
        db.retire()


def inspect_entry(live: LiveDatabase, path: Path) -> dict[str, Any]:
    """Return Datasette's inspect data for a release: counted and hashed at publish."""
    return {"hash": live.sha256, "size": live.bytes, "file": str(path),
            "tables": {live.table: {"count": live.row_count}}}


def database_metadata(live: LiveDatabase) -> dict[str, Any]:
    """Return Datasette's metadata for a release database, from the catalog."""
    licence = LICENCES.get(live.licence)
    meta: dict[str, Any] = {
        "title": live.title.bg, "description": live.description.bg,
        "source": live.publisher.bg, "license": live.licence,
    }
    if licence is not None:
        meta["license"] = licence.title.bg
        meta["license_url"] = licence.url
    return meta
