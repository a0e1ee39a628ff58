"""The sender against real SMTP servers on 127.0.0.1: STARTTLS and implicit TLS with AUTH, a
server that is down, permanent refusals (bounces), and the password kept out of logs."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from app.follow.sender import send_due
from app.follow.smtp import Smtp, from_settings
from app.state import Portal
from datasets import follow
from metadata.errors import NotReady
from publishers.follow_store import follow_addresses, mail_outbox
from tests.conftest import free_port
from tests.follow.conftest import FROM, PASSWORD, USER, start_smtp

EMAIL = "reader@example.org"


def ask(portal: Portal, mailer: follow.Mailer, email: str = EMAIL, target: str = "GOVE") -> None:
    follow.ask(portal.engine, mailer, email=email, kind="theme", target=target, frequency="immediate",
               lang="bg", client="127.0.0.9", consent=True)


def outbox_rows(portal: Portal) -> list[sa.Row]:
    with portal.engine.connect() as conn:
        return conn.execute(sa.select(mail_outbox).order_by(mail_outbox.c.id)).all()


# aiosmtpd warns of AUTH without STARTTLS on each connection, which implicit TLS is not.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("kind", ["starttls", "smtps"])
def test_mail_goes_through_tls_with_a_password_that_is_never_logged(
        kind: str, portal: Portal, mailer: follow.Mailer, certificate: tuple[Path, Path],
        caplog: pytest.LogCaptureFixture) -> None:
    controller, server = start_smtp(kind, certificate=certificate)
    try:
        scheme, rest = server.url.split("://")
        smtp = from_settings({"SMTP_URL": f"{scheme}://{USER}:{quote(PASSWORD)}@{rest}", "MAIL_FROM": FROM,
                              "SMTP_CA_FILE": str(certificate[0])})
        assert smtp is not None and PASSWORD not in repr(smtp)
        ask(portal, mailer)
        with caplog.at_level(logging.DEBUG):
            counts = send_due(portal.engine, smtp, mail_from=FROM, lease_seconds=60)
        assert (counts.sent, counts.retry, counts.failed) == (1, 0, 0)
        assert server.inbox.logins == [USER]
        assert server.inbox.envelopes == [("noreply@otkrito.test", [EMAIL])]
        assert PASSWORD not in caplog.text and quote(PASSWORD) not in caplog.text
    finally:
        controller.stop()


def test_user_and_password_may_come_from_their_own_settings(certificate: tuple[Path, Path]) -> None:
    smtp = from_settings({"SMTP_URL": "smtp://127.0.0.1:2525?starttls=1", "MAIL_FROM": FROM,
                          "SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD})
    assert smtp is not None
    assert (smtp.scheme, smtp.host, smtp.port, smtp.starttls, smtp.user, smtp.password) == \
        ("smtp", "127.0.0.1", 2525, True, USER, PASSWORD)


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "smtp://host:notaport", "mail.example"])
def test_a_bad_smtp_url_is_refused_in_both_languages_without_its_password(url: str) -> None:
    with pytest.raises(NotReady) as refused:
        from_settings({"SMTP_URL": url.replace("://", "://u:hunter2@", 1) if "://" in url else url,
                       "MAIL_FROM": FROM})
    assert "OTKRITO_SMTP_URL" in refused.value.text.bg and "OTKRITO_SMTP_URL" in refused.value.text.en
    assert "hunter2" not in refused.value.text.en


def test_a_server_refusing_starttls_to_a_sender_that_requires_it_gets_nothing(
        portal: Portal, mailer: follow.Mailer) -> None:
    controller, server = start_smtp("plain")
    try:
        ask(portal, mailer)
        smtp = Smtp("smtp", "127.0.0.1", server.port, starttls=True, timeout=60)
        counts = send_due(portal.engine, smtp, mail_from=FROM, lease_seconds=60)
        assert (counts.sent, counts.retry) == (0, 1)
        assert server.inbox.messages == []
    finally:
        controller.stop()


@pytest.mark.catalogs
def test_a_server_that_is_down_loses_nothing_and_is_retried_with_backoff(
        portal: Portal, mailer: follow.Mailer) -> None:
    ask(portal, mailer)
    ask(portal, mailer, email="second@example.org")
    port = free_port()  # nothing listens here
    now = datetime.now(timezone.utc)
    counts = send_due(portal.engine, Smtp("smtp", "127.0.0.1", port, timeout=60), mail_from=FROM,
                      lease_seconds=60, now=lambda: now)
    assert (counts.sent, counts.retry, counts.failed) == (0, 1, 0)
    first, second = outbox_rows(portal)
    assert (first.state, first.attempts, second.state, second.attempts) == ("pending", 1, "pending", 0)
    waits = []
    for attempt in range(2, 5):  # each failure waits twice as long as the one before
        row = outbox_rows(portal)[0]
        at = row.next_attempt_at if row.next_attempt_at.tzinfo else row.next_attempt_at.replace(tzinfo=timezone.utc)
        waits.append(at - now)
        now = at
        send_due(portal.engine, Smtp("smtp", "127.0.0.1", port, timeout=60), mail_from=FROM,
                 lease_seconds=60, now=lambda: now)
        assert outbox_rows(portal)[0].attempts == attempt
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    controller, server = start_smtp("plain")
    try:
        later = now + timedelta(hours=1)
        counts = send_due(portal.engine, Smtp("smtp", "127.0.0.1", server.port, timeout=60), mail_from=FROM,
                          lease_seconds=60, now=lambda: later)
        assert counts.sent == 2
        assert sorted(m["To"] for m in server.inbox.messages) == [EMAIL, "second@example.org"]
        assert [r.state for r in outbox_rows(portal)] == ["sent", "sent"]
    finally:
        controller.stop()


@pytest.mark.catalogs
def test_three_permanent_refusals_disable_the_address(portal: Portal, mailer: follow.Mailer) -> None:
    controller, server = start_smtp("plain")
    server.inbox.refuse[EMAIL] = "550 5.1.1 no such mailbox"
    try:
        for target in ("GOVE", "ECON", "EDUC"):
            ask(portal, mailer, target=target)
        counts = send_due(portal.engine, Smtp("smtp", "127.0.0.1", server.port, timeout=60), mail_from=FROM,
                          lease_seconds=60)
        assert (counts.sent, counts.retry, counts.failed) == (0, 0, 3)
        with portal.engine.connect() as conn:
            address = conn.execute(sa.select(follow_addresses)).one()
        assert (address.status, address.bounces) == ("disabled", 3)
        ask(portal, mailer, target="ENVI")  # a disabled address is sent nothing more ...
        assert [r.state for r in outbox_rows(portal)] == ["failed"] * 3
        assert all(r.raw == "" for r in outbox_rows(portal))  # ... and failed bodies are not kept
    finally:
        controller.stop()


@pytest.mark.catalogs
def test_a_temporary_refusal_is_retried_not_counted_as_a_bounce(portal: Portal, mailer: follow.Mailer) -> None:
    controller, server = start_smtp("plain")
    server.inbox.refuse[EMAIL] = "450 4.2.1 mailbox busy"
    try:
        ask(portal, mailer)
        counts = send_due(portal.engine, Smtp("smtp", "127.0.0.1", server.port, timeout=60), mail_from=FROM,
                          lease_seconds=60)
        assert (counts.sent, counts.retry, counts.failed) == (0, 1, 0)
        with portal.engine.connect() as conn:
            assert conn.execute(sa.select(follow_addresses.c.bounces)).scalar() == 0
        assert outbox_rows(portal)[0].state == "pending"
    finally:
        controller.stop()
