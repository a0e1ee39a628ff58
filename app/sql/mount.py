"""The SQL API: Datasette under /sql/, serving each dataset's latest release read-only.

Datasette is built empty and fed from the catalog: a dataset's latest release database is
mounted immutable under its slug when a request first names it (at most `mounts.MOUNTED` at a
time, least recently used out), with the row counts, hashes and sizes recorded at publish, so
no page ever counts or hashes a big file per request. `catalog.db` is never mounted. Before each
request the wrapper compares the catalog's publish generation with the one it last saw and
follows the catalog when it changed, so a new release is served without a restart.
"""
from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from functools import partial
from pathlib import Path
from typing import Any, Callable, MutableMapping
from urllib.parse import quote

from datasette.app import Datasette
from datasette.database import Database, QueryInterrupted
from datasette.utils import tilde_decode
from sqlalchemy.exc import DBAPIError

from app.asgi_types import Receive, Scope, Send
from app.errors import catalog_unavailable
from app.ops.metrics import SQL_QUERIES, SQL_TIMEOUTS
from app.sql.catalog_watch import CatalogWatch
from app.sql.clients import TOO_MANY, ClientSlots, client_address
from app.sql.index import PREFIX, answer_index
from app.sql.mounts import MOUNTED, Mounts
from app.sql.schema import RememberedSchema, SteadyDatasette
from app.state import Portal
from datasets.catalog import LiveDatabase, generation, live_databases
from metadata.errors import StorageUnavailable
from metadata.messages import text

# Datasette's time limit cannot interrupt one huge function call (randomblob(5e8), a 200 MB
# group_concat): capping the size of any string or blob makes SQLite refuse them at once.
MAX_VALUE_BYTES = 20 * 1024 * 1024
# Pragmas that take an argument yet only read (Datasette introspects tables with them).
READING_PRAGMAS = frozenset({"table_info", "table_xinfo", "index_list", "index_info",
                             "index_xinfo", "foreign_key_list"})
DENIED_ACTIONS = frozenset({
    sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH, sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE,
    sqlite3.SQLITE_DELETE, sqlite3.SQLITE_ALTER_TABLE, sqlite3.SQLITE_REINDEX,
    sqlite3.SQLITE_ANALYZE, sqlite3.SQLITE_CREATE_VTABLE, sqlite3.SQLITE_DROP_VTABLE,
    sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_SAVEPOINT,
    sqlite3.SQLITE_CREATE_INDEX, sqlite3.SQLITE_CREATE_TABLE, sqlite3.SQLITE_CREATE_TEMP_INDEX,
    sqlite3.SQLITE_CREATE_TEMP_TABLE, sqlite3.SQLITE_CREATE_TEMP_TRIGGER,
    sqlite3.SQLITE_CREATE_TEMP_VIEW, sqlite3.SQLITE_CREATE_TRIGGER, sqlite3.SQLITE_CREATE_VIEW,
    sqlite3.SQLITE_DROP_INDEX, sqlite3.SQLITE_DROP_TABLE, sqlite3.SQLITE_DROP_TEMP_INDEX,
    sqlite3.SQLITE_DROP_TEMP_TABLE, sqlite3.SQLITE_DROP_TEMP_TRIGGER,
    sqlite3.SQLITE_DROP_TEMP_VIEW, sqlite3.SQLITE_DROP_TRIGGER, sqlite3.SQLITE_DROP_VIEW,
})


