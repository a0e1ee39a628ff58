"""End to end: a real `otkrito serve` (whose background sender delivers the mail) and a real SMTP
server on 127.0.0.1. A person subscribes on the dataset's page, confirms from the message,
gets a correct change summary after a publish, and unsubscribes in one click (RFC 8058); the
address never appears in any /sql/ answer nor in the server's log."""
from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import sqlalchemy as sa

from app.state import Portal
from publishers.follow_store import follow_events, follow_subscriptions, mail_outbox
from tests.conftest import HTTP_TIMEOUT, Running, start_server, stop_server, until
from tests.follow.conftest import CHANGED_ROWS, FROM, ROWS, SLUG, SmtpServer, publish_budget

EMAIL = "citizen.reader@example.org"


@pytest.fixture
def served(portal: Portal, smtp: SmtpServer, tmp_path: Path) -> Iterator[Running]:
    publish_budget(portal, tmp_path, ROWS)
    # `otkrito serve`, with its access log (stdout) in the same file as its other log (stderr).
    command = ("import os; os.dup2(2, 1); from app.cli.commands import main; "
               "main(['serve', '--host', '127.0.0.1', '--port', '{port}'])")
    running = start_server(["-c", command], env={
        "OTKRITO_INSTANCE": str(portal.instance.root), "OTKRITO_SMTP_URL": smtp.url, "OTKRITO_MAIL_FROM": FROM,
        "OTKRITO_MAIL_POLL_SECONDS": "0.2"}, ready="/sql/")
    yield running
    stop_server(running)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:300]
    return found.group(1)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content().replace("\r\n", "\n")


def arrived(smtp: SmtpServer, count: int) -> list[EmailMessage]:
    return until(lambda: (found := smtp.inbox.to(EMAIL)) and len(found) >= count and found,
                 f"{count} messages to {EMAIL}")


def test_subscribe_confirm_get_the_changes_and_unsubscribe_in_one_click(
        served: Running, smtp: SmtpServer, portal: Portal, tmp_path: Path) -> None:
    base = served.url
    with httpx.Client(base_url=base, timeout=HTTP_TIMEOUT) as browser:
        dataset_page = browser.get(f"/datasets/{SLUG}?lang=en").text
        link = re.search(r'href="(/follow\?[^"]+)"', dataset_page)
        assert link, "the dataset page links to its subscription form"
        form = browser.get(link.group(1).replace("&amp;", "&"))
        answer = browser.post(link.group(1).replace("&amp;", "&"), data={
            "email": EMAIL, "frequency": "immediate", "mail_lang": "en", "consent": "yes",
            "csrf_token": csrf_of(form.text)})
        assert answer.status_code == 302 and "Check your inbox" in browser.get(answer.headers["Location"]).text

        [confirmation] = arrived(smtp, 1)
        confirm_url = next(u for u in re.findall(r"https?://\S+", text_of(confirmation)) if "/follow/confirm/" in u)
        assert confirm_url.startswith(base)
        button = browser.get(confirm_url)
        done = browser.post(confirm_url, data={"csrf_token": csrf_of(button.text)})
        assert "Subscription confirmed" in done.text

    publish_budget(portal, tmp_path, CHANGED_ROWS)
    news = arrived(smtp, 2)[1]
    assert news["Subject"] == "Budget of Levski: version 2"
    body = text_of(news)
    assert "Rows added: 1" in body and "Amended plan: 2,150,000 → 2,200,000.50" in body
    compare = next(u for u in re.findall(r"https?://\S+", body) if "/compare?" in u)
    page = httpx.get(compare, timeout=HTTP_TIMEOUT).text
    assert "Amended plan" in page and "2,200,000.50" in page  # titles and formats, not amended_plan

    # One click: what a mail client does with List-Unsubscribe-Post (no cookie, no CSRF token).
    target = news["List-Unsubscribe"].strip("<>")
    response = httpx.post(target, content=b"List-Unsubscribe=One-Click", timeout=HTTP_TIMEOUT,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    with portal.engine.connect() as conn:
        assert conn.execute(sa.select(follow_subscriptions.c.status)).scalar() == "ended"

    publish_budget(portal, tmp_path, ROWS)
    with portal.engine.connect() as conn:
        latest = conn.execute(sa.select(sa.func.max(follow_events.c.id))).scalar()

    def handled() -> bool:
        with portal.engine.connect() as conn:
            return conn.execute(sa.select(follow_events.c.dispatched_at).where(
                follow_events.c.id == latest)).scalar() is not None
    until(handled, "the third release's event to be handled")
    with portal.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(mail_outbox)).scalar() == 2
    assert len(smtp.inbox.to(EMAIL)) == 2  # nothing after the unsubscribe

    # The address is in no SQL answer and in no line the server logged.
    for path in ("/sql/.json", f"/sql/{SLUG}.json", f"/sql/{SLUG}.json?sql=select+*+from+sqlite_master",
                 "/sql/", f"/datasets/{SLUG}", "/timeliness", "/rules"):
        answer = httpx.get(base + path, timeout=HTTP_TIMEOUT)
        assert EMAIL not in answer.text and "citizen.reader" not in answer.text
    for name in ("catalog", "follow_addresses"):
        assert httpx.get(f"{base}/sql/{name}.json", timeout=HTTP_TIMEOUT).status_code == 404
    served.log.seek(0)
    logged = served.log.read().decode(errors="replace")
    assert "/follow/confirm/" in logged  # the log is there, with the requests in it ...
    assert EMAIL not in logged and "citizen.reader" not in logged  # ... and without the address
