"""The SSRF-safe GET (datasets/fetch.py) against a real server on 127.0.0.1.

Loopback is allowed in these tests the way an operator allows a network (`allow`), except in
the refusal tests, which show that nothing was connected to: `connects` records every socket
connect of the process, and the server records every request it got.
"""
from __future__ import annotations

import hashlib
import ipaddress
import os
import socket
from pathlib import Path

import pytest

from datasets.fetch import FetchError, allowed_networks, fetch
from metadata.errors import InvalidInput
from tests.conftest import free_port
from tests.sources.conftest import LOOPBACK
from tests.sources.remote import Remote, Route

CSV = "код,име\n1,Левски\n2,Българене\n".encode()
MB = 1 << 20


def test_a_fetch_brings_the_body_its_checksum_and_lower_case_headers(remote: Remote) -> None:
    url = remote.route("/data.csv", Route(CSV, etag='"v1"', headers={"X-Extra": "yes"}))
    got = fetch(url, allow=LOOPBACK, max_bytes=MB)
    assert (got.url, got.status, got.not_modified, got.body, got.size, got.sha256) == (
        url, 200, False, CSV, len(CSV), hashlib.sha256(CSV).hexdigest())
    assert got.content_type == "text/csv; charset=utf-8"
    assert got.headers["x-extra"] == "yes" and got.etag == '"v1"' and got.path is None


def test_with_dest_the_body_is_streamed_to_that_file(remote: Remote, tmp_path: Path) -> None:
    body = CSV * 50_000
    url = remote.route("/big.csv", Route(body, chunked=True))
    got = fetch(url, allow=LOOPBACK, max_bytes=10 * MB, dest=tmp_path / "body")
    assert got.path == tmp_path / "body" and got.path.read_bytes() == body
    assert (got.body, got.size) == (b"", len(body))


def test_a_matching_etag_is_answered_not_modified(remote: Remote) -> None:
    url = remote.route("/data.csv", Route(CSV, etag='"v1"'))
    got = fetch(url, allow=LOOPBACK, max_bytes=MB, etag='"v1"')
    assert (got.status, got.not_modified, got.size, got.sha256) == (304, True, 0, None)
    assert remote.requests_to("/data.csv")[0].headers["if-none-match"] == '"v1"'


def test_last_modified_is_sent_as_if_modified_since(remote: Remote) -> None:
    stamp = "Tue, 14 Apr 2026 08:00:00 GMT"
    url = remote.route("/data.csv", Route(CSV, last_modified=stamp))
    assert fetch(url, allow=LOOPBACK, max_bytes=MB, last_modified=stamp).not_modified
    assert fetch(url, allow=LOOPBACK, max_bytes=MB, last_modified="Mon, 13 Apr 2026 08:00:00 GMT").body == CSV


def test_redirects_are_followed_and_the_final_url_is_reported(remote: Remote) -> None:
    remote.route("/a", Route(status=302, headers={"Location": "/b"}))
    remote.route("/b", Route(status=301, headers={"Location": remote.url("/c")}))
    final = remote.route("/c", Route(CSV))
    got = fetch(remote.url("/a"), allow=LOOPBACK, max_bytes=MB)
    assert (got.url, got.body) == (final, CSV)


def test_more_than_the_allowed_redirects_are_refused_after_exactly_that_many(remote: Remote) -> None:
    for hop in range(10):
        remote.route(f"/{hop}", Route(status=307, headers={"Location": f"/{hop + 1}"}))
    with pytest.raises(FetchError) as refused:
        fetch(remote.url("/0"), allow=LOOPBACK, max_bytes=MB, max_redirects=5)
    assert refused.value.message_id == "fetch.too-many-redirects"
    assert [seen.path for seen in remote.seen] == ["/0", "/1", "/2", "/3", "/4", "/5"]


@pytest.mark.parametrize("url", ["ftp://example.org/data.csv", "file:///etc/passwd",
                                 "gopher://example.org/", "data:text/csv,a", "example.org/data.csv"])
def test_schemes_other_than_http_and_https_are_refused(url: str, connects: list) -> None:
    with pytest.raises(FetchError) as refused:
        fetch(url, max_bytes=MB)
    assert refused.value.message_id == "fetch.scheme"
    assert connects == []


def test_a_url_with_a_password_is_refused(connects: list) -> None:
    with pytest.raises(FetchError) as refused:
        fetch("https://user:secret@example.org/data.csv", max_bytes=MB)
    assert refused.value.message_id == "fetch.credentials"
    assert "secret" not in refused.value.text.bg + refused.value.text.en
    assert connects == []


