"""The revalidating cache in front of Flask serves a kept page only when Flask says it is current."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.web.cache import Store, revalidating

PUBLIC = [(b"content-type", b"text/html"), (b"cache-control", b"public, no-cache"),
          (b"vary", b"Cookie")]


class Page:
    """A tiny ASGI app answering like a public Flask page: 304 when If-None-Match matches."""

    def __init__(self, headers: list[tuple[bytes, bytes]] = PUBLIC, etag: bytes = b'"v1"') -> None:
        self.headers, self.etag, self.renders, self.seen = headers, etag, 0, []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        sent = dict(scope["headers"]).get(b"if-none-match")
        self.seen.append(sent)
        headers = [*self.headers, (b"etag", self.etag)]
        if sent == self.etag:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        self.renders += 1
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"page ", "more_body": True})
        await send({"type": "http.response.body", "body": f"{self.renders}".encode()})


def get(app: Any, path: str = "/datasets", headers: list[tuple[bytes, bytes]] = (),
        method: str = "GET") -> tuple[int, dict[bytes, bytes], bytes]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": method, "path": path, "query_string": b"q=x",
             "headers": list(headers)}
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_a_kept_page_is_revalidated_and_sent_without_rendering_again() -> None:
    page = Page()
    app = revalidating(page, Store())
    first, second = get(app), get(app)
    assert first == second == (200, {**dict(PUBLIC), b"etag": b'"v1"'}, b"page 1")
    assert (page.renders, page.seen) == (1, [None, b'"v1"'])


def test_a_changed_page_is_sent_as_flask_made_it_and_replaces_the_copy() -> None:
    page = Page()
    app = revalidating(page, Store())
    get(app)
    page.etag = b'"v2"'
    assert get(app)[1:] == ({**dict(PUBLIC), b"etag": b'"v2"'}, b"page 2")
    assert get(app)[2] == b"page 2" and page.renders == 2


@pytest.mark.parametrize("headers", [
    [(b"cache-control", b"private")],
    [(b"cache-control", b"public"), (b"set-cookie", b"session=1")],
    [(b"cache-control", b"public, no-store")],
    [(b"cache-control", b"public"), (b"vary", b"Cookie, X-Other")],
    [(b"content-type", b"text/html")],
])
def test_responses_that_are_not_public_and_cookie_free_are_never_kept(headers) -> None:
    page = Page(headers)
    app = revalidating(page, Store())
    get(app), get(app)
    assert (page.renders, page.seen) == (2, [None, None])


@pytest.mark.parametrize("headers, method", [
    ([(b"if-none-match", b'"v1"')], "GET"), ([(b"authorization", b"Bearer x")], "GET"),
    ([(b"range", b"bytes=0-1")], "GET"), ([], "HEAD"), ([], "POST"),
])
def test_conditional_credentialed_and_other_requests_go_to_flask_untouched(headers, method) -> None:
    page = Page()
    app = revalidating(page, Store())
    get(app)
    get(app, headers=headers, method=method)
    assert page.seen[1] == dict(headers).get(b"if-none-match")


def test_visitors_with_different_cookies_never_share_a_copy() -> None:
    page = Page()
    app = revalidating(page, Store())
    get(app, headers=[(b"cookie", b"session=alice")])
    assert get(app, headers=[(b"cookie", b"session=bob")])[2] == b"page 2"
    assert page.seen == [None, None]


def test_the_store_is_bounded_in_entries_and_bytes() -> None:
    page = Page()
    store = Store(max_entries=3, max_bytes=14)
    app = revalidating(page, store)
    for n in range(5):
        get(app, path=f"/p{n}")
    assert len(store.entries) == 2 and store.bytes == 12  # "page N" is 6 bytes
