"""Cluster mode: two real `otkrito worker` processes on PostgreSQL send subscribers' mail (the
server does not), and a release reaches the subscriber exactly once although both send."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from datasets import follow
from publishers.follow_store import mail_outbox
from tests.follow.conftest import CHANGED_ROWS, FROM, ROWS, SmtpServer, publish_budget, smtp  # noqa: F401
from tests.jobs.conftest import QueueWorld, until
from tests.postgres import postgresql_only

pytestmark = postgresql_only
EMAIL = "worker.reader@example.org"


def test_workers_send_the_confirmation_and_each_change_once(
        empty_queue_world: QueueWorld, smtp: SmtpServer, tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"OTKRITO_SMTP_URL": smtp.url, "OTKRITO_MAIL_FROM": FROM,
                        "OTKRITO_MAIL_POLL_SECONDS": "0.2"}.items():
        monkeypatch.setenv(name, value)  # the workers started below read it
    portal = empty_queue_world.portal
    publish_budget(portal, tmp_path, ROWS)
    from app.follow.background import mailer_of

    mailer = mailer_of({**portal.settings, "BASE_URL": "http://127.0.0.1:8000", "MAIL_FROM": FROM})
    follow.ask(portal.engine, mailer, email=EMAIL, kind="publisher", target="levski", frequency="immediate",
               lang="en", client="127.0.0.9", consent=True)
    first, second = empty_queue_world.start_worker(), empty_queue_world.start_worker()
    [confirmation] = until(lambda: smtp.inbox.to(EMAIL), "the workers to send the confirmation")
    token = confirmation.get_body(preferencelist=("plain",)).get_content().split("/follow/confirm/")[1].split("?")[0]
    follow.confirm(portal.engine, mailer.secret_key, token.strip())
    publish_budget(portal, tmp_path, CHANGED_ROWS)
    publish_budget(portal, tmp_path, ROWS)
    until(lambda: len(smtp.inbox.to(EMAIL)) >= 3, "both releases' messages")

    def all_sent() -> bool:
        with portal.engine.connect() as conn:
            return set(conn.execute(sa.select(mail_outbox.c.state)).scalars()) == {"sent"}
    until(all_sent, "the outbox to be sent")
    # Both workers had the chance to send each message; every one arrived once.
    assert [m["Subject"] for m in smtp.inbox.to(EMAIL)] == [
        "Confirm your subscription: the datasets of Municipality of Levski",
        "Budget of Levski: version 2", "Budget of Levski: version 3"]
    assert first.process.poll() is None and second.process.poll() is None
