"""A real `otkrito serve`: its request log holds no secret, JSON lines parse, request ids are
echoed and logged, /metrics answers loopback and judges tokens (prometheus-client's parser)."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

import httpx

from tests.app.staff.staff_world import PASSWORD, World, csrf_of
from tests.conftest import HTTP_TIMEOUT, free_port, start_server, stop_server, until
from tests.ops.asgi_calls import count

TOKEN = "scrape-" + secrets.token_hex(8)


def test_the_request_log_holds_no_secret_and_metrics_count_it(world: World, tmp_path: Path) -> None:
    link_token = "link-" + secrets.token_urlsafe(24)
    address = f"follower.{secrets.token_hex(3)}@example.bg"
    server = start_server(["-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", "{port}"], env={
        "OTKRITO_INSTANCE": str(world.portal.instance.root), "OTKRITO_SECRET_KEY": "test-secret",
        "OTKRITO_LOG_FORMAT": "json", "OTKRITO_METRICS_TOKEN": TOKEN,
        # Subscription forms exist only with a mail server; nothing listens there (mail waits).
        "OTKRITO_SMTP_URL": f"smtp://127.0.0.1:{free_port()}", "OTKRITO_MAIL_FROM": "noreply@example.bg",
        "OTKRITO_MAIL_POLL_SECONDS": "3600"}, ready="/healthz")
    try:
        with httpx.Client(base_url=server.url, timeout=HTTP_TIMEOUT) as web:
            csrf = csrf_of(web.get("/staff/login").text)
            signed = web.post("/staff/login", data={"email": "editor-a@x.bg", "password": PASSWORD,
                                                    "csrf_token": csrf, "next": ""})
            assert signed.status_code == 302
            csrf = csrf_of(web.get("/follow", params={"kind": "publisher", "target": "a"}).text)
            asked = web.post("/follow?kind=publisher&target=a", data={
                "email": address, "frequency": "immediate", "consent": "yes", "csrf_token": csrf})
            assert asked.status_code == 302, asked.text[:500]
            assert web.get("/api/v1/datasets", headers={"Authorization": f"Bearer {world.token_a}"}
                           ).status_code == 200
            web.get("/api/v1/datasets", params={"token": world.token_b})
            web.get(f"/follow/manage/{link_token}")
            web.get("/follow", params={"kind": "publisher", "target": "a", "email": address})
            echoed = web.get("/healthz", headers={"X-Request-ID": "trace-4711"})
            assert echoed.headers["x-request-id"] == "trace-4711"

            loopback = web.get("/metrics")
            wrong = web.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
            right = web.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert loopback.status_code == 200 and right.status_code == 200
        assert wrong.status_code == 401 and "OTKRITO_METRICS_TOKEN" in wrong.text
        assert count(loopback.text, "otkrito_http_requests_total", route="/staff/login", method="POST",
                     status="302") == 1
        assert count(loopback.text, "otkrito_http_requests_total", route="/api/v1/datasets") == 2

        def logged() -> list[dict]:
            return [json.loads(line) for line in server.stderr().splitlines() if line.startswith('{"time"')]

        until(lambda: any(entry.get("route") == "/metrics" for entry in logged()), "the request lines")
        log = server.stderr()
        for secret in (PASSWORD, world.token_a, world.token_b, link_token, address, TOKEN, "not-the-token"):
            assert secret not in log
        entries = logged()
        assert {"time", "request_id", "method", "route", "path", "status", "duration_ms", "bytes",
                "client"} <= set(entries[0])
        assert any(e["request_id"] == "trace-4711" and e["path"] == "/healthz" for e in entries)
        assert any(e["route"] == "/follow/manage/<token>" and e["path"] == "/follow/manage/[redacted]"
                   for e in entries)
        assert all(e["client"] == "127.0.0.1" for e in entries)
        assert "GET /api/v1" not in log  # uvicorn's own access log is off
    finally:
        stop_server(server)
