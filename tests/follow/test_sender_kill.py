"""A real `otkrito notify` process SIGKILLed mid-batch, at the two moments that matter.

Killed while the SMTP server holds a message it has not accepted: every message arrives exactly
once afterwards, each with the Message-ID it was given in the outbox. Killed after the server
accepted a message but before the catalog recorded it (the test holds the catalog's write lock
there): the message arrives twice, with one Message-ID. That is the limit of any sender at the
SMTP boundary (docs/followers.md), shown here rather than hidden.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
from typing import Iterator

import pytest
import sqlalchemy as sa

from app.state import Portal
from datasets import follow
from publishers.follow_store import mail_outbox
from tests.conftest import REPO, until
from tests.follow.conftest import FROM, SmtpServer, run_cli

DEADLINE = 180.0
ADDRESSES = ["one@example.org", "two@example.org", "three@example.org"]


@pytest.fixture
def env(portal: Portal, smtp: SmtpServer) -> dict[str, str]:
    return {"OTKRITO_INSTANCE": str(portal.instance.root), "OTKRITO_SMTP_URL": smtp.url,
            "OTKRITO_MAIL_FROM": FROM, "OTKRITO_MAIL_LEASE_SECONDS": "1",
            "OTKRITO_BASE_URL": "http://127.0.0.1:8000"}


@pytest.fixture
def three_messages(portal: Portal, mailer: follow.Mailer) -> dict[str, str]:
    for address in ADDRESSES:
        follow.ask(portal.engine, mailer, email=address, kind="theme", target="GOVE", frequency="immediate",
                   lang="bg", client="127.0.0.9", consent=True)
    return message_ids(portal)


def message_ids(portal: Portal) -> dict[str, str]:
    from publishers.follow_store import follow_addresses

    with portal.engine.connect() as conn:
        rows = conn.execute(sa.select(follow_addresses.c.email, mail_outbox.c.message_id)
                            .join(mail_outbox, mail_outbox.c.address_id == follow_addresses.c.id))
        return {email: message_id for email, message_id in rows}


def states(portal: Portal) -> list[str]:
    with portal.engine.connect() as conn:
        return conn.execute(sa.select(mail_outbox.c.state).order_by(mail_outbox.c.id)).scalars().all()


@pytest.fixture
def sender(env: dict[str, str]) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def start_notify(env: dict[str, str], started: list[subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "notify"], cwd=REPO, env={**os.environ, **env},
                               stdout=subprocess.DEVNULL, stderr=tempfile.TemporaryFile())
    started.append(process)
    return process


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=DEADLINE)


def send_until_all_arrived(smtp: SmtpServer, env: dict[str, str], count: int) -> None:
    def arrived() -> bool:
        if len(smtp.inbox.messages) >= count:
            return True
        run_cli("notify", env=env)  # a fresh sender; the dead one's lease runs out after 1 s
        return len(smtp.inbox.messages) >= count
    until(arrived, f"{count} messages to arrive", within=DEADLINE, every=0.2)


def test_a_sender_killed_while_the_server_holds_a_message_loses_and_duplicates_nothing(
        portal: Portal, smtp: SmtpServer, env: dict[str, str], three_messages: dict[str, str],
        sender: list[subprocess.Popen[bytes]]) -> None:
    release = smtp.inbox.hold = threading.Event()
    smtp.inbox.hold_after = 1  # the first is accepted, the second held in DATA
    process = start_notify(env, sender)
    assert smtp.inbox.holding.wait(DEADLINE), "the server never got the second message"
    kill(process)
    assert states(portal) == ["sent", "sending", "pending"]
    release.set()  # the server now refuses it (451): it was never accepted
    send_until_all_arrived(smtp, env, 3)
    assert states(portal) == ["sent", "sent", "sent"]
    received = {m["To"]: m["Message-ID"] for m in smtp.inbox.messages}
    assert len(smtp.inbox.messages) == 3
    assert received == three_messages  # each once, with the Message-ID the outbox gave it


def test_a_sender_killed_after_the_server_accepted_resends_with_the_same_message_id(
        portal: Portal, smtp: SmtpServer, env: dict[str, str], three_messages: dict[str, str],
        sender: list[subprocess.Popen[bytes]]) -> None:
    resume = smtp.inbox.pause = threading.Event()
    process = start_notify(env, sender)
    assert smtp.inbox.paused.wait(DEADLINE), "the server never got the first message"
    lock = sqlite3.connect(portal.instance.root / "catalog.db", timeout=DEADLINE, isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")  # the sender cannot record "sent" past this
        resume.set()
        kill(process)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert states(portal)[0] == "sending"
    send_until_all_arrived(smtp, env, 4)
    first = [m["Message-ID"] for m in smtp.inbox.messages if m["To"] == ADDRESSES[0]]
    assert first == [three_messages[ADDRESSES[0]]] * 2  # twice, with one Message-ID
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted([ADDRESSES[0], *ADDRESSES])
    assert states(portal) == ["sent", "sent", "sent"]