def _authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None,
               _trigger: str | None) -> int:
    # Second line of defence behind Datasette's "SELECT only" check: whatever SQL gets
    # through, SQLite itself refuses anything that writes, attaches or changes a setting.
    if action in DENIED_ACTIONS:
        # FTS5's constructor asks to update sqlite_master.type on every connect; the file is
        # immutable and the connection query_only, so that ask can never write anything.
        internal = action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master"
        return sqlite3.SQLITE_OK if internal else sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and arg2 is not None \
            and (arg1 or "").lower() not in READING_PRAGMAS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() == "load_extension":
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def harden(conn: sqlite3.Connection) -> None:
    """Make a connection read-only, unable to attach, and bounded in value size."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.execute("PRAGMA query_only=1")
    conn.set_authorizer(_authorize)


class ReleaseDatabase(RememberedSchema, Database):  # type: ignore[misc]
    """An immutable release file whose connections are hardened and closed when unmounted.

    Datasette 0.65 keeps one connection per thread keyed by database *name*, shared by every
    Datasette in the process: after swapping a dataset's file its SQL threads would go on
    reading the old one. Here each mounted file keeps its own connection per SQL thread, and
    `retire()` closes them all as soon as no query of the file is running (a thread-local
    map would keep them, and their file handles, until that thread happened to run again).
    """

    def __init__(self, ds: Datasette, path: Path, clients: ClientSlots,
                 fetch: Callable[[], Path] | None = None) -> None:
        super().__init__(ds, path=str(path), is_mutable=False)
        self.clients = clients
        self.retired = False
        self._lock = threading.Lock()
        self._connections: dict[int, sqlite3.Connection] = {}  # by SQL thread
        self._running = 0  # queries on this file in SQL threads right now
        # With object storage: puts the file (checked) at `path` when it is not cached yet.
        self.fetch = fetch

    def connect(self, write: bool = False) -> sqlite3.Connection:
        assert not write, "release databases are read-only"
        path = self.fetch() if self.fetch is not None else Path(self.path)
        # Quote the path: a '?' or '#' in the instance path would otherwise end the file name.
        uri = f"file:{quote(str(path))}?immutable=1"
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    def _connection(self) -> sqlite3.Connection:
        thread = threading.get_ident()
        conn = self._connections.get(thread)
        if conn is None:
            conn = self.connect()
            self.ds._prepare_connection(conn, self.name)
            harden(conn)
            self._connections[thread] = conn
        return conn

    def _run(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        # Counted in the SQL thread itself: a request cancelled while its query runs must
        # not let retire() close the connection under that query.
        with self._lock:
            self._running += 1
        try:
            return fn(self._connection())
        finally:
            with self._lock:
                self._running -= 1
                if self.retired and not self._running:
                    self._close()

    def retire(self) -> None:
        """Unmounted: close every connection now, or when the last running query ends."""
        with self._lock:
            self.retired = True
            if not self._running:
                self._close()

    close = retire

    def _close(self) -> None:
        connections, self._connections = list(self._connections.values()), {}
        for conn in connections:
            conn.close()

    def open_connections(self) -> int:
        """Return how many connections (file handles) this file has open now."""
        return len(self._connections)

    async def execute_fn(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        if self.ds.executor is None:
            return self._run(fn)
        loop = asyncio.get_running_loop()
        async with self.clients.query():
            try:
                return await loop.run_in_executor(self.ds.executor, self._run, fn)
            except QueryInterrupted:
                SQL_TIMEOUTS.inc()  # OTKRITO_SQL_TIME_LIMIT_MS stopped it
                raise


def datasette_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Return Datasette's settings from the portal's."""
    return {
        "base_url": PREFIX + "/",
        "sql_time_limit_ms": settings["SQL_TIME_LIMIT_MS"],
        "max_returned_rows": settings["SQL_MAX_ROWS"],
        "suggest_facets": False,
        "allow_download": False,  # downloads are the release files we serve ourselves
        # A CSV stream walks the whole table past max_returned_rows; the release CSV is there.
        "allow_csv_stream": False,
        "default_cache_ttl": 60,
    }


