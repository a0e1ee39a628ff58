"""Mail deliveries reach /metrics by outcome: sent through a real SMTP server on 127.0.0.1, and
retried when no server answers (tests/ops has the rest of the metrics)."""
from __future__ import annotations

from app.follow.sender import send_due
from app.follow.smtp import from_settings
from app.ops.metrics import exposition
from app.state import Portal
from datasets import follow
from tests.conftest import free_port
from tests.follow.conftest import FROM, SmtpServer
from tests.ops.asgi_calls import count


def _ask(portal: Portal, mailer: follow.Mailer, email: str) -> None:
    follow.ask(portal.engine, mailer, email=email, kind="theme", target="GOVE", frequency="immediate",
               lang="bg", client="127.0.0.9", consent=True)


def test_mail_deliveries_are_counted_by_outcome(portal: Portal, mailer: follow.Mailer, smtp: SmtpServer) -> None:
    before = exposition().decode()
    _ask(portal, mailer, "first@example.org")
    down = from_settings({"SMTP_URL": f"smtp://127.0.0.1:{free_port()}", "MAIL_FROM": FROM})
    assert down is not None
    counts = send_due(portal.engine, down, mail_from=FROM, lease_seconds=60)
    assert (counts.sent, counts.retry) == (0, 1)
    up = from_settings({"SMTP_URL": smtp.url, "MAIL_FROM": FROM})
    assert up is not None
    _ask(portal, mailer, "second@example.org")
    sent = send_due(portal.engine, up, mail_from=FROM, lease_seconds=60)  # the second only: the first waits
    after = exposition().decode()
    assert sent.sent >= 1
    assert count(after, "otkrito_mail_deliveries_total", outcome="retry") \
        - count(before, "otkrito_mail_deliveries_total", outcome="retry") == 1
    assert count(after, "otkrito_mail_deliveries_total", outcome="sent") \
        - count(before, "otkrito_mail_deliveries_total", outcome="sent") == sent.sent
