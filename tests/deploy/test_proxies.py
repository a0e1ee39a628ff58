"""Forwarded headers count only from OTKRITO_TRUSTED_PROXIES; HSTS and Secure cookies over https."""
from __future__ import annotations

import asyncio
import re
from typing import Any, Callable

import httpx
import pytest
from click.testing import CliRunner

from app.cli.commands import main
from app.headers import HSTS, secured
from app.state import Portal
from app.web.proxies import behind_proxies, trusted_networks
from metadata.errors import NotReady
from tests.app.staff.staff_world import make_app
from tests.conftest import HTTP_TIMEOUT


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer with the client address and scheme the app was given."""
    body = f"{scope['client'][0]} {scope['scheme']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def seen(app: Any, peer: str, headers: dict[str, str]) -> str:
    async def get() -> str:
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
            return (await client.get("/", headers=headers)).text

    return asyncio.run(get())


SPOOFED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def test_without_trusted_proxies_nobody_can_say_who_the_client_is() -> None:
    app = behind_proxies(echo, "")
    assert app is echo
    assert seen(app, "127.0.0.1", SPOOFED) == "127.0.0.1 http"


def test_a_trusted_proxy_gives_the_client_and_the_scheme_and_anyone_else_is_ignored() -> None:
    app = behind_proxies(echo, "127.0.0.1, 10.1.0.0/16")
    assert seen(app, "127.0.0.1", SPOOFED) == "203.0.113.9 https"
    assert seen(app, "10.1.2.3", SPOOFED) == "203.0.113.9 https"  # inside the network
    assert seen(app, "127.0.0.2", SPOOFED) == "127.0.0.2 http"  # a peer not trusted
    assert seen(app, "10.2.0.1", SPOOFED) == "10.2.0.1 http"


def test_what_a_client_wrote_left_of_the_proxy_s_entry_is_never_believed() -> None:
    app = behind_proxies(echo, "127.0.0.1")
    # A proxy that appends ($proxy_add_x_forwarded_for) still gives the real peer last.
    chain = {"X-Forwarded-For": "198.51.100.7, 192.0.2.44", "X-Forwarded-Proto": "https"}
    assert seen(app, "127.0.0.1", chain) == "192.0.2.44 https"


def test_a_mistyped_proxy_address_stops_start_up_with_a_message_in_both_languages() -> None:
    assert trusted_networks(" 127.0.0.1 ,10.0.0.7/8,,::1") == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    with pytest.raises(NotReady) as raised:
        trusted_networks("127.0.0.1,nginx.local")
    assert "nginx.local" in raised.value.text.bg and "IP адрес" in raised.value.text.bg
    assert "nginx.local" in raised.value.text.en and "not an IP address" in raised.value.text.en


def test_otkrito_serve_refuses_a_mistyped_proxy_address_before_it_listens(
        portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTKRITO_TRUSTED_PROXIES", "127.0.0.1/33")
    result = CliRunner().invoke(main, ["--lang", "en", "serve", "--port", "1"])
    assert result.exit_code == 2, result.output
    assert "OTKRITO_TRUSTED_PROXIES holds “127.0.0.1/33”" in result.output
    assert "Traceback" not in result.output


def _cookies(response: Any) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_over_plain_http_cookies_are_not_secure_and_there_is_no_hsts(portal: Portal) -> None:
    client = make_app(portal).test_client()
    response = client.get("/staff/login?lang=en")
    assert sorted(c.split("=")[0] for c in _cookies(response)) == ["lang", "session"]
    assert not any("secure" in c.lower() for c in _cookies(response))
    assert "Strict-Transport-Security" not in response.headers


def test_over_https_every_cookie_is_secure_and_hsts_covers_subdomains(portal: Portal) -> None:
    client = make_app(portal).test_client()
    response = client.get("/staff/login?lang=en", base_url="https://data.example.bg")
    assert sorted(c.split("=")[0] for c in _cookies(response)) == ["lang", "session"]
    assert all("; Secure" in c for c in _cookies(response)), _cookies(response)
    assert response.headers["Strict-Transport-Security"] == HSTS == "max-age=31536000; includeSubDomains"


async def sets_cookie(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A stand-in for Datasette's CSRF cookie: the wrapper under /sql/ is what is tested."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"set-cookie", b"ds_csrftoken=x; Path=/; SameSite=Lax")]})
    await send({"type": "http.response.body", "body": b""})


def test_cookies_under_sql_are_secure_over_https_only() -> None:
    app = behind_proxies(secured(sets_cookie), "127.0.0.1")

    async def get(headers: dict[str, str]) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
            return await client.get("/sql/x", headers=headers)

    tls, plain = asyncio.run(get({"X-Forwarded-Proto": "https"})), asyncio.run(get({}))
    assert tls.headers["set-cookie"] == "ds_csrftoken=x; Path=/; SameSite=Lax; Secure"
    assert tls.headers["strict-transport-security"] == HSTS
    assert plain.headers["set-cookie"] == "ds_csrftoken=x; Path=/; SameSite=Lax"
    assert "strict-transport-security" not in plain.headers


def test_a_malformed_referer_over_https_is_refused_in_both_languages_not_a_500(portal: Portal) -> None:
    client = make_app(portal).test_client()
    base = "https://data.example.bg"
    page = client.get("/requests/new", base_url=base)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    refused = client.post("/requests/new", base_url=base, data={"csrf_token": token[1]},
                          headers={"Referer": "https://data.example.bg:443requests/new"})
    assert refused.status_code == 400
    assert "Заявката е невалидна." in refused.text and "Traceback" not in refused.text


def test_otkrito_serve_without_trusted_proxies_believes_no_local_client(
        portal: Portal, spawn_server: Callable[..., str]) -> None:
    # uvicorn alone would trust X-Forwarded-* from 127.0.0.1; `otkrito serve` turns that off.
    url = spawn_server("-m", "app.cli", "serve", "--port", "{port}")
    spoofed = httpx.get(url + "/staff/login?lang=en", headers=SPOOFED, timeout=HTTP_TIMEOUT)
    assert spoofed.status_code == 200
    assert "strict-transport-security" not in spoofed.headers
    assert not any("secure" in c.lower() for c in spoofed.headers.get_list("set-cookie"))