def test_loopback_is_refused_unless_allowed_before_any_connection(remote: Remote, connects: list) -> None:
    url = remote.route("/data.csv", Route(CSV))
    with pytest.raises(FetchError) as refused:
        fetch(url, max_bytes=MB)
    assert (refused.value.message_id, refused.value.params["address"]) == ("fetch.refused-address", "127.0.0.1")
    assert connects == [] and remote.seen == []
    assert fetch(url, allow=LOOPBACK, max_bytes=MB).body == CSV  # the same URL, allowed
    assert connects == [("127.0.0.1", remote.port)]


@pytest.mark.parametrize("address", [
    "10.1.2.3", "172.16.5.4", "192.168.0.10", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "127.0.0.2", "224.0.0.251", "239.1.2.3", "::1", "fe80::1", "fc00::5", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::",
])
def test_a_name_that_resolves_to_a_non_public_address_is_refused_without_connecting(
        address: str, resolver: dict, connects: list) -> None:
    resolver["data.levski.test"] = [address]
    with pytest.raises(FetchError) as refused:
        fetch("https://data.levski.test/budget.csv", max_bytes=MB)
    assert (refused.value.message_id, refused.value.params["address"]) == ("fetch.refused-address", address)
    assert connects == []


def test_one_private_address_among_public_ones_refuses_the_name(resolver: dict, connects: list) -> None:
    resolver["data.levski.test"] = ["93.184.216.34", "10.0.0.7"]
    with pytest.raises(FetchError, match="10.0.0.7"):
        fetch("http://data.levski.test/budget.csv", max_bytes=MB)
    assert connects == []


def test_a_redirect_to_a_private_address_is_refused_before_connecting_to_it(
        remote: Remote, resolver: dict, connects: list) -> None:
    resolver["intranet.levski.test"] = ["10.20.0.5"]
    remote.route("/go", Route(status=302, headers={"Location": "http://intranet.levski.test/secret"}))
    with pytest.raises(FetchError) as refused:
        fetch(remote.url("/go"), allow=LOOPBACK, max_bytes=MB)
    assert refused.value.params["address"] == "10.20.0.5"
    assert connects == [("127.0.0.1", remote.port)]  # the first hop only


def test_a_redirect_to_a_non_http_scheme_is_refused(remote: Remote) -> None:
    remote.route("/go", Route(status=302, headers={"Location": "file:///etc/passwd"}))
    with pytest.raises(FetchError) as refused:
        fetch(remote.url("/go"), allow=LOOPBACK, max_bytes=MB)
    assert refused.value.message_id == "fetch.scheme"


def test_the_checked_address_is_the_one_connected_to_with_the_name_as_host(
        remote: Remote, monkeypatch: pytest.MonkeyPatch, connects: list) -> None:
    # A rebinding name answers the allowed address to the first lookup and another after (also
    # loopback, so that a failing test still sends nothing off this machine): the name is looked
    # up once, and the connection goes to the address that was checked.
    only = (ipaddress.ip_network("127.0.0.1/32"),)
    answers = iter(["127.0.0.1"] + ["127.0.0.2"] * 5)
    lookups: list[str] = []
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host != "data.levski.test":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    remote.route("/data.csv", Route(CSV))
    got = fetch(f"http://data.levski.test:{remote.port}/data.csv", allow=only, max_bytes=MB)
    assert got.body == CSV
    assert lookups == ["data.levski.test"]
    assert connects == [("127.0.0.1", remote.port)]
    assert remote.seen[0].headers["host"] == f"data.levski.test:{remote.port}"


def test_a_declared_size_over_the_cap_is_refused_before_reading_and_leaves_no_file(
        remote: Remote, tmp_path: Path) -> None:
    url = remote.route("/big.csv", Route(b"x" * 5000))
    with pytest.raises(FetchError) as refused:
        fetch(url, allow=LOOPBACK, max_bytes=4096, dest=tmp_path / "body")
    assert (refused.value.message_id, refused.value.params["limit"]) == ("fetch.too-large", 4096)
    assert list(tmp_path.iterdir()) == []


def test_an_undeclared_size_over_the_cap_stops_at_the_cap_and_leaves_no_file(
        remote: Remote, tmp_path: Path) -> None:
    url = remote.route("/big.csv", Route(b"x" * (3 * MB), chunked=True))
    with pytest.raises(FetchError, match="larger than"):
        fetch(url, allow=LOOPBACK, max_bytes=MB, dest=tmp_path / "body")
    assert list(tmp_path.iterdir()) == []


def test_a_compressed_bomb_is_capped_by_its_decoded_size(remote: Remote) -> None:
    url = remote.route("/bomb.csv", Route(b"0" * (20 * MB), gzip=True))
    with pytest.raises(FetchError) as refused:
        fetch(url, allow=LOOPBACK, max_bytes=MB)
    assert refused.value.message_id == "fetch.too-large"


