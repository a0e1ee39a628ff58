"""What a subscriber receives after a publish, a withdrawal, or a dataset going overdue, and in
digests: parsed from what a real SMTP server on 127.0.0.1 received."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.follow.sender import send_due
from app.follow.smtp import Smtp
from app.state import Portal
from datasets import follow
from datasets.follow_dispatch import dispatch
from datasets.withdraw import withdraw_release
from publishers.follow_store import follow_events, mail_outbox
from tests.follow.conftest import CHANGED_ROWS, ROWS, SLUG, SmtpServer, publish_budget

pytestmark = pytest.mark.catalogs
EMAIL = "reader@example.org"


def smtp_of(server: SmtpServer) -> Smtp:
    return Smtp("smtp", "127.0.0.1", server.port, timeout=60)


def deliver(portal: Portal, server: SmtpServer, mailer: follow.Mailer, *, now: datetime | None = None) -> int:
    queued = dispatch(portal.instance, portal.engine, mailer, now=now)
    send_due(portal.engine, smtp_of(server), mail_from=mailer.sender, lease_seconds=60,
             now=lambda: now or datetime.now(timezone.utc))
    return queued


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content().replace("\r\n", "\n"), html.get_content()


def links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def subscribe(portal: Portal, server: SmtpServer, mailer: follow.Mailer, *, kind: str = "dataset",
              target: str = SLUG, frequency: str = "immediate", lang: str = "en", email: str = EMAIL) -> None:
    """Subscribe and follow the confirmation link, as a person would."""
    before = len(server.inbox.to(email))
    follow.ask(portal.engine, mailer, email=email, kind=kind, target=target, frequency=frequency,
               lang=lang, client="127.0.0.9", consent=True)
    deliver(portal, server, mailer)
    confirmation = server.inbox.to(email)[before:]
    assert len(confirmation) == 1
    text, _html = parts(confirmation[0])
    token = next(u for u in links(text) if "/follow/confirm/" in u).split("/follow/confirm/")[1].split("?")[0]
    follow.confirm(portal.engine, mailer.secret_key, token)


def test_a_release_message_says_what_changed_with_titles_formats_and_links(
        portal: Portal, smtp: SmtpServer, mailer: follow.Mailer, tmp_path: Path) -> None:
    publish_budget(portal, tmp_path, ROWS)
    subscribe(portal, smtp, mailer)
    publish_budget(portal, tmp_path, CHANGED_ROWS)
    assert deliver(portal, smtp, mailer) == 1
    [confirmation, news] = smtp.inbox.to(EMAIL)
    assert news["Subject"] == "Budget of Levski: version 2"
    text, html = parts(news)
    assert "Version 2 has been published." in text
    for fact in ("Rows: 2 → 3", "Rows added: 1", "Rows removed: 0", "Rows changed: 1"):
        assert f"  - {fact}" in text
    # The column's English title and the preview's number format, not amended_plan and 2150000.0.
    assert "  - 2026, Q1, 01-01, 122 · Amended plan: 2,150,000 → 2,200,000.50" in text
    assert "amended_plan" not in text and "2150000.0" not in text
    found = links(text)
    assert "http://127.0.0.1:8000/datasets/byudzhet/compare?from=1&to=2&lang=en" in found
    assert "http://127.0.0.1:8000/datasets/byudzhet/releases/2/byudzhet.csv?lang=en" in found
    assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://127\.0\.0\.1:8000/follow/unsubscribe/\S+>", news["List-Unsubscribe"])
    assert any("/follow/manage/" in u for u in found)
    # The HTML part says the same, escaped, with no image and nothing fetched from elsewhere.
    assert "Amended plan" in html and "2,200,000.50" in html and "compare?from=1&amp;to=2" in html
    assert "<img" not in html and "src=" not in html
    assert news["Message-ID"] != confirmation["Message-ID"]


def test_a_bulgarian_subscriber_gets_bulgarian_text_and_number_formats(
        portal: Portal, smtp: SmtpServer, mailer: follow.Mailer, tmp_path: Path) -> None:
    publish_budget(portal, tmp_path, ROWS)
    subscribe(portal, smtp, mailer, lang="bg")
    publish_budget(portal, tmp_path, CHANGED_ROWS)
    deliver(portal, smtp, mailer)
    news = smtp.inbox.to(EMAIL)[-1]
    assert news["Subject"] == "Бюджет на Левски: версия 2"
    assert news["Content-Language"] == "bg"
    text, _ = parts(news)
    assert "Уточнен план: 2\xa0150\xa0000 → 2\xa0200\xa0000,50" in text
    assert "Добавени редове: 1" in text and "lang=en" not in text


def test_a_withdrawal_gets_a_message_of_its_own(portal: Portal, smtp: SmtpServer, mailer: follow.Mailer,
                                                tmp_path: Path) -> None:
    publish_budget(portal, tmp_path, ROWS)
    subscribe(portal, smtp, mailer)
    withdraw_release(portal.instance, portal.engine, SLUG, 1, reason="Personal data in row 2", actor="t")
    assert deliver(portal, smtp, mailer) == 1
    news = smtp.inbox.to(EMAIL)[-1]
    assert news["Subject"] == "Budget of Levski: version 1 withdrawn"
    assert "Version 1 has been withdrawn. Reason: Personal data in row 2" in parts(news)[0]


def test_a_dataset_gone_overdue_is_announced_once_to_overdue_subscribers(
        portal: Portal, smtp: SmtpServer, mailer: follow.Mailer, tmp_path: Path) -> None:
    publish_budget(portal, tmp_path, ROWS)
    subscribe(portal, smtp, mailer, kind="overdue", target="")
    later = datetime.now(timezone.utc) + timedelta(days=95)  # a quarterly dataset, a few days late
    assert deliver(portal, smtp, mailer, now=later) == 1
    assert deliver(portal, smtp, mailer, now=later + timedelta(hours=1)) == 0
    news = smtp.inbox.to(EMAIL)[-1]
    assert news["Subject"] == "Budget of Levski: update overdue"
    assert "was due for an update by" in parts(news)[0]


def test_a_daily_digest_waits_a_day_and_groups_the_news_by_dataset(
        portal: Portal, smtp: SmtpServer, mailer: follow.Mailer, tmp_path: Path) -> None:
    publish_budget(portal, tmp_path, ROWS)
    subscribe(portal, smtp, mailer, frequency="daily")
    publish_budget(portal, tmp_path, CHANGED_ROWS)
    publish_budget(portal, tmp_path, ROWS)
    assert deliver(portal, smtp, mailer) == 0
    assert len(smtp.inbox.to(EMAIL)) == 1  # only the confirmation so far
    assert deliver(portal, smtp, mailer, now=datetime.now(timezone.utc) + timedelta(days=1, minutes=1)) == 1
    digest = smtp.inbox.to(EMAIL)[-1]
    assert digest["Subject"] == "127.0.0.1:8000: news on one dataset"
    text, html = parts(digest)
    assert text.count("Budget of Levski\n") == 1  # one heading for the dataset ...
    assert "Version 2 has been published." in text and "Version 3 has been published." in text  # ... both news
    assert html.count("<h2") == 1


def test_nothing_is_sent_before_confirmation(portal: Portal, smtp: SmtpServer, mailer: follow.Mailer,
                                             tmp_path: Path) -> None:
    publish_budget(portal, tmp_path, ROWS)
    follow.ask(portal.engine, mailer, email=EMAIL, kind="dataset", target=SLUG, frequency="immediate",
               lang="en", client="127.0.0.9", consent=True)
    publish_budget(portal, tmp_path, CHANGED_ROWS)
    deliver(portal, smtp, mailer)
    assert [m["Subject"] for m in smtp.inbox.to(EMAIL)] == ["Confirm your subscription: the dataset “Budget of Levski”"]
    with portal.engine.connect() as conn:  # the event was handled: it is not waiting for anyone
        assert conn.execute(sa.select(sa.func.count()).select_from(follow_events)
                            .where(follow_events.c.dispatched_at.is_(None))).scalar() == 0
        assert conn.execute(sa.select(mail_outbox.c.kind)).scalars().all() == ["confirm"]
