"""Run news and mail in the background: inside `otkrito serve`, or `otkrito worker` in cluster mode.

One daemon thread per process: every OTKRITO_MAIL_POLL_SECONDS it dispatches the events due and
sends the outbox. Several processes doing so at once is safe (events are claimed, messages
leased), so each uvicorn worker may run one.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from app import config
from app.follow.sender import Counts, send_due
from app.follow.smtp import Smtp, from_settings
from app.state import Portal
from datasets.follow import Mailer
from datasets.follow_dispatch import dispatch

log = logging.getLogger("otkrito.mail")


def mailer_of(settings: Mapping[str, Any]) -> Mailer:
    """Return what composing messages needs, from the settings."""
    key = config.secret_key(Path(settings["INSTANCE"]), settings.get("SECRET_KEY"))
    return Mailer(str(settings["BASE_URL"]), key, str(settings.get("MAIL_FROM") or "noreply@otkrito.invalid"))


@dataclass(frozen=True)
class Round:
    queued: int
    counts: Counts


def run_once(portal: Portal, smtp: Smtp | None) -> Round:
    """Dispatch what is due and, with an SMTP server, send the outbox."""
    settings = portal.settings
    queued = dispatch(portal.instance, portal.engine, mailer_of(settings))
    if smtp is None:
        return Round(queued, Counts())
    counts = send_due(portal.engine, smtp, mail_from=str(settings["MAIL_FROM"]),
                      lease_seconds=float(settings["MAIL_LEASE_SECONDS"]))
    return Round(queued, counts)


def start(portal: Portal) -> threading.Event | None:
    """Start the background sender when an SMTP server is configured; return its stop event."""
    smtp = from_settings(portal.settings)
    if smtp is None:
        return None
    stop = threading.Event()
    every = float(portal.settings["MAIL_POLL_SECONDS"])

    def loop() -> None:
        while True:
            try:
                run_once(portal, smtp)
            except Exception:  # a bad round must not end the loop; the next one tries again
                log.exception("Sending subscribers' mail failed")
            if stop.wait(every):
                return

    threading.Thread(target=loop, name="otkrito-mail", daemon=True).start()
    return stop
