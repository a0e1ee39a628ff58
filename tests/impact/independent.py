"""The impact indicators computed again, independently of datasets/impact.py: plain SQL over the
catalog's tables, bucketed by month here. The tests compare these with monthly_figures, the page
and the dataset. (Metadata quality alone reuses the scorer, metadata.quality.assess, on inputs
chosen here: re-deriving its 30 checks would test the scorer, which has its own tests.)"""
from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone
from statistics import median
from typing import Any

import sqlalchemy as sa

from datasets import catalog
from metadata import quality
from metadata.vocab import FREQUENCIES
from publishers.registry import list_publishers

IMPACT = "vazdeystvie-na-portala"


def moment(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def month_of(value: Any) -> date:
    return moment(value).date().replace(day=1)


def following(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def rows(engine: sa.Engine, sql: str, **params: Any) -> list[sa.Row]:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def expected(engine: sa.Engine, months: list[date], *, publisher_id: int | None, now: datetime) -> dict:
    """Return {(indicator, month): value} for the portal (publisher_id None) or one publisher."""
    mine_f = "" if publisher_id is None else f" AND f.publisher_id = {int(publisher_id)}"
    mine_d = "" if publisher_id is None else f" AND d.publisher_id = {int(publisher_id)}"
    opened = moment(rows(engine, "SELECT MIN(created_at) FROM publishers")[0][0])
    filed = [moment(r[0]) for r in rows(engine, "SELECT f.created_at FROM feedback f WHERE f.kind = 'request'"
                                                " AND f.moderation <> 'rejected'" + mine_f)]
    answers = [(moment(r[0]), moment(r[1])) for r in rows(
        engine, "SELECT f.created_at, MIN(e.at) FROM feedback f JOIN feedback_events e ON e.feedback_id = f.id"
                " WHERE f.kind = 'request' AND f.moderation <> 'rejected'"
                " AND e.action IN ('answered', 'fulfilled', 'declined')" + mine_f + " GROUP BY f.id, f.created_at")]
    comments = [moment(r[0]) for r in rows(
        engine, "SELECT MIN(e.at) FROM feedback f JOIN feedback_events e ON e.feedback_id = f.id"
                " WHERE f.kind = 'comment' AND f.moderation = 'approved' AND e.action = 'approved'"
                + mine_f + " GROUP BY f.id")]
    firsts = [moment(r[0]) for r in rows(
        engine, "SELECT MIN(r.created_at) FROM releases r JOIN datasets d ON d.id = r.dataset_id"
                " WHERE d.slug <> :impact" + mine_d + " GROUP BY d.id", impact=IMPACT)]
    made = [moment(r[0]) for r in rows(
        engine, "SELECT r.created_at FROM releases r JOIN datasets d ON d.id = r.dataset_id"
                " WHERE d.slug <> :impact" + mine_d, impact=IMPACT)]
    use: dict[tuple[date, str], int] = {}
    for day, kind, count in rows(engine, "SELECT u.day, u.kind, u.count FROM usage_daily u JOIN datasets d"
                                         " ON d.id = u.dataset_id WHERE d.slug <> :impact" + mine_d, impact=IMPACT):
        key = (date.fromisoformat(day).replace(day=1), kind)
        use[key] = use.get(key, 0) + count
    first_sub = rows(engine, "SELECT MIN(created_at) FROM follow_subscriptions")[0][0]
    confirmed = rows(engine, "SELECT address_id, changed_at FROM follow_subscriptions WHERE status = 'confirmed'")
    sets = rows(engine, "SELECT d.id, d.frequency, d.created_at FROM datasets d WHERE d.slug <> :impact" + mine_d,
                impact=IMPACT)
    published = rows(engine, "SELECT r.dataset_id, r.created_at, r.status, r.version FROM releases r")
    owners = {p.id: p for p in list_publishers(engine)}

    found: dict = {}
    for month in months:
        begin, stop = datetime.combine(month, datetime.min.time(), timezone.utc), None
        stop = datetime.combine(following(month), datetime.min.time(), timezone.utc)
        if begin > now or stop <= opened:
            continue  # not measured: every value stays None
        at = min(stop - timedelta(microseconds=1), now)
        inside = lambda t: begin <= t < stop  # noqa: E731
        put = lambda key, value: found.__setitem__((key, month), value)  # noqa: E731
        put("requests_filed", sum(map(inside, filed)))
        delays = [(b - a).total_seconds() / 86400 for a, b in answers if inside(b)]
        put("requests_answered", len(delays))
        put("answer_days_median", round(median(delays), 1) if delays else None)
        put("answer_days_p90", round(sorted(delays)[math.ceil(0.9 * len(delays)) - 1], 1) if delays else None)
        put("comments_published", sum(map(inside, comments)))
        put("datasets_published", sum(map(inside, firsts)))
        put("releases_published", sum(map(inside, made)))
        for key, kind in (("page_views", "view"), ("downloads", "download"), ("api_calls", "api")):
            put(key, use.get((month, kind), 0))
        if publisher_id is None:
            put("subscribers_confirmed", None if first_sub is None or moment(first_sub) > at
                else len({a for a, t in confirmed if moment(t) <= at}))
        checkable = overdue = 0
        scores = []
        for dataset_id, frequency, created in sets:
            if created is not None and moment(created) > at:
                continue
            mine = [r for r in published if r.dataset_id == dataset_id and r.status == "published"
                    and moment(r.created_at) <= at]
            days = 1 if frequency == "UPDATE_CONT" else getattr(FREQUENCIES.get(frequency), "days", None)
            start = max((moment(r.created_at) for r in mine), default=None) or moment(created)
            if days:
                checkable += 1
                overdue += at > start + timedelta(days=days)
            dataset = next(d for d in catalog.list_datasets(engine) if d.id == dataset_id)
            latest = max(mine, key=lambda r: r.version, default=None)
            release = catalog.get_release(engine, dataset, latest.version) if latest else None
            scores.append(quality.assess(dataset, release, owners[dataset.publisher_id]).percent)
        put("on_time_share", round(100 * (checkable - overdue) / checkable, 1) if checkable else None)
        put("quality_average", round(sum(scores) / len(scores), 1) if scores else None)
    return found
