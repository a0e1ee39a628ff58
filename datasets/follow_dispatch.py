"""Turn events into messages in the outbox: one at once for immediate subscribers, daily and
weekly digests grouped by dataset for the others; note datasets gone overdue; forget old data.

Each event is claimed and expanded in one transaction (its messages, or its digest rows, and
its `dispatched_at` commit together), so a dispatcher killed half-way leaves the event to the
next one and two dispatchers never both expand it. Diffs are computed before that transaction,
so it stays short.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from datasets import catalog, follow_news, staff_reminders, timeliness, webhook_payload
from datasets.follow import Mailer, manage_url, unsubscribe_url
from datasets.instance import Instance
from metadata import mail_message
from metadata.mail_text import Block, Mail, phrase
from metadata.records import Dataset
from publishers import follow_events, outbox, subscriptions, webhooks
from publishers.follow_events import Event
from publishers.follow_store import follow_pending, follow_subscriptions
from publishers.registry import get_publisher_by_id
from publishers.store import datasets as datasets_table
from publishers.upsert import insert_once

DIGEST_AFTER = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
NEW_OVERDUE = timedelta(days=7)  # an older miss is not news: the first run stays quiet about it
KEEP_SENT = timedelta(days=30)


def _dataset(engine: Engine, dataset_id: int) -> Dataset | None:
    with engine.connect() as conn:
        slug = conn.execute(sa.select(datasets_table.c.slug).where(datasets_table.c.id == dataset_id)).scalar()
    return None if slug is None else catalog.find_dataset(engine, slug)


def _targets(engine: Engine, event: Event, dataset: Dataset) -> list[tuple[str, str]]:
    publisher = get_publisher_by_id(engine, dataset.publisher_id)
    found = [("dataset", dataset.slug), ("publisher", publisher.slug)]
    if event.kind == "overdue":
        return found + [("overdue", "")]
    return found + [("theme", t) for t in dataset.themes] + [("keyword", k) for k in dataset.keywords]


class _News:
    """The blocks of events, per language, computed once per dispatch."""

    def __init__(self, instance: Instance, engine: Engine, mailer: Mailer, now: datetime) -> None:
        self.instance, self.engine, self.mailer, self.now = instance, engine, mailer, now
        self._blocks: dict[tuple[int, str], Block | None] = {}
        self._diffs: dict[int, tuple[int | None, object]] = {}

    def block(self, event: Event, lang: str) -> Block | None:
        """None: nothing to say any more (the release was withdrawn, the dataset caught up)."""
        if (event.id, lang) not in self._blocks:
            self._blocks[(event.id, lang)] = self._make(event, lang)
        return self._blocks[(event.id, lang)]

    def _make(self, event: Event, lang: str) -> Block | None:
        dataset = _dataset(self.engine, event.dataset_id)
        if dataset is None:
            return None
        releases = {r.version: r for r in catalog.list_releases(self.engine, dataset.id)}
        if event.kind == "release":
            release = releases.get(event.version or 0)
            if release is None or release.status != "published":
                return None
            if event.id not in self._diffs:
                self._diffs[event.id] = follow_news.release_diff(self.instance, self.engine, dataset,
                                                                 release.version)
            previous, found = self._diffs[event.id]
            return follow_news.release_block(self.mailer, dataset, release, previous, found, lang)  # type: ignore[arg-type]
        if event.kind == "withdrawal":
            release = releases.get(event.version or 0)
            return None if release is None else follow_news.withdrawal_block(self.mailer, dataset, release, lang)
        state = timeliness.assess_dataset(dataset, list(releases.values()), now=self.now)
        if state.state != "overdue" or state.due is None:
            return None
        return follow_news.overdue_block(self.mailer, dataset, state.due, lang)

    def webhook_body(self, event: Event) -> str | None:
        """The JSON body webhooks get for the event (None: nothing to say any more)."""
        dataset = _dataset(self.engine, event.dataset_id)
        if dataset is None:
            return None
        publisher = get_publisher_by_id(self.engine, dataset.publisher_id)
        releases = {r.version: r for r in catalog.list_releases(self.engine, dataset.id)}
        kind = webhooks.OF_KIND[event.kind]
        if event.kind == "overdue":
            state = timeliness.assess_dataset(dataset, list(releases.values()), now=self.now)
            if state.state != "overdue":
                return None
            return webhook_payload.body(self.mailer, kind, event.created_at, dataset, publisher, due=state.due)
        release = releases.get(event.version or 0)
        if release is None or (event.kind == "release" and release.status != "published"):
            return None
        previous, found = None, None
        if event.kind == "release":
            if event.id not in self._diffs:
                self._diffs[event.id] = follow_news.release_diff(self.instance, self.engine, dataset, release.version)
            previous, found = self._diffs[event.id]  # type: ignore[assignment]
        return webhook_payload.body(self.mailer, kind, event.created_at, dataset, publisher, release=release,
                                    previous=previous, found=found)  # type: ignore[arg-type]

    def subject(self, event: Event, lang: str) -> str:
        dataset = _dataset(self.engine, event.dataset_id)
        assert dataset is not None
        return follow_news.subject(event.kind, dataset, event.version, lang)


def _footer_links(mailer: Mailer, conn: Connection, address_id: int, subscription_ids: list[int],
                  lang: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    address = subscriptions.get_address(conn, address_id)
    if address is None or address.status != "confirmed":
        return None
    unsubscribe = unsubscribe_url(mailer, address.id, address.secret, subscription_ids, lang)
    return unsubscribe, ((phrase(lang, "mail.footer.manage"), manage_url(mailer, address.id, address.secret, lang)),
                         (phrase(lang, "mail.footer.unsubscribe"), unsubscribe))


def _enqueue(conn: Connection, mailer: Mailer, *, address_id: int, subscription_ids: list[int],
             lang: str, subject: str, intro: str, blocks: tuple[Block, ...], kind: str,
             now: datetime) -> int:
    footer = _footer_links(mailer, conn, address_id, subscription_ids, lang)
    address = subscriptions.get_address(conn, address_id)
    if footer is None or address is None:
        return 0
    unsubscribe, links = footer
    mail = Mail(lang=lang, subject=subject, intro=intro, blocks=blocks,
                footer=phrase(lang, "mail.footer.why", site=mailer.site), links=links)
    message_id = mail_message.new_message_id(mailer.domain)
    raw = mail_message.build(mail, sender=mailer.sender, to=address.email, message_id=message_id,
                             unsubscribe_url=unsubscribe, now=now)
    outbox.enqueue(conn, address_id=address_id, message_id=message_id, kind=kind, raw=raw, now=now)
    return 1


def _hooks(conn: Connection, dataset: Dataset | None, event: Event) -> list[webhooks.Webhook]:
    if dataset is None:
        return []
    return webhooks.matching(conn, publisher_id=dataset.publisher_id, dataset_id=dataset.id,
                             event_type=webhooks.OF_KIND[event.kind], since=event.created_at)


def _expand(engine: Engine, news: _News, event: Event, now: datetime) -> int:
    dataset = _dataset(engine, event.dataset_id)
    with engine.connect() as conn:
        found = [] if dataset is None else subscriptions.matching(conn, _targets(engine, event, dataset))
        hooked = bool(_hooks(conn, dataset, event))
    langs = {s.lang for s in found}
    blocks = {lang: news.block(event, lang) for lang in langs}  # before the transaction: diffs take time
    body = news.webhook_body(event) if hooked else None
    queued = 0
    with engine.begin() as conn:
        if not follow_events.claim(conn, event.id, now=now):
            return 0
        # A webhook added between the look above and this transaction hears of later events.
        for hook in (_hooks(conn, dataset, event) if body is not None else []):
            webhooks.enqueue(conn, webhook_id=hook.id, event_type=webhooks.OF_KIND[event.kind], body=body,
                             now=now)
        immediate: dict[tuple[int, str], list[int]] = defaultdict(list)
        for sub in subscriptions.matching(conn, _targets(engine, event, dataset)) if dataset else []:
            if blocks.get(sub.lang) is None:
                continue
            if sub.frequency == "immediate":
                immediate[(sub.address_id, sub.lang)].append(sub.id)
            else:
                insert_once(conn, follow_pending, {"address_id": sub.address_id, "frequency": sub.frequency,
                                                   "lang": sub.lang, "event_id": event.id, "created_at": now})
        for (address_id, lang), ids in immediate.items():
            block = blocks[lang]
            assert block is not None
            queued += _enqueue(conn, news.mailer, address_id=address_id, subscription_ids=ids, lang=lang,
                               subject=news.subject(event, lang), intro=phrase(lang, "mail.news.intro"),
                               blocks=(block,), kind="news", now=now)
    return queued


def _digests(engine: Engine, news: _News, now: datetime) -> int:
    with engine.connect() as conn:
        groups = conn.execute(
            sa.select(follow_pending.c.address_id, follow_pending.c.frequency, follow_pending.c.lang,
                      sa.func.min(follow_pending.c.created_at).label("oldest"))
            .group_by(follow_pending.c.address_id, follow_pending.c.frequency, follow_pending.c.lang)).all()
    queued = 0
    for group in groups:
        oldest = group.oldest if group.oldest.tzinfo else group.oldest.replace(tzinfo=timezone.utc)
        if oldest > now - DIGEST_AFTER.get(group.frequency, DIGEST_AFTER["daily"]):
            continue
        queued += _digest(engine, news, group.address_id, group.frequency, group.lang, now)
    return queued


def _digest(engine: Engine, news: _News, address_id: int, frequency: str, lang: str, now: datetime) -> int:
    where = (follow_pending.c.address_id == address_id, follow_pending.c.frequency == frequency,
             follow_pending.c.lang == lang)
    with engine.connect() as conn:
        ids = [r.event_id for r in conn.execute(sa.select(follow_pending.c.event_id).where(*where))]
        events = follow_events.get(conn, ids)
    blocks = tuple(b for b in (news.block(e, lang) for e in events) if b is not None)
    with engine.begin() as conn:
        taken = conn.execute(follow_pending.delete().where(*where, follow_pending.c.event_id.in_(ids))).rowcount
        if taken != len(ids) or not blocks:
            return 0  # another dispatcher sent it (its delete wins; this one commits nothing new)
        subs = [r.id for r in conn.execute(sa.select(follow_subscriptions.c.id).where(
            follow_subscriptions.c.address_id == address_id, follow_subscriptions.c.frequency == frequency,
            follow_subscriptions.c.lang == lang, follow_subscriptions.c.status == "confirmed"))]
        if not subs:
            return 0
        count = len({b.dataset_url for b in blocks})
        return _enqueue(conn, news.mailer, address_id=address_id, subscription_ids=subs, lang=lang,
                        subject=phrase(lang, "mail.digest.subject" if count > 1 else "mail.digest.subject-one",
                                       site=news.mailer.site, count=count),
                        intro=phrase(lang, f"mail.digest.intro.{frequency}"), blocks=blocks,
                        kind="digest", now=now)


def record_overdue(engine: Engine, *, now: datetime) -> None:
    """Write an event for each dataset that went overdue lately (once per missed due date)."""
    fresh = [e for e in timeliness.overview(engine, now=now)
             if e.timeliness.state == "overdue" and e.timeliness.due and e.timeliness.due >= now - NEW_OVERDUE]
    if not fresh:
        return
    with engine.begin() as conn:
        for entry in fresh:
            assert entry.timeliness.due is not None
            follow_events.record(conn, "overdue", entry.dataset.id,
                                 key=f"overdue:{entry.dataset.id}:{entry.timeliness.due.date().isoformat()}",
                                 now=now)


def dispatch(instance: Instance, engine: Engine, mailer: Mailer, *, now: datetime | None = None,
             reminder_days: int | None = None, timeliness_checks: bool = True) -> int:
    """Do everything that is due now; return how many messages went into the outbox.

    `reminder_days` (OTKRITO_REMINDER_DAYS) also reminds staff of updates due; None: no reminders.
    `timeliness_checks` False skips looking for overdue datasets and reminders (they read every
    dataset's releases: the background thread does it every few minutes, not every round).
    """
    now = now or datetime.now(timezone.utc)
    if timeliness_checks:
        record_overdue(engine, now=now)
    news = _News(instance, engine, mailer, now)
    queued = 0
    while True:
        with engine.connect() as conn:
            waiting: Iterable[Event] = follow_events.waiting(conn)
        waiting = list(waiting)
        if not waiting:
            break
        for event in waiting:
            queued += _expand(engine, news, event, now)
    queued += _digests(engine, news, now)
    if reminder_days is not None and timeliness_checks:
        queued += staff_reminders.send_due(engine, mailer, days=reminder_days, now=now)
    with engine.begin() as conn:
        subscriptions.purge(conn, now=now)
        outbox.forget_old(conn, now=now, keep=KEEP_SENT)
        webhooks.forget_old(conn, now=now, keep=KEEP_SENT)
        follow_events.forget_old(conn, now=now, keep=KEEP_SENT)
    return queued