class SqlApp:
    """Datasette behind a guard that keeps its databases in step with the catalog.

    Only a bounded set of databases is mounted at a time (`app/sql/mounts.py`): a request
    for a dataset mounts it first. The index (`/sql/.json`) is the portal's own, paged, from
    the catalog: Datasette's would open every mounted file for every request.
    """

    def __init__(self, portal: Portal, *, mounted: int = MOUNTED) -> None:
        self.portal = portal
        self.ds = SteadyDatasette(settings=datasette_settings(portal.settings), cors=True,
                                  inspect_data={}, metadata={})
        # Datasette adds an empty in-memory database when given no files; serve only releases.
        self.ds.remove_database("_memory")
        self.asgi = self.ds.app()
        self.generation: int | None = None
        self.clients = ClientSlots()
        self.mounts = Mounts(self.ds, portal.instance.releases, self._release_database,
                             limit=mounted)
        self.watch = CatalogWatch(portal.engine)
        self.watched: int | None = None  # the catalog's data version when last found current
        # Called with (dataset slug, user agent) for each answered query: usage statistics.
        # What it returns, the write of the counts when one is due, runs off the event loop.
        self.on_call: Callable[[str, str], Callable[[], None] | None] | None = None
        self._lock = asyncio.Lock()
        self.mount(live_databases(portal.engine), generation(portal.engine))
        self.mounts.warm()

    def mount(self, lives: list[LiveDatabase], seen: int) -> None:
        """Serve exactly `lives` from now on (swapping mounted ones whose release changed)."""
        self.mounts.follow(lives)
        self.generation = seen

    async def refresh(self) -> None:
        """Follow the catalog when the publish generation moved since the last request."""
        engine = self.portal.engine
        # Data version before generation: a commit in between is seen by the next request.
        version = self.watch.version()
        if version is not None and version == self.watched:
            return
        # SQLite asks its local file; a catalog server is a round trip: off the event loop.
        current = generation(engine) if engine.dialect.name == "sqlite" else \
            await asyncio.to_thread(generation, engine)
        if current != self.generation:
            async with self._lock:
                # Generation first: a publish landing in between only causes one more reload.
                seen = await asyncio.to_thread(generation, engine)
                if seen != self.generation:
                    self.mount(await asyncio.to_thread(live_databases, engine), seen)
        self.watched = version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1000})
            return
        scope = collapse_slashes(scope, after=PREFIX)
        path = scope["path"]
        if path == PREFIX:
            await redirect(send, PREFIX + "/")
            return
        index = INDEX.fullmatch(path)
        if path.split(".")[0] in HIDDEN or (index and index["format"] != ".json"):
            # The HTML index is a portal page (app/sql/page.py); Datasette's is never served.
            await not_found(send)
            return
        async with self.clients.admit(client_address(scope)) as admitted:
            if not admitted:
                await plain(send, 429, TOO_MANY, retry_after=1)
                return
            try:
                await self.refresh()
            except DBAPIError as error:
                if not catalog_unavailable(error):
                    raise
                down = text("catalog.unavailable")
                await plain(send, 503, f"{down.bg} / {down.en}", retry_after=5)
                return
            if index:
                await answer_index(send, self.mounts, scope.get("query_string", b""))
                return
            with self.mounts.using(database_name(path)):
                if await self._fetched(scope, send):
                    if database_name(path) in self.ds.databases:
                        SQL_QUERIES.inc()
                    await self.asgi(scope, receive, self._counting(scope, send))

    async def _fetched(self, scope: Scope, send: Send) -> bool:
        """Fetch the asked-for database into the cache off the event loop (object storage).

        A store that cannot be reached gets a clear 503 here, before Datasette would turn the
        failure into its own 500 page.
        """
        db = self.ds.databases.get(database_name(scope["path"]))
        if not isinstance(db, ReleaseDatabase) or db.fetch is None:
            return True
        try:
            await asyncio.to_thread(db.fetch)
        except StorageUnavailable as error:
            await plain(send, 503, f"{error.text.bg} / {error.text.en}", retry_after=10)
            return False
        return True

    def _release_database(self, live: LiveDatabase, path: Path) -> ReleaseDatabase | None:
        """Return the database to mount for a live release, or None when it cannot be served."""
        storage = self.portal.instance.storage
        if storage.remote:
            # The instance only caches: the catalog's word is enough, and the file is fetched
            # (and checked) when a request first needs it, see `_fetched`.
            fetch = partial(storage.fetch, f"releases/{live.path}", live.sha256)
            return ReleaseDatabase(self.ds, path, self.clients, fetch)
        # A release whose file is missing is skipped, not served (`otkrito check` reports it).
        return ReleaseDatabase(self.ds, path, self.clients) if path.is_file() else None

    def _counting(self, scope: Scope, send: Send) -> Send:
        """Wrap send so that a successful GET of a dataset's data counts as one SQL API call."""
        name = database_name(scope["path"])
        if self.on_call is None or scope["method"] != "GET" or name not in self.ds.databases:
            return send
        agent = dict(scope.get("headers") or []).get(b"user-agent", b"").decode("latin-1")
        on_call = self.on_call

        async def counted(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                write = on_call(name, agent)
                if write is not None:  # a catalog write may wait on a publish's lock
                    asyncio.get_running_loop().run_in_executor(None, write)
            await send(message)

        return counted



# Datasette's introspection pages that show where release files live on the server.
HIDDEN = {PREFIX + "/-/databases", PREFIX + "/-/threads"}
# Datasette's index and its formats (/sql/, /sql/.json, /sql/.jsono).
INDEX = re.compile(re.escape(PREFIX) + r"/(?P<format>\.[^/]*)?")


def database_name(path: str) -> str:
    """Return the database a /sql/ path names (Datasette tilde-encodes unusual characters)."""
    name = path[len(PREFIX) + 1:].split("/")[0].split(".")[0]
    return tilde_decode(name) if "~" in name else name


async def not_found(send: Send) -> None:
    """Answer 404 with a short bilingual text."""
    await plain(send, 404, "Няма такава страница. / Not found.")


async def plain(send: Send, status: int, message: str, *, retry_after: int | None = None) -> None:
    """Answer with a short plain-text message."""
    body = message.encode("utf-8")
    headers = [(b"content-type", b"text/plain; charset=utf-8"),
               (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


LEADING = re.compile(r"^[/\\]+")


def _collapse(path: str, after: str) -> str:
    if not path.startswith(after):
        return path
    return after + LEADING.sub("/", path[len(after):])


def collapse_slashes(scope: Scope, *, after: str = "") -> Scope:
    """Collapse the slashes and backslashes that open the path (after a prefix) into one.

    `//host/` and `/\\host/` are read by browsers as another site, so a redirect that echoes
    such a path would send the visitor off-site.
    """
    path = _collapse(scope["path"], after)
    raw = scope.get("raw_path")
    raw_path = _collapse(raw.decode("latin-1"), after).encode("latin-1") if raw else raw
    if path == scope["path"] and raw_path == raw:
        return scope
    return dict(scope, path=path, raw_path=raw_path)


async def redirect(send: Send, location: str) -> None:
    """Answer with a permanent redirect to a local path."""
    await send({"type": "http.response.start", "status": 301,
                "headers": [(b"location", location.encode("ascii")),
                            (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


async def lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge start-up and shutdown: nothing here needs either."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def make_sql_app(portal: Portal, *, mounted: int = MOUNTED) -> SqlApp:
    """Return the ASGI app serving /sql/ for an opened portal (at most `mounted` files open)."""
    # When rich is importable (frictionless brings it) Datasette prints every 404 and every
    # refused query as a traceback with locals, request headers included: ~0.35 s of the
    # event loop per error and cookies in the log. Its plain error pages stay as they are.
    # (Imported here, after datasette.app: imported first it registers its hook half-made.)
    from datasette import handle_exception

    handle_exception.rich = None
    return SqlApp(portal, mounted=mounted)
