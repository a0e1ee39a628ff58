"""Run news, mail and webhooks in the background: inside `otkrito serve`, or `otkrito worker`
in cluster mode.

One daemon thread per process: every OTKRITO_MAIL_POLL_SECONDS it dispatches the events due,
delivers webhooks and, when OTKRITO_SMTP_URL is set, sends the outbox. Several processes doing so at once is safe (events are claimed, messages
leased), so each uvicorn worker may run one.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from app import config
from app.follow import webhook_sender
from app.follow.sender import Counts, send_due
from app.follow.smtp import Smtp, from_settings
from app.state import Portal
from datasets.fetch import allowed_networks
from datasets.follow import Mailer
from datasets.follow_dispatch import dispatch
from publishers import webhooks

log = logging.getLogger("otkrito.mail")
TIMELINESS_EVERY = 600.0


def mailer_of(settings: Mapping[str, Any]) -> Mailer:
    """Return what composing messages needs, from the settings."""
    key = config.secret_key(Path(settings["INSTANCE"]), settings.get("SECRET_KEY"))
    return Mailer(str(settings["BASE_URL"]), key, str(settings.get("MAIL_FROM") or "noreply@otkrito.invalid"))


@dataclass(frozen=True)
class Round:
    queued: int
    counts: Counts
    hooks: webhook_sender.Counts


def run_once(portal: Portal, smtp: Smtp | None, *, timeliness_checks: bool = True) -> Round:
    """Dispatch what is due, deliver webhooks and, with an SMTP server, send the outbox."""
    settings = portal.settings
    # Staff reminders only with a way to send them: otherwise they would wait in the outbox.
    days = int(settings["REMINDER_DAYS"]) if smtp is not None and int(settings["REMINDER_DAYS"]) >= 0 else None
    queued = dispatch(portal.instance, portal.engine, mailer_of(settings), reminder_days=days,
                      timeliness_checks=timeliness_checks)
    hooks = webhook_sender.send_due(portal.engine, allow=allowed_networks(settings.get("FETCH_ALLOW")),
                                    timeout=float(settings["WEBHOOK_TIMEOUT_SECONDS"]),
                                    lease_seconds=float(settings["MAIL_LEASE_SECONDS"]))
    if smtp is None:
        return Round(queued, Counts(), hooks)
    counts = send_due(portal.engine, smtp, mail_from=str(settings["MAIL_FROM"]),
                      lease_seconds=float(settings["MAIL_LEASE_SECONDS"]))
    return Round(queued, counts, hooks)


def start(portal: Portal) -> threading.Event:
    """Start the background sender (mail only when an SMTP server is configured); return its stop event."""
    smtp = from_settings(portal.settings)
    stop = threading.Event()
    every = float(portal.settings["MAIL_POLL_SECONDS"])

    def loop() -> None:
        checked = float("-inf")
        while True:
            try:
                # News of releases at every round; overdue datasets and reminders (a read of every
                # dataset's releases) at most every TIMELINESS_EVERY seconds.
                # Without mail and without webhooks there is nothing to send: the round only
                # reads, so a portal that uses neither never writes here.
                if smtp is not None or webhooks.any_active(portal.engine):
                    due = time.monotonic() - checked >= TIMELINESS_EVERY
                    run_once(portal, smtp, timeliness_checks=due)
                    checked = time.monotonic() if due else checked
            except Exception:  # a bad round must not end the loop; the next one tries again
                log.exception("Sending subscribers' mail or webhooks failed")
            if stop.wait(every):
                return

    threading.Thread(target=loop, name="otkrito-mail", daemon=True).start()
    return stop
