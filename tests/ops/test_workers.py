"""`otkrito serve --workers 2`: /metrics from whichever worker answers shows every worker's
requests (prometheus-client's multiprocess mode)."""
from __future__ import annotations

import httpx

from app.state import Portal
from tests.conftest import HTTP_TIMEOUT, start_server, stop_server, until
from tests.ops.asgi_calls import count

REQUESTS = 40
SCRAPES = 8


def test_every_scrape_counts_the_requests_of_both_workers(portal: Portal) -> None:
    server = start_server(["-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", "{port}",
                           "--workers", "2"], env={"OTKRITO_INSTANCE": str(portal.instance.root)},
                          ready="/readyz")
    try:
        files = portal.instance.root / "metrics-multiproc"
        made = 0

        def ask() -> bool:
            nonlocal made
            # A new connection per request: uvicorn's workers share the socket, so both answer;
            # each writes its own counter_<pid>.db (so does the supervising process, which
            # runs the sources scheduler).
            assert httpx.get(server.url + "/healthz", timeout=HTTP_TIMEOUT).status_code == 200
            made += 1
            workers = {f.name for f in files.glob("counter_*.db")} - {f"counter_{server.process.pid}.db"}
            return made >= REQUESTS and len(workers) == 2

        until(ask, "requests answered by both workers")
        seen = []
        for _ in range(SCRAPES):
            text = httpx.get(server.url + "/metrics", timeout=HTTP_TIMEOUT).text
            seen.append(count(text, "otkrito_http_requests_total", route="/healthz", status="200"))
        assert seen == [made] * SCRAPES
    finally:
        stop_server(server)
