"""Real SMTP servers on 127.0.0.1 (aiosmtpd), with STARTTLS, implicit TLS and AUTH when asked,
and a budget dataset whose releases differ in known ways.

What arrives is parsed with Python's `email` package. A server can refuse chosen recipients
with a chosen reply, and hold one message in DATA until the test lets it go, so a test can
kill a sender exactly while the server has its message.
"""
from __future__ import annotations

import asyncio
import email
import subprocess
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from app.state import Portal
from datasets.catalog import create_dataset, find_dataset
from datasets.follow import Mailer
from datasets.publish import Upload, publish
from publishers.registry import add_publisher, find_publisher
from tests.conftest import REPO, free_port

HEADER = "Година;Период;Параграф по ЕБК;Функция;Дейност;Наименование;План;Уточнен план;Изпълнение"
ROWS = ["2026;Q1;01-01;01;122;Заплати;2 150 000,00;2 150 000,00;462 980,97",
        "2026;Q1;05-51;01;122;Осигуровки;295 000,00;309 750,00;73 005,29"]
SLUG = "byudzhet"
USER, PASSWORD = "otkrito", "s3cret-Pa55word!"
FROM = "Otkrito <noreply@otkrito.test>"
SECRET = "test-secret-key-for-signed-links"


@dataclass
class Inbox:
    """What a server received, and how it should answer."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> reply, e.g. "550 no"
    hold: threading.Event | None = None  # the next DATA (after hold_after accepted) waits, then 451
    hold_after: int = 0
    holding: threading.Event = field(default_factory=threading.Event)
    pause: threading.Event | None = None  # the next accepted message waits for it before 250
    paused: threading.Event = field(default_factory=threading.Event)
    logins: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        gate = self.hold
        if gate is not None and len(self.messages) >= self.hold_after:
            self.hold = None
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, gate.wait)
            return "451 4.3.0 try again later"  # never accepted: the sender must try again
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        pause, self.pause = self.pause, None
        if pause is not None:  # accepted: the reply is all that is left
            self.paused.set()
            await asyncio.get_running_loop().run_in_executor(None, pause.wait)
        return "250 2.0.0 accepted"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


@dataclass
class SmtpServer:
    inbox: Inbox
    port: int
    url: str


def _authenticator(inbox: Inbox) -> Callable[..., AuthResult]:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = data.login.decode() == USER and data.password.decode() == PASSWORD
        if ok:
            inbox.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)
    return check


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl), used as its own CA by the sender."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def start_smtp(kind: str = "plain", *, certificate: tuple[Path, Path] | None = None) -> tuple[Controller, SmtpServer]:
    """Start a server: plain, starttls (required, with AUTH), or smtps (implicit TLS, with AUTH)."""
    import ssl

    inbox = Inbox()
    port = free_port()
    kwargs: dict[str, Any] = {}
    if kind != "plain":
        assert certificate is not None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(certificate[0]), str(certificate[1]))
        auth = {"authenticator": _authenticator(inbox), "auth_required": True, "auth_require_tls": True}
        if kind == "starttls":
            kwargs = {"tls_context": context, "require_starttls": True, **auth}
        else:
            # aiosmtpd sees TLS only when it made it with STARTTLS; here the socket is TLS already.
            kwargs = {"ssl_context": context, **auth, "auth_require_tls": False}
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    scheme = "smtps" if kind == "smtps" else "smtp"
    query = "?starttls=1" if kind == "starttls" else ""
    return controller, SmtpServer(inbox, port, f"{scheme}://127.0.0.1:{port}{query}")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A plain SMTP server on a free 127.0.0.1 port."""
    controller, server = start_smtp()
    yield server
    for gate in (server.inbox.hold, server.inbox.pause):
        if gate is not None:
            gate.set()
    controller.stop()


@pytest.fixture
def mailer() -> Mailer:
    return Mailer("http://127.0.0.1:8000", SECRET, FROM)


def budget_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def publish_budget(portal: Portal, tmp_path: Path, rows: list[str], *, notes: str = "") -> int:
    """Publish the rows as the budget dataset's next release, through the real pipeline."""
    if find_publisher(portal.engine, "levski") is None:
        add_publisher(portal.engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski")
    if find_dataset(portal.engine, SLUG) is None:
        create_dataset(portal.engine, SLUG, publisher="levski", title_bg="Бюджет на Левски",
                       title_en="Budget of Levski", profile="budget", frequency="QUARTERLY",
                       themes=["GOVE"], keywords=["бюджет"])
    source = budget_csv(tmp_path / f"upload-{len(list(tmp_path.glob('upload-*')))}.csv", rows)
    return publish(portal.instance, portal.engine, Upload(source), dataset=SLUG, notes=notes).version


CHANGED_ROWS = ["2026;Q1;01-01;01;122;Заплати;2 150 000,00;2 200 000,50;462 980,97", ROWS[1],
                "2026;Q1;10-16;01;122;Вода и енергия;120 000,00;120 000,00;30 048,46"]


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import os
    import sys

    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=REPO, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)
