"""Reminders to a publisher's staff: some days before an update is due and on the day it is
overdue, once each, to every active member and nobody else, with a link to the upload page; the
timeliness page says they were sent. Parsed from what a real SMTP server received."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from app import create_app
from app.follow.sender import send_due
from app.follow.smtp import Smtp
from app.state import Portal
from datasets import catalog, follow, timeliness
from datasets.follow_dispatch import dispatch
from publishers.accounts_store import users
from publishers.registry import add_publisher
from publishers.users import add_user, grant
from tests.follow.conftest import FROM, ROWS, SECRET, SLUG, SmtpServer, publish_budget

pytestmark = pytest.mark.catalogs
PASSWORD = "a long staff password 123"


@pytest.fixture
def due(portal: Portal, tmp_path: Path) -> datetime:
    publish_budget(portal, tmp_path, ROWS)
    add_publisher(portal.engine, "other", name_bg="Друга", name_en="Other")
    for email, role, publisher in (("editor@levski.bg", "editor", "levski"), ("admin@levski.bg", "admin", "levski"),
                                   ("gone@levski.bg", "editor", "levski"), ("other@other.bg", "editor", "other")):
        add_user(portal.engine, email, password=PASSWORD)
        grant(portal.engine, email, role, publisher=publisher)
    with portal.engine.begin() as conn:  # a deactivated member is reminded of nothing
        conn.execute(users.update().where(users.c.email == "gone@levski.bg").values(active=False))
    dataset = catalog.get_dataset(portal.engine, SLUG)
    state = timeliness.assess_dataset(dataset, catalog.list_releases(portal.engine, dataset.id),
                                      now=datetime.now(timezone.utc))
    assert state.due is not None
    return state.due


def run(portal: Portal, smtp: SmtpServer, mailer: follow.Mailer, now: datetime, days: int | None = 7) -> int:
    queued = dispatch(portal.instance, portal.engine, mailer, now=now, reminder_days=days)
    send_due(portal.engine, Smtp("smtp", "127.0.0.1", smtp.port, timeout=60), mail_from=FROM, lease_seconds=60,
             now=lambda: now)
    return queued


def test_staff_are_reminded_before_the_due_date_once_with_a_link_to_upload(
        portal: Portal, smtp: SmtpServer, mailer: follow.Mailer, due: datetime) -> None:
    assert run(portal, smtp, mailer, due - timedelta(days=8)) == 0  # not yet
    assert run(portal, smtp, mailer, due - timedelta(days=6)) == 2
    assert run(portal, smtp, mailer, due - timedelta(days=5)) == 0  # once per due date
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["admin@levski.bg", "editor@levski.bg"]
    message = smtp.inbox.messages[0]
    assert message["Subject"] == ("Напомняне: „Бюджет на Левски“ скоро трябва да бъде обновен / "
                                  "Reminder: “Budget of Levski” is due for an update soon")
    assert message["List-Unsubscribe"] is None  # staff mail, not a subscription
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "трябва да бъде обновен до" in text and "is due for an update by" in text
    assert re.search(r"http://127\.0\.0\.1:8000/staff/datasets/byudzhet/upload\s", text)
    assert "http://127.0.0.1:8000/staff/datasets/byudzhet/upload?lang=en" in text


def test_staff_are_told_on_the_day_it_becomes_overdue_once(
        portal: Portal, smtp: SmtpServer, mailer: follow.Mailer, due: datetime) -> None:
    run(portal, smtp, mailer, due - timedelta(days=6))
    assert run(portal, smtp, mailer, due + timedelta(hours=2)) == 2
    assert run(portal, smtp, mailer, due + timedelta(hours=5)) == 0
    overdue = [m for m in smtp.inbox.messages if m["Subject"].startswith("Просрочено")]
    assert sorted(m["To"] for m in overdue) == ["admin@levski.bg", "editor@levski.bg"]


def test_no_reminders_when_they_are_off(portal: Portal, smtp: SmtpServer, mailer: follow.Mailer,
                                        due: datetime) -> None:
    assert run(portal, smtp, mailer, due - timedelta(days=6), days=None) == 0
    assert smtp.inbox.messages == []


def test_the_timeliness_page_says_staff_were_reminded(portal: Portal, smtp: SmtpServer, mailer: follow.Mailer,
                                                       due: datetime) -> None:
    client = create_app({"SECRET_KEY": SECRET}).test_client()
    assert "Staff reminded on" not in client.get("/timeliness?lang=en").text
    run(portal, smtp, mailer, datetime.now(timezone.utc), days=400)  # due within 400 days: remind now
    page = client.get("/timeliness?lang=en").text
    assert "Staff reminded on" in page
    assert "Напомнено на служителите на" in client.get("/timeliness?lang=bg").text
