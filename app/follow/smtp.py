"""The SMTP server the portal sends through, from OTKRITO_SMTP_URL and its companion settings.

`smtp://host:port` (25 by default) sends in the clear, `smtp://host:port?starttls=1` upgrades
with STARTTLS first (587 by default) and refuses a server that does not offer it, and
`smtps://host:port` (465) speaks TLS from the start. A user and password come from the URL
(percent-encoded) or from OTKRITO_SMTP_USER and OTKRITO_SMTP_PASSWORD. Certificates are always
checked, against the system's CAs or OTKRITO_SMTP_CA_FILE. The password never leaves this object:
its repr and every log line show only the host and port.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any, Mapping
from urllib.parse import parse_qs, unquote, urlsplit

import metadata.messages_follow  # noqa: F401 (registers the message ids)
from metadata.errors import NotReady

PORTS = {"smtp": 25, "smtps": 465}


@dataclass(frozen=True)
class Smtp:
    scheme: str
    host: str
    port: int
    starttls: bool = False
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    cafile: str | None = None

    @property
    def shown(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cafile or None)

    def connect(self) -> smtplib.SMTP:
        """Open a session, with TLS and sign-in as configured."""
        if self.scheme == "smtps":
            session: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                     context=self._tls())
        else:
            session = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            session.ehlo()
            if self.starttls:
                session.starttls(context=self._tls())  # raises if the server does not offer it
                session.ehlo()
            if self.user:
                session.login(self.user, self.password)
        except BaseException:
            session.close()
            raise
        return session


def from_settings(settings: Mapping[str, Any]) -> Smtp | None:
    """Return the SMTP server the settings name (None: OTKRITO_SMTP_URL unset); refuse a bad URL."""
    url = (settings.get("SMTP_URL") or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    shown = f"{parts.scheme}://{parts.hostname or ''}"
    try:
        port = parts.port
    except ValueError:
        raise NotReady("follow.smtp-url", url=shown) from None
    if parts.scheme not in PORTS or not parts.hostname:
        raise NotReady("follow.smtp-url", url=shown)
    query = parse_qs(parts.query)
    starttls = parts.scheme == "smtp" and query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
    sender = parseaddr(settings.get("MAIL_FROM") or "")[1]
    if "@" not in sender:
        raise NotReady("follow.mail-from")
    return Smtp(parts.scheme, parts.hostname, port or (587 if starttls else PORTS[parts.scheme]),
                starttls=starttls,
                user=unquote(parts.username or "") or str(settings.get("SMTP_USER") or ""),
                password=unquote(parts.password or "") or str(settings.get("SMTP_PASSWORD") or ""),
                timeout=float(settings.get("SMTP_TIMEOUT_SECONDS") or 30.0),
                cafile=settings.get("SMTP_CA_FILE") or None)
