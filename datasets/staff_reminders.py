"""Remind a publisher's staff of a dataset's update: some days before it is due, and on the day
it becomes overdue; each reminder once, in Bulgarian and English, with a link to the upload page.

The reminder's record and its messages (one per active staff member of the publisher) commit in
one transaction, so a reminder is either sent to everyone (through the outbox) or not at all.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_date
from sqlalchemy.engine import Engine

from datasets import timeliness
from datasets.follow import Mailer, localized
from metadata import mail_message
from metadata.mail_text import Block, Mail, phrase
from publishers import outbox, staff_reminders
from publishers.users import members_of

LATE = timedelta(days=7)  # past this, an overdue dataset is no longer "the day it became overdue"


def _kind(state: timeliness.Timeliness, *, days: int, now: datetime) -> str | None:
    if state.due is None:
        return None
    if state.state == "overdue":
        return "overdue" if state.due >= now - LATE else None
    return "before" if state.due - timedelta(days=days) <= now else None


def send_due(engine: Engine, mailer: Mailer, *, days: int, now: datetime) -> int:
    """Write the reminders due now into the outbox; return how many messages."""
    queued = 0
    for entry in timeliness.overview(engine, now=now):
        kind = _kind(entry.timeliness, days=days, now=now)
        if kind is None or entry.timeliness.due is None:
            continue
        staff = [user.email for user, _role in members_of(engine, entry.publisher.id) if user.active]
        if not staff:
            continue
        due, dataset = entry.timeliness.due, entry.dataset
        blocks = []
        for lang in ("bg", "en"):
            when = format_date(due.date(), format="long", locale=lang)
            blocks.append(Block(localized(dataset.title, lang), mailer.url(f"/datasets/{dataset.slug}", lang),
                                phrase(lang, f"mail.reminder.{kind}", title=localized(dataset.title, lang), due=when),
                                links=((phrase(lang, "mail.reminder.upload"),
                                        mailer.url(f"/staff/datasets/{dataset.slug}/upload", lang)),)))
        subject = " / ".join(phrase(lang, f"mail.reminder.subject.{kind}", title=localized(dataset.title, lang))
                             for lang in ("bg", "en"))
        mail = Mail(lang="bg", subject=subject, intro=phrase("bg", "mail.reminder.intro") + " / "
                    + phrase("en", "mail.reminder.intro"), blocks=tuple(blocks))
        with engine.begin() as conn:
            if not staff_reminders.claim(conn, dataset_id=dataset.id, due=due.date().isoformat(), kind=kind,
                                         recipients=len(staff), now=now):
                continue
            for email in staff:
                message_id = mail_message.new_message_id(mailer.domain)
                raw = mail_message.build(mail, sender=mailer.sender, to=email, message_id=message_id,
                                         unsubscribe_url=None, now=now)
                outbox.enqueue(conn, address_id=None, recipient=email, message_id=message_id, kind="reminder",
                               raw=raw, now=now)
                queued += 1
    return queued