def test_gzip_is_decoded_and_hashed_as_the_content(remote: Remote) -> None:
    url = remote.route("/data.csv", Route(CSV, gzip=True))
    assert fetch(url, allow=LOOPBACK, max_bytes=MB).body == CSV


def test_a_server_that_never_answers_times_out(remote: Remote) -> None:
    url = remote.route("/hold", Route(hold=True))
    with pytest.raises(FetchError) as refused:
        fetch(url, allow=LOOPBACK, max_bytes=MB, read_timeout=0.2)
    assert refused.value.message_id == "fetch.timeout"


@pytest.mark.parametrize("status", [403, 404, 500, 503])
def test_an_error_status_is_an_error_with_that_status(remote: Remote, status: int) -> None:
    url = remote.route("/data.csv", Route(b"<h1>no</h1>", status=status))
    with pytest.raises(FetchError) as refused:
        fetch(url, allow=LOOPBACK, max_bytes=MB)
    assert (refused.value.message_id, refused.value.status) == ("fetch.http-status", status)
    assert str(status) in refused.value.text.bg and str(status) in refused.value.text.en


def test_a_port_nobody_listens_on_is_unreachable() -> None:
    with pytest.raises(FetchError) as refused:
        fetch(f"http://127.0.0.1:{free_port()}/data.csv", allow=LOOPBACK, max_bytes=MB)
    assert refused.value.message_id == "fetch.unreachable"


def test_an_unknown_name_is_unresolved(resolver: dict) -> None:
    with pytest.raises(FetchError) as refused:
        fetch("http://no-such-host.invalid/data.csv", max_bytes=MB)
    assert refused.value.message_id == "fetch.unresolved"


def test_fetch_errors_are_bilingual_input_errors() -> None:
    with pytest.raises(InvalidInput) as refused:
        fetch("ftp://example.org/", max_bytes=MB)
    assert "http://" in refused.value.text.bg and "only http://" in refused.value.text.en


def test_allowed_networks_parses_commas_and_spaces() -> None:
    assert allowed_networks(" 127.0.0.0/8, 10.20.0.0/16 ::1/128 ") == (
        ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("10.20.0.0/16"),
        ipaddress.ip_network("::1/128"))
    assert allowed_networks("") == () and allowed_networks(None) == ()


def test_a_bad_network_in_the_allow_list_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput) as refused:
        allowed_networks("127.0.0.0/8, intranet")
    assert refused.value.message_id == "fetch.bad-allow"
    assert "intranet" in refused.value.text.bg and "OTKRITO_FETCH_ALLOW" in refused.value.text.en


def test_no_proxy_setting_reroutes_the_request(remote: Remote, monkeypatch: pytest.MonkeyPatch,
                                               connects: list) -> None:
    # The address checked must be the one connected to: an HTTP_PROXY would connect elsewhere.
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("http_proxy", os.environ["HTTP_PROXY"])
    url = remote.route("/data.csv", Route(CSV))
    assert fetch(url, allow=LOOPBACK, max_bytes=MB).body == CSV
    assert connects == [("127.0.0.1", remote.port)]


@pytest.fixture
def tls_remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, resolver: dict):  # type: ignore[no-untyped-def]
    """An HTTPS server for data.levski.test on 127.0.0.1, its CA trusted through SSL_CERT_FILE."""
    from tests.sources.remote import Remote
    from tests.sources.tls import make_certificates, serve_tls

    ca, certificate, key = make_certificates(tmp_path, "data.levski.test")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    resolver["data.levski.test"] = ["127.0.0.1"]
    resolver["other.levski.test"] = ["127.0.0.1"]
    server = Remote()
    names = serve_tls(server, certificate, key)
    server.start()
    yield server, names
    server.stop()


def test_https_to_the_checked_address_sends_the_name_and_verifies_its_certificate(tls_remote) -> None:  # type: ignore[no-untyped-def]
    server, names = tls_remote
    server.route("/data.csv", Route(CSV))
    got = fetch(f"https://data.levski.test:{server.port}/data.csv", allow=LOOPBACK, max_bytes=MB)
    assert got.body == CSV
    assert names == ["data.levski.test"]
    assert server.seen[0].headers["host"] == f"data.levski.test:{server.port}"


def test_https_with_a_certificate_for_another_name_is_refused(tls_remote) -> None:  # type: ignore[no-untyped-def]
    server, _names = tls_remote
    server.route("/data.csv", Route(CSV))
    with pytest.raises(FetchError) as refused:
        fetch(f"https://other.levski.test:{server.port}/data.csv", allow=LOOPBACK, max_bytes=MB)
    assert refused.value.message_id == "fetch.tls"
    assert server.seen == []
