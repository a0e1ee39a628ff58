"""A real `otkrito serve` on PostgreSQL (cluster mode, the queue included): /readyz goes to 503
naming the catalog when its server stops, and back to 200 when it starts again."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from tests.conftest import HTTP_TIMEOUT, start_server, stop_server, until
from tests.ops.asgi_calls import count
from tests.postgres import PG_BIN, START_SECONDS, _as_postgres, _stop, running_cluster


def _start_again(data: Path, port: int) -> None:
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "start", "-D", str(data), "-l",
                                 str(data.parent / "server.log"), "-w", "-t", str(int(START_SECONDS)),
                                 "-o", f"-p {port}"]), check=True, capture_output=True)


def test_readyz_follows_the_catalog_server(tmp_path: Path) -> None:
    # A cluster of this test's own: stopping the session's would fail other tests.
    with running_cluster() as cluster:
        url = cluster.url(cluster.create_database())
        server = start_server(["-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", "{port}"], env={
            "OTKRITO_INSTANCE": str(tmp_path / "instance"), "OTKRITO_DATABASE_URL": url,
            "OTKRITO_SECRET_KEY": "test-secret-shared-by-every-node", "OTKRITO_JOBS": "queue"},
            ready="/healthz")

        def ready() -> httpx.Response:
            return httpx.get(server.url + "/readyz", timeout=HTTP_TIMEOUT)

        try:
            first = ready()
            assert first.status_code == 200, first.text
            assert json.loads(first.text)["checks"] == {"catalog": {"ok": True}, "storage": {"ok": True},
                                                        "queue": {"ok": True}}
            scraped = httpx.get(server.url + "/metrics", timeout=HTTP_TIMEOUT).text
            assert count(scraped, "otkrito_queue_jobs", queue="default", status="todo") == 0

            _stop(cluster.root / "data")
            down = until(lambda: (answer := ready()).status_code == 503 and answer, "/readyz saying 503")
            body = json.loads(down.text)
            assert body["status"] == "fail"
            assert body["checks"]["catalog"]["ok"] is False and body["checks"]["storage"] == {"ok": True}
            assert cluster.password not in down.text and "postgresql" not in down.text
            assert httpx.get(server.url + "/healthz", timeout=HTTP_TIMEOUT).status_code == 200
            # The scrape still answers without the queue's depth.
            assert httpx.get(server.url + "/metrics", timeout=HTTP_TIMEOUT).status_code == 200

            _start_again(cluster.root / "data", cluster.port)
            until(lambda: ready().status_code == 200, "/readyz saying 200 again")
        finally:
            stop_server(server)
