"""Usage statistics: count dataset page views and downloads as they happen (no cookies, no
addresses, nothing per visitor), add them to the daily totals, show them and export them as CSV.

Counts wait in memory for a few seconds and are written as one transaction, so a busy page does
not cost a catalog write per request.
"""
from __future__ import annotations

import atexit
import csv
import io
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from functools import partial

from flask import Blueprint, Flask, Response, current_app, request, session
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.participation.i18n import _p
from app.participation.responses import page
from app.state import current_portal, portal_of
from datasets import catalog
from publishers import usage

bp = Blueprint("participation_usage", __name__)
COUNTED = {"public.dataset_page": "view", "public.release_page": "view", "files.download": "download"}
ROBOTS = ("bot", "crawl", "spider", "slurp", "preview", "headless", "python-httpx")
MAX_DAYS = 366


class Tally:
    """Counts not yet written, per (dataset id, day, kind)."""

    def __init__(self, engine: Engine, *, every: float) -> None:
        self.engine, self.every = engine, every
        self.counts: Counter[usage.Key] = Counter()
        self.ids: dict[str, int] = {}
        self.lock = threading.Lock()
        self.flushed = time.monotonic()

    def dataset_id(self, slug: str) -> int | None:
        if slug not in self.ids:
            found = catalog.find_dataset(self.engine, slug)
            if found is None:
                return None
            self.ids[slug] = found.id
        return self.ids[slug]

    def count(self, slug: str, kind: str) -> Callable[[], None] | None:
        """Count one use; return the write of the counts when one is due, for the caller to run
        where waiting on the catalog is harmless (a request thread, not the event loop)."""
        dataset_id = self.dataset_id(slug)
        if dataset_id is None:
            return None
        day = datetime.now(timezone.utc).date().isoformat()
        with self.lock:
            self.counts[(dataset_id, day, kind)] += 1
            if time.monotonic() - self.flushed < self.every:
                return None
            pending, self.counts = self.counts, Counter()
            self.flushed = time.monotonic()
        return partial(usage.add, self.engine, pending)

    def flush(self) -> None:
        with self.lock:
            pending, self.counts = self.counts, Counter()
            self.flushed = time.monotonic()
        usage.add(self.engine, pending)


def tally() -> Tally:
    return current_app.extensions["usage_tally"]


def _is_robot(agent: str) -> bool:
    agent = agent.lower()
    return not agent or any(word in agent for word in ROBOTS)


def count_sql_call(counter: Tally, slug: str, agent: str) -> Callable[[], None] | None:
    """Count one answered SQL API call on a dataset (robots are not counted); return the
    write of the counts when one is due."""
    return None if _is_robot(agent) else counter.count(slug, "api")


def count_request(response: Response) -> Response:
    """Count a successful GET of a dataset page or download (HEAD, robots and signed-in staff are
    not counted: the impact indicators measure the public's use, docs/impact.md)."""
    kind = COUNTED.get(request.endpoint or "")
    if (kind and request.method == "GET" and response.status_code in (200, 206, 304)
            and not _is_robot(request.user_agent.string or "") and not session.get("sid")):
        slug = (request.view_args or {}).get("slug")
        if slug:
            write = tally().count(slug, kind)
            if write is not None:  # a request thread of Flask's: waiting here blocks no one else
                write()
    return response


def _period() -> tuple[date, date]:
    today = datetime.now(timezone.utc).date()
    raw = request.args.get("days", "30")
    days = int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_DAYS else 30
    return today - timedelta(days=days - 1), today


@bp.get("/statistics")
def statistics_page():  # type: ignore[no-untyped-def]
    tally().flush()
    since, until = _period()
    rows = usage.daily(current_portal().engine, since=since, until=until)
    per_day = usage.per_day(rows)
    labels = [(since + timedelta(days=i)).isoformat() for i in range((until - since).days + 1)]
    chart = {"kind": "line", "unit": "", "labels": labels,
             "series": [{"name": name, "values": [per_day.get(day, Counter())[kind] for day in labels]}
                        for kind, name in (("view", _p("Page views")), ("download", _p("Downloads")),
                                           ("api", _p("SQL API calls")))]}
    titles = {d.slug: d.title for d in catalog.list_datasets(current_portal().engine)}
    totals = sorted(usage.totals(rows).items(), key=lambda kv: -sum(kv[1].values()))
    return page("participation/statistics.html", since=since, until=until, totals=totals,
                titles=titles, chart=chart, per_day=per_day, labels=labels,
                days=(until - since).days + 1)


@bp.get("/statistics.csv")
def statistics_csv() -> Response:
    tally().flush()
    since, until = _period()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["day", "dataset", "views", "downloads", "api_calls"])
    for row in usage.daily(current_portal().engine, since=since, until=until):
        writer.writerow([row.day, row.slug, row.views, row.downloads, row.api])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="otkrito-usage-{until}.csv"'
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def init_app(app: Flask) -> None:
    """Count usage after each response; offer the statistics pages."""
    every = float(app.config["OTKRITO"].get("USAGE_FLUSH_SECONDS", 10))
    counter = Tally(portal_engine(app), every=every)
    app.extensions["usage_tally"] = counter
    atexit.register(_flush_at_exit, counter)
    app.after_request(count_request)
    app.register_blueprint(bp)


def _flush_at_exit(counter: Tally) -> None:
    try:
        counter.flush()
    except SQLAlchemyError:  # the instance may be gone already (tests remove theirs)
        pass


def portal_engine(app: Flask) -> Engine:
    return portal_of(app).engine
