"""Seven months of demo history for the impact page: requests and answers, comments, usage,
subscriptions, and the demo releases spread over the months.

Dated relative to `today` (the demo runs at any date), made through the same domain calls as real
use (feedback.submit/moderate/set_status, subscriptions.subscribe/confirm, usage.add) with past
moments, except the publishing dates, which are moved back after the demo's real publishes.
Seeded once: a catalog that already has requests or comments is left alone. Deterministic for a
given `today`, so tests can compute the same figures independently.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator

import sqlalchemy as sa

from app.state import Portal
from publishers import feedback, subscriptions, usage
from publishers.participation_store import feedback as feedback_table
from publishers.registry import get_publisher
from publishers.store import datasets, publishers, releases

MONTHS = 7  # the current month and the six before it
ACTOR = "demo"
REQUESTS = (2, 3, 3, 4, 5, 5, 2)  # per month, oldest first
COMMENTS = (1, 2, 2, 3, 3, 4, 1)
SUBSCRIBERS = (1, 1, 2, 2, 3, 3, 1)
DELAYS = (0.5, 1.5, 3.0, 4.0, 6.5, 9.0, 13.0, 21.0, 34.0)  # days to an answer, cycled
# Where each demo dataset's releases go: (months back, day of the month) per version.
RELEASE_DATES = {
    "naseleni-mesta-v-obshtina-levski": ((6, 4),),
    "byudzhet-na-obshtina-levski": ((5, 10), (2, 12)),
    "resheniya-na-obshtinski-savet-levski": ((4, 8),),
    "indikatori-na-plana-za-razvitie": ((3, 15),),
}
REQUEST_TOPICS = ("Регистър на общинските имоти", "Разходи за снегопочистване", "Договори за обществени поръчки",
                  "График на сметосъбирането", "Данни за качеството на въздуха", "Капитални разходи по села",
                  "Заседания на комисиите", "Социални услуги по населени места")


def month_back(today: date, back: int) -> date:
    month = today.replace(day=1)
    for _ in range(back):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.utc)


def seed_history(portal: Portal, *, today: date | None = None, publisher: str = "obshtina-levski",
                 council: str = "obshtinski-savet-levski") -> Iterator[str]:
    """Seed the history (once); yield a line per kind of thing made."""
    engine = portal.engine
    now = datetime.now(timezone.utc)
    today = today or now.date()
    with engine.connect() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(feedback_table)).scalar():
            return
    rng = random.Random(today.isoformat())
    first = month_back(today, MONTHS - 1)
    owners = [get_publisher(engine, publisher).id, get_publisher(engine, council).id]
    _backdate(portal, today, first)

    filed = answered = comments = 0
    for index in range(MONTHS):
        month = month_back(today, MONTHS - 1 - index)
        for n in range(REQUESTS[index]):
            at = _at(month + timedelta(days=1 + 5 * n), 9 + n)
            if at >= now:
                continue
            delay = DELAYS[(index * 3 + n) % len(DELAYS)]
            item = feedback.submit(engine, kind="request", publisher_id=owners[n % 2], consent=True,
                                   title=REQUEST_TOPICS[(index + n) % len(REQUEST_TOPICS)],
                                   body="Моля, публикувайте тези данни в отворен формат.",
                                   address=f"198.51.100.{index * 10 + n}", email=f"zayavitel{index}{n}@example.org",
                                   now=at)
            assert item is not None
            feedback.moderate(engine, item.id, approve=True, actor=ACTOR, now=at + timedelta(hours=2))
            filed += 1
            answer_at = at + timedelta(days=delay)
            if answer_at >= now or (index * 7 + n) % 5 == 4:
                continue  # still waiting for its answer
            outcome = ("answered", "declined", "answered")[n % 3]
            feedback.set_status(engine, item.id, "under_review", actor=ACTOR, now=at + timedelta(hours=3))
            feedback.set_status(engine, item.id, outcome, actor=ACTOR, now=answer_at,
                                answer="Данните ще бъдат публикувани до края на месеца." if outcome == "answered"
                                else "", reason="Данните не са на общината." if outcome == "declined" else "")
            answered += 1
        for n in range(COMMENTS[index]):
            at = _at(month + timedelta(days=3 + 6 * n), 14)
            if at + timedelta(hours=5) >= now:
                continue
            item = feedback.submit(engine, kind="comment", publisher_id=owners[n % 2], consent=True,
                                   body="Благодарим, данните са полезни за местната общност.",
                                   address=f"203.0.113.{index * 10 + n}", email=f"komentar{index}{n}@example.org",
                                   now=at)
            assert item is not None
            feedback.moderate(engine, item.id, approve=True, actor=ACTOR, now=at + timedelta(hours=5))
            comments += 1
    yield f"+ history: {filed} requests ({answered} answered), {comments} comments"
    yield f"+ history: {_subscribers(portal, today, now)} subscribers"
    yield f"+ history: {_usage(portal, first, today, rng)} days of use"
    yield from _methodology(portal, today)


# Demo targets for this year: the monthly value to reach by December (docs/impact.md).
TARGETS = {"requests_answered": 6, "answer_days_median": 5, "on_time_share": 90, "quality_average": 85,
           "page_views": 3000, "downloads": 800, "comments_published": 5, "subscribers_confirmed": 9}


def _methodology(portal: Portal, today: date) -> Iterator[str]:
    """A baseline period (the history's first three months) and targets, if none is set yet."""
    from datasets.impact import status_year
    from datasets.impact_methodology import current, set_baseline, set_target

    if current(portal.engine).version:
        return
    set_baseline(portal.engine, start=f"{month_back(today, MONTHS - 1):%Y-%m}",
                 end=f"{month_back(today, MONTHS - 3):%Y-%m}", actor=ACTOR, note="демо / demo")
    for key, value in TARGETS.items():
        set_target(portal.engine, key=key, year=status_year(), value=value, actor=ACTOR)
    yield f"+ impact methodology: baseline and {len(TARGETS)} targets"


def _backdate(portal: Portal, today: date, first: date) -> None:
    """Move the demo's publishers, datasets and releases back into the months of the history."""
    created = _at(first + timedelta(days=1), 8)
    with portal.engine.begin() as conn:
        conn.execute(publishers.update().values(created_at=created))
        for slug, dates in RELEASE_DATES.items():
            dataset_id = conn.execute(sa.select(datasets.c.id).where(datasets.c.slug == slug)).scalar()
            if dataset_id is None:
                continue
            conn.execute(datasets.update().where(datasets.c.id == dataset_id).values(created_at=created))
            for version, (back, day) in enumerate(dates, start=1):
                conn.execute(releases.update().where(releases.c.dataset_id == dataset_id,
                                                     releases.c.version == version)
                             .values(created_at=_at(month_back(today, back) + timedelta(days=day - 1), 11)))


def _subscribers(portal: Portal, today: date, now: datetime) -> int:
    made = 0
    with portal.engine.begin() as conn:
        for index in range(MONTHS):
            month = month_back(today, MONTHS - 1 - index)
            for n in range(SUBSCRIBERS[index]):
                at = _at(month + timedelta(days=2 + 7 * n), 12)
                if at + timedelta(hours=1) >= now:
                    continue
                asked = subscriptions.subscribe(conn, email=f"abonat{index}{n}@example.org", kind="publisher",
                                                target="obshtina-levski", frequency="weekly", lang="bg", now=at)
                assert asked is not None
                subscriptions.confirm(conn, asked[1].id, asked[1].secret, now=at + timedelta(hours=1))
                made += 1
    return made


def _usage(portal: Portal, first: date, today: date, rng: random.Random) -> int:
    with portal.engine.connect() as conn:
        ids = conn.execute(sa.select(datasets.c.id).where(datasets.c.slug.in_(RELEASE_DATES))
                           .order_by(datasets.c.id)).scalars().all()
    counts: dict[tuple[int, str, str], int] = {}
    day, days = first, 0
    while day < today:
        growth = 1 + (day - first).days / 60  # use grows over the months
        for rank, dataset_id in enumerate(ids):
            counts[(dataset_id, day.isoformat(), "view")] = int(rng.randint(3, 12) * growth) + rank
            counts[(dataset_id, day.isoformat(), "download")] = int(rng.randint(0, 4) * growth)
            counts[(dataset_id, day.isoformat(), "api")] = int(rng.randint(0, 3) * growth)
        day += timedelta(days=1)
        days += 1
    usage.add(portal.engine, counts)
    return days
