"""/healthz, /readyz and /metrics answered in this process: access by peer and token, readiness
of storage, route labels and request ids (the real servers are in test_served.py)."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from app.ops.request_log import LOGGER
from app.state import Portal
from app.web.asgi import create_asgi
from tests.ops.asgi_calls import call, count

FAR = ("203.0.113.5", 1234)  # a documentation address: never contacted, only named in the scope
TOKEN = "metrics-token-3f9a"


@pytest.fixture
def app(portal: Portal):  # type: ignore[no-untyped-def]
    return create_asgi({"INSTANCE": str(portal.instance.root), "SECRET_KEY": "test-secret"})


@pytest.fixture
def app_with_token(portal: Portal):  # type: ignore[no-untyped-def]
    return create_asgi({"INSTANCE": str(portal.instance.root), "SECRET_KEY": "test-secret",
                        "METRICS_TOKEN": TOKEN})


def test_healthz_answers_without_the_catalog(app, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    portal.engine.dispose()
    catalog = Path(portal.instance.root) / "catalog.db"
    catalog.rename(catalog.with_suffix(".away"))
    answer = call(app, "/healthz")
    assert (answer.status, json.loads(answer.body)) == (200, {"status": "ok"})


def test_metrics_from_afar_without_a_token_configured_is_refused_in_both_languages(app) -> None:  # type: ignore[no-untyped-def]
    answer = call(app, "/metrics", client=FAR)
    assert answer.status == 403
    assert "loopback" in answer.text and "само на заявки от същата машина" in answer.text
    assert "otkrito_http_requests" not in answer.text


def test_metrics_from_afar_needs_the_right_token(app_with_token) -> None:  # type: ignore[no-untyped-def]
    missing = call(app_with_token, "/metrics", client=FAR)
    wrong = call(app_with_token, "/metrics", client=FAR, headers={"Authorization": "Bearer nope"})
    basic = call(app_with_token, "/metrics", client=FAR, headers={"Authorization": f"Basic {TOKEN}"})
    for refused in (missing, wrong, basic):
        assert refused.status == 401
        assert refused.headers[b"www-authenticate"].startswith(b"Bearer")
        assert "missing or wrong" in refused.text and "липсва или е грешен" in refused.text
    right = call(app_with_token, "/metrics", client=FAR, headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status == 200
    assert count(right.text, "otkrito_http_requests_total", route="/metrics", status="401") >= 3
    assert "otkrito_http_requests_total" in right.text


def test_a_forwarded_header_does_not_make_a_far_client_local(app) -> None:  # type: ignore[no-untyped-def]
    answer = call(app, "/metrics", client=FAR, headers={"X-Forwarded-For": "127.0.0.1"})
    assert answer.status == 403


def test_readyz_names_unreadable_storage_then_recovers(app, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    assert call(app, "/readyz").status == 200
    releases = portal.instance.releases
    releases.rename(releases.with_name("releases.away"))
    try:
        answer = call(app, "/readyz")
        body = json.loads(answer.body)
        assert answer.status == 503
        assert body["status"] == "fail"
        assert body["checks"]["storage"]["ok"] is False and body["checks"]["storage"]["error"]
        assert body["checks"]["catalog"] == {"ok": True}
    finally:
        releases.with_name("releases.away").rename(releases)
    assert json.loads(call(app, "/readyz").body) == {
        "status": "ok", "checks": {"catalog": {"ok": True}, "storage": {"ok": True}}}


def test_routes_are_labelled_by_template_never_by_path(app) -> None:  # type: ignore[no-untyped-def]
    # The counters are this process's: other tests' requests count too, so compare before/after.
    before = call(app, "/metrics").text
    call(app, "/publishers/no-such-publisher-7c1")
    call(app, "/follow/manage/secret-token-in-path-9d2")
    call(app, "/no/such/page")
    call(app, "/sql/no-such-db.json")
    exposition = call(app, "/metrics").text

    def grew(name: str, **labels: str) -> float:
        return count(exposition, name, **labels) - count(before, name, **labels)

    assert grew("otkrito_http_requests_total", route="/publishers/<slug>", status="404") == 1
    assert grew("otkrito_http_requests_total", route="/follow/manage/<token>") == 1
    assert grew("otkrito_http_requests_total", route="unmatched", status="404") == 1
    assert grew("otkrito_http_requests_total", route="/sql/*") == 1
    assert grew("otkrito_http_request_duration_seconds_count", route="/publishers/<slug>") == 1
    assert "no-such-publisher-7c1" not in exposition and "secret-token-in-path-9d2" not in exposition


def test_a_plain_request_id_is_echoed_and_anything_else_replaced(app, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    logging.getLogger(LOGGER).addHandler(caplog.handler)
    try:
        kept = call(app, "/healthz", headers={"X-Request-ID": "abc.DEF-123_x"})
        odd = call(app, "/healthz", headers={"X-Request-ID": "bad id\nwith=spaces"})
        fresh = call(app, "/healthz")
    finally:
        logging.getLogger(LOGGER).removeHandler(caplog.handler)
    assert kept.headers[b"x-request-id"] == b"abc.DEF-123_x"
    assert len(odd.headers[b"x-request-id"]) == 32 and b" " not in odd.headers[b"x-request-id"]
    assert fresh.headers[b"x-request-id"] != odd.headers[b"x-request-id"]
    logged = [record.request["request_id"] for record in caplog.records]
    assert logged == [b.headers[b"x-request-id"].decode() for b in (kept, odd, fresh)]
