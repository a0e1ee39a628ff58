"""A real HTTP server on 127.0.0.1 that plays a municipality's data server for the tests.

Each path answers what the test put there: a body with its ETag and Last-Modified (and a 304 to
a matching conditional GET), a status, a redirect, gzip, or an answer held until the test ends.
Every request is recorded (path and headers), so a test can show what reached the server.
"""
from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator


@dataclass
class Route:
    """What one path answers."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/csv; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    gzip: bool = False
    chunked: bool = False  # no Content-Length: the size is known only by reading
    hold: bool = False  # answer only once `remote.released` is set (or the server stops)


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]


class Remote:
    """The server: `remote.route(path, Route(...))`, `remote.url(path)`, `remote.seen`."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.released = threading.Event()
        remote = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet test output
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                remote.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = remote.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    route = Route(b"not here", status=404, content_type="text/plain")
                if route.hold:
                    remote.released.wait()  # then answer, if the client is still there
                self._answer(route)

            def _answer(self, route: Route) -> None:
                if route.status == 200 and self._unchanged(route):
                    self.send_response(304)
                    self._validators(route)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = gzip.compress(route.body) if route.gzip else route.body
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self._validators(route)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.gzip:
                    self.send_header("Content-Encoding", "gzip")
                if route.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for start in range(0, len(body), 1 << 16):
                        piece = body[start:start + (1 << 16)]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _unchanged(self, route: Route) -> bool:
                match = self.headers.get("If-None-Match")
                if match is not None and route.etag is not None:
                    return match == route.etag
                since = self.headers.get("If-Modified-Since")
                return since is not None and since == route.last_modified

            def _validators(self, route: Route) -> None:
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.last_modified:
                    self.send_header("Last-Modified", route.last_modified)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that hung up (a refused body, a timeout) is what tests want

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def route(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def url(self, path: str, *, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path.split("?", 1)[0] == path]

    def start(self) -> Remote:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def running() -> Iterator[Remote]:
    remote = Remote().start()
    try:
        yield remote
    finally:
        remote.stop()
