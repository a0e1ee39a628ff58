"""Webhooks against a real HTTPS receiver on 127.0.0.1 that checks the Standard Webhooks
signature: registered through the API and the workspace, retried after a timeout, never
redirected, refused for private addresses unless OTKRITO_FETCH_ALLOW allows them, and sent again
from the delivery log with the same webhook-id."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import ssl
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from standardwebhooks.webhooks import Webhook as Verifier

from app import create_app
from app.follow.background import mailer_of
from app.follow.webhook_sender import send_due
from app.state import Portal
from datasets.follow_dispatch import dispatch
from publishers.follow_store import webhook_deliveries
from publishers.registry import add_publisher, find_publisher
from publishers.tokens import create_token
from publishers.users import add_user, grant
from tests.app.staff.staff_world import login
from tests.follow.conftest import CHANGED_ROWS, FROM, ROWS, SECRET, publish_budget

pytestmark = pytest.mark.catalogs
PASSWORD = "a long staff password 123"


@dataclass
class Receiver:
    """An HTTPS endpoint: records each request; answers `statuses` in turn (then 204)."""

    url: str = ""
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    stall: threading.Event | None = None  # set: requests wait for it before answering


@pytest.fixture
def receiver(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            found.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            if found.stall is not None:
                found.stall.wait(300)
            status = found.statuses.pop(0) if found.statuses else 204
            self.send_response(status)
            if status in (301, 302, 307, 308):
                self.send_header("Location", found.url + "elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    found.url = f"https://127.0.0.1:{server.server_address[1]}/hooks/"
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # the sender trusts the test's certificate
    yield found
    if found.stall is not None:
        found.stall.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def app(portal: Portal, tmp_path: Path) -> Flask:
    publish_budget(portal, tmp_path, ROWS)
    return create_app({"FETCH_ALLOW": "127.0.0.0/8", "SECRET_KEY": SECRET, "MAIL_FROM": FROM,
                       "WEBHOOK_TIMEOUT_SECONDS": 2.0})


@pytest.fixture
def token(portal: Portal) -> str:
    if find_publisher(portal.engine, "levski") is None:
        add_publisher(portal.engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski")
    user = add_user(portal.engine, "editor@levski.bg", password=PASSWORD)
    grant(portal.engine, "editor@levski.bg", "editor", publisher="levski")
    publisher = find_publisher(portal.engine, "levski")
    assert publisher is not None
    return create_token(portal.engine, publisher_id=publisher.id, user_id=user.id, name="hooks", actor="t")[1]


def register(app: Flask, token: str, url: str, **extra: Any) -> Any:
    return app.test_client().post("/api/v1/webhooks", headers={"Authorization": f"Bearer {token}"},
                                  json={"url": url, "events": ["release.published", "release.withdrawn"], **extra})


def deliver(app: Flask, portal: Portal, *, now: datetime | None = None) -> Any:
    settings = app.config["OTKRITO"]
    dispatch(portal.instance, portal.engine, mailer_of(settings))
    from datasets.fetch import allowed_networks

    return send_due(portal.engine, allow=allowed_networks(settings["FETCH_ALLOW"]), timeout=2.0,
                    lease_seconds=60, now=lambda: now or datetime.now(timezone.utc))


def by_hand(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The specification's check, written out: HMAC-SHA256 of id.timestamp.body with the key."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, s.split(",", 1)[1]) for s in headers["webhook-signature"].split())


def test_a_release_reaches_the_receiver_signed_with_the_diff_summary(
        app: Flask, portal: Portal, token: str, receiver: Receiver, tmp_path: Path) -> None:
    answer = register(app, token, receiver.url)
    assert answer.status_code == 201, answer.json
    secret = answer.json["secret"]
    publish_budget(portal, tmp_path, CHANGED_ROWS)
    assert deliver(app, portal).delivered == 1
    [(headers, body)] = receiver.requests
    assert by_hand(secret, headers, body)
    payload = Verifier(secret).verify(body, headers)  # and the reference implementation agrees
    assert payload["type"] == "release.published"
    data = payload["data"]
    assert (data["dataset"]["slug"], data["release"]["version"], data["previous_version"]) == ("byudzhet", 2, 1)
    assert {k: data["diff"][k] for k in ("added", "removed", "changed", "old_rows", "new_rows")} == \
        {"added": 1, "removed": 0, "changed": 1, "old_rows": 2, "new_rows": 3}
    assert data["diff"]["summary"]["en"] == "+1 row, 1 changed"
    assert headers["content-type"] == "application/json"
    assert not by_hand("whsec_" + base64.b64encode(b"another key of 24 bytes!").decode(), headers, body)


def test_a_receiver_that_times_out_is_retried_with_the_same_webhook_id(
        app: Flask, portal: Portal, token: str, receiver: Receiver, tmp_path: Path) -> None:
    register(app, token, receiver.url)
    receiver.stall = threading.Event()
    publish_budget(portal, tmp_path, CHANGED_ROWS)
    counts = deliver(app, portal)
    assert (counts.delivered, counts.retry) == (0, 1)
    with portal.engine.connect() as conn:
        row = conn.execute(sa.select(webhook_deliveries)).one()
    assert (row.state, row.attempts) == ("pending", 1)
    assert "did not answer" in row.last_error or "time" in row.last_error.lower()
    receiver.stall.set()
    receiver.stall = None
    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    assert deliver(app, portal, now=later).delivered == 1
    ids = {h["webhook-id"] for h, _ in receiver.requests}
    assert ids == {row.msg_id}  # both attempts carried one id, so the receiver can drop the repeat


def test_a_redirect_is_not_followed_and_an_error_is_retried(
        app: Flask, portal: Portal, token: str, receiver: Receiver, tmp_path: Path) -> None:
    register(app, token, receiver.url)
    receiver.statuses = [302, 500]
    publish_budget(portal, tmp_path, CHANGED_ROWS)
    deliver(app, portal)
    assert [h.get("webhook-id") is not None for h, _ in receiver.requests] == [True]  # no second hop
    with portal.engine.connect() as conn:
        assert conn.execute(sa.select(webhook_deliveries.c.last_status)).scalar() == 302
    deliver(app, portal, now=datetime.now(timezone.utc) + timedelta(minutes=5))
    deliver(app, portal, now=datetime.now(timezone.utc) + timedelta(minutes=10))
    assert len(receiver.requests) == 3
    with portal.engine.connect() as conn:
        assert conn.execute(sa.select(webhook_deliveries.c.state)).scalar() == "delivered"


@pytest.mark.parametrize("url,status,message", [
    ("http://127.0.0.1:9/hook", 400, "must start with https://"),
    ("https://user:pw@example.org/hook", 400, "password"),
    ("ftp://example.org/", 400, ""),
])
def test_a_bad_webhook_url_is_refused_in_both_languages(app: Flask, token: str, url: str, status: int,
                                                         message: str) -> None:
    answer = register(app, token, url)
    assert answer.status_code == status, answer.json
    assert answer.json["title_bg"] and message.lower() in answer.json["title"].lower()


def test_a_private_address_is_refused_unless_allowed(portal: Portal, tmp_path: Path, token: str,
                                                     receiver: Receiver) -> None:
    publish_budget(portal, tmp_path, ROWS)
    strict = create_app({"FETCH_ALLOW": "", "SECRET_KEY": SECRET})
    answer = register(strict, token, receiver.url)
    assert answer.status_code == 400 and "127.0.0.1" in answer.json["title"]


def test_the_workspace_registers_shows_the_log_and_sends_again(
        app: Flask, portal: Portal, token: str, receiver: Receiver, tmp_path: Path) -> None:
    import re

    client = app.test_client()
    assert login(client, "editor@levski.bg", PASSWORD).status_code == 302
    page = client.get("/staff/publishers/levski/webhooks?lang=en")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    bad = client.post("/staff/publishers/levski/webhooks?lang=en",
                      data={"url": "http://example.org/", "events": ["release.published"], "csrf_token": csrf})
    assert bad.status_code == 422 and "must start with https://" in bad.text
    made = client.post("/staff/publishers/levski/webhooks?lang=en",
                       data={"url": receiver.url, "events": ["release.published"], "csrf_token": csrf})
    assert made.status_code == 200 and "whsec_" in made.text
    publish_budget(portal, tmp_path, CHANGED_ROWS)
    deliver(app, portal)
    with portal.engine.connect() as conn:
        row = conn.execute(sa.select(webhook_deliveries)).one()
    log = client.get(f"/staff/publishers/levski/webhooks/{row.webhook_id}?lang=en")
    assert row.msg_id in log.text and "delivered" in log.text
    again = client.post(f"/staff/publishers/levski/webhooks/{row.webhook_id}/deliveries/{row.id}/resend",
                        data={"csrf_token": csrf})
    assert again.status_code == 302
    deliver(app, portal)
    assert [h["webhook-id"] for h, _ in receiver.requests] == [row.msg_id, row.msg_id]
    assert [json.loads(b) for _, b in receiver.requests][0] == [json.loads(b) for _, b in receiver.requests][1]


def test_otkrito_serve_delivers_webhooks_in_the_background(
        portal: Portal, token: str, receiver: Receiver, tmp_path: Path) -> None:
    import httpx

    from tests.conftest import HTTP_TIMEOUT, start_server, stop_server, until

    publish_budget(portal, tmp_path, ROWS)
    running = start_server(["-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", "{port}"], env={
        "OTKRITO_INSTANCE": str(portal.instance.root), "OTKRITO_FETCH_ALLOW": "127.0.0.0/8",
        "OTKRITO_MAIL_POLL_SECONDS": "0.2", "OTKRITO_SECRET_KEY": SECRET}, ready="/sql/")
    try:
        answer = httpx.post(f"{running.url}/api/v1/webhooks", headers={"Authorization": f"Bearer {token}"},
                            json={"url": receiver.url, "events": ["release.published"]}, timeout=HTTP_TIMEOUT)
        assert answer.status_code == 201, answer.text
        publish_budget(portal, tmp_path, CHANGED_ROWS)
        [(headers, body)] = until(lambda: receiver.requests, "the server to deliver the webhook")
        assert by_hand(answer.json()["secret"], headers, body)
        assert json.loads(body)["data"]["diff"]["changed"] == 1
        url = f"{running.url}/api/v1/webhooks/{answer.json()['id']}/deliveries"
        auth = {"Authorization": f"Bearer {token}"}

        def logged() -> list[Any]:
            found = httpx.get(url, headers=auth, timeout=HTTP_TIMEOUT).json()
            return found if found and found[0]["state"] == "delivered" else []
        log = until(logged, "the log to say delivered")
        assert [(d["state"], d["msg_id"], d["last_status"]) for d in log] == [
            ("delivered", headers["webhook-id"], 204)]
    finally:
        stop_server(running)
