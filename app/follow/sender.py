"""Deliver the outbox through SMTP: one leased message at a time, the same bytes on every try.

A message is `sending` under a lease while the SMTP server has it. A 2xx reply marks it sent.
A 5xx reply is permanent: the message fails and its address gets a bounce (three disable it).
Anything else (4xx, a server down or silent, a dropped connection) puts it back with a longer
wait each time. A sender killed mid-batch leaves its message leased; when the lease runs out,
another sender sends it again with the same Message-ID. If the server had already accepted it
when the sender died, the recipient gets it twice, with one Message-ID (see docs/followers.md).
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parseaddr
from typing import Callable

from sqlalchemy.engine import Engine

from app.follow.smtp import Smtp
from app.ops.metrics import MAIL, count_outcomes
from publishers import outbox, subscriptions

log = logging.getLogger("otkrito.mail")


@dataclass
class Counts:
    sent: int = 0
    retry: int = 0
    failed: int = 0


def _code(error: BaseException, to: str) -> int | None:
    """The SMTP reply code of a refusal (None: no reply, the connection failed)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return int(error.recipients.get(to, (None,))[0] or 0) or None
    if isinstance(error, smtplib.SMTPResponseException):
        return int(error.smtp_code)
    return None


def send_due(engine: Engine, smtp: Smtp, *, mail_from: str, lease_seconds: float,
             now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> Counts:
    """Send every message due now; stop at the first failure to reach the server."""
    counts = Counts()
    envelope = parseaddr(mail_from)[1]
    session: smtplib.SMTP | None = None
    try:
        while (held := outbox.lease(engine, seconds=lease_seconds, now=now())) is not None:
            try:
                if session is None:
                    session = smtp.connect()
                session.sendmail(envelope, [held.to], held.raw.encode("ascii"))
            except (OSError, smtplib.SMTPException) as error:
                code = _code(error, held.to)
                detail = f"{code or ''} {type(error).__name__}".strip()
                with engine.begin() as conn:
                    if code is not None and 500 <= code < 600:
                        outbox.fail(conn, held, detail, now=now())
                        if held.address_id is not None and subscriptions.bounced(
                                conn, held.address_id, now=now()):
                            outbox.drop_for_disabled(conn, held.address_id)
                        state = "failed"
                    else:
                        state = outbox.retry_later(conn, held, detail, now=now())
                if state == "failed":
                    counts.failed += 1
                else:
                    counts.retry += 1
                log.warning("Message %s to the server %s: %s (%s)", held.message_id, smtp.shown, detail, state)
                if code is None:  # the server is unreachable or hung up: try the rest later
                    session = _close(session)
                    break
                continue
            with engine.begin() as conn:
                outbox.sent(conn, held, now=now())
            counts.sent += 1
    finally:
        _close(session)
        count_outcomes(MAIL, counts, ("sent", "retry", "failed"))
    return counts


def _close(session: smtplib.SMTP | None) -> None:
    if session is None:
        return None
    try:
        session.quit()
    except (OSError, smtplib.SMTPException):
        session.close()
    return None
