"""The portal behind Debian's real nginx over HTTPS, with the site shipped in deploy/nginx/ rendered
by `otkrito deploy nginx`: pages, a 100 MB upload, feeds, /sql/, and spoofed forwarded headers."""
from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import feedparser
import httpx
import pytest
from click.testing import CliRunner

from app import config
from app.cli.commands import main
from app.state import open_portal
from tests.app.staff.staff_world import World, build_world
from tests.conftest import HTTP_TIMEOUT, REPO, Running, _listens_on, free_port, start_server, stop_server, until

NGINX = "/usr/sbin/nginx"
MAX_UPLOAD_MB = 120
MB = 1024 * 1024


@dataclass
class Site:
    """nginx on loopback in front of a real `otkrito serve`."""

    url: str  # https://127.0.0.1:<port>, the public URL
    http_url: str
    cert: Path
    logs: Path
    world: World
    server: Running

    def client(self, address: str = "127.0.0.1") -> httpx.Client:
        """A client connecting from `address` (any 127.x address is this machine)."""
        transport = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=str(self.cert)),
                                        local_address=address)
        return httpx.Client(transport=transport, base_url=self.url, timeout=HTTP_TIMEOUT)


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def _main_conf(folder: Path, site: Path) -> Path:
    """Debian's nginx.conf cut down to what the site needs, with every path in the test's folder."""
    # pytest's temporary folders are private to the user running the tests; as root, nginx's
    # workers would run as nobody and could not reach them. This copy only (never the shipped
    # site) keeps the workers as the test's user.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 1;
error_log {folder / 'error.log'} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder / 'access.log'};
{temp}
    include {site};
}}
""")
    return conf


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("nginx")
    settings = {"OTKRITO_INSTANCE": str(folder / "instance"), "OTKRITO_SECRET_KEY": "deploy-test-secret",
                "OTKRITO_MAX_UPLOAD_MB": str(MAX_UPLOAD_MB), "OTKRITO_TRUSTED_PROXIES": "127.0.0.1"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings.items():
            patch.setenv(name, value)
        portal = open_portal(config.load())
        world = build_world(portal, folder)
        cert, key = _certificate(folder)
        for _attempt in range(5):  # a free port is free only when asked: another may take it first
            started = _start(folder, settings, cert, key, world)
            if started:
                break
        else:
            raise RuntimeError("no free ports stayed free long enough for nginx to bind them")
    found, nginx = started
    try:
        yield found
    finally:
        nginx.terminate()
        nginx.wait(timeout=60)
        stop_server(found.server)
        portal.engine.dispose()


def _start(folder: Path, settings: dict[str, str], cert: Path, key: Path,
           world: World) -> tuple[Site, subprocess.Popen[bytes]] | None:
    """`otkrito serve` whose public URL is nginx's, then nginx in front; None if a port was taken."""
    https_port, http_port = free_port(), free_port()
    url = f"https://127.0.0.1:{https_port}"
    server = start_server(["-m", "app.cli", "serve", "--port", "{port}"], env={**settings, "OTKRITO_BASE_URL": url})
    rendered = CliRunner().invoke(main, ["deploy", "nginx", "--server-name", "127.0.0.1",
                                         "--cert", str(cert), "--key", str(key),
                                         "--upstream", server.url.removeprefix("http://"),
                                         "--listen-https", f"127.0.0.1:{https_port}",
                                         "--listen-http", f"127.0.0.1:{http_port}"])
    assert rendered.exit_code == 0, rendered.output
    (folder / "otkrito.conf").write_text(rendered.output)
    conf = _main_conf(folder, folder / "otkrito.conf")
    command = [NGINX, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    tested = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stderr
    nginx = subprocess.Popen([*command, "-g", f"daemon off; pid {folder / 'nginx.pid'};"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    found = Site(url, f"http://127.0.0.1:{http_port}", cert, folder, world, server)
    with found.client() as client:
        answered = until(lambda: _answers(client, nginx, https_port), "nginx answering over HTTPS or exiting",
                         within=120)
    if answered == "exited":
        said = nginx.stderr.read().decode() if nginx.stderr else ""
        stop_server(server)
        assert "Address already in use" in said, said
        return None
    return found, nginx


def _answers(client: httpx.Client, nginx: subprocess.Popen[bytes], port: int) -> str | None:
    if nginx.poll() is not None:
        return "exited"
    if not _listens_on(nginx, port):  # until then, whatever answers on the port is not our nginx
        return None
    try:
        return "answered" if client.get("/sql/").status_code == 200 else None
    except httpx.TransportError:
        return None


def test_the_shipped_site_is_rendered_with_the_portal_s_upload_limit_and_no_placeholder_left(
        site: Site) -> None:
    rendered = (site.logs / "otkrito.conf").read_text()
    template = (REPO / "deploy" / "nginx" / "otkrito.conf").read_text()
    assert "@MAX_UPLOAD_MB@" in template and not re.search(r"@[A-Z_]+@", rendered)
    assert f"client_max_body_size {MAX_UPLOAD_MB}m;" in rendered
    assert re.findall(r"proxy_set_header X-Forwarded-For (\S+);", rendered) == ["$remote_addr"]


def test_a_page_over_https_has_hsts_and_secure_cookies_and_plain_http_is_redirected(site: Site) -> None:
    with site.client() as client:
        page = client.get("/staff/login?lang=en")
        static = client.get("/static/site.css")
    assert page.status_code == 200 and "<form" in page.text
    assert page.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    cookies = page.headers.get_list("set-cookie")
    assert sorted(c.split("=")[0] for c in cookies) == ["lang", "session"]
    assert all("; Secure" in c for c in cookies), cookies
    # nginx serves the CSS itself from the package, cached for an hour.
    assert static.status_code == 200 and static.text == (REPO / "app" / "static" / "site.css").read_text()
    assert static.headers["cache-control"] == "max-age=3600" and "expires" in static.headers
    redirect = httpx.get(site.http_url + "/datasets?q=1", timeout=HTTP_TIMEOUT)
    assert redirect.status_code == 301
    assert redirect.headers["location"] == site.url + "/datasets?q=1"


def _body(boundary: str, head: bytes, size: int, digest: hashlib._Hash) -> Iterator[bytes]:
    """A multipart body with one file of `size` bytes, hashed as it is sent (never all in memory)."""
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
           f"Content-Type: text/csv\r\n\r\n").encode()
    block = head + os.urandom(MB - len(head))
    for _ in range(size // MB):
        digest.update(block)
        yield block
    yield f"\r\n--{boundary}--\r\n".encode()


def test_a_100_mb_upload_through_the_api_reaches_the_portal_whole_and_unbuffered(site: Site) -> None:
    uploads = site.world.portal.instance.root / "uploads"
    before = set(uploads.iterdir())
    boundary, size, digest = "otkrito-deploy-test", 100 * MB, hashlib.sha256()
    # Cheap to refuse: the check stops at the first row (NUL bytes), after the portal stored it all.
    head = b"\x00\x00not a table\n"
    length = sum(len(part) for part in _body(boundary, head, size, hashlib.sha256()))
    with site.client() as client:
        answer = client.post("/api/v1/datasets/a-data/releases", content=_body(boundary, head, size, digest),
                             headers={"Authorization": f"Bearer {site.world.token_a}",
                                      "Content-Type": f"multipart/form-data; boundary={boundary}",
                                      "Content-Length": str(length)})
    assert answer.status_code == 400, answer.text
    assert answer.json()["message_id"] == "upload.failed"
    assert "NUL" in answer.json()["title"] and "NUL" in answer.json()["title_bg"]
    [stored] = set(uploads.iterdir()) - before
    assert stored.stat().st_size == size
    with stored.open("rb") as handle:
        assert hashlib.file_digest(handle, "sha256").hexdigest() == digest.hexdigest()
    # With request buffering nginx would have spooled the body to client_body_temp and said so.
    assert "buffered to a temporary file" not in (site.logs / "error.log").read_text()


def _raw_post(site: Site, path: str, length: int) -> tuple[str, dict[str, str], str]:
    """POST headers announcing `length` bytes, no body: nginx answers before reading any."""
    context = ssl.create_default_context(cafile=str(site.cert))
    port = int(site.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=HTTP_TIMEOUT) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     f"Authorization: Bearer {site.world.token_a}\r\n"
                     f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {length}\r\n"
                     "\r\n").encode())
        received = b""
        while b"\r\n\r\n" not in received:
            received += tls.recv(65536)
        head, _, body = received.partition(b"\r\n\r\n")
        status, *lines = head.decode().split("\r\n")
        headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
        while len(body) < int(headers["content-length"]):  # nginx keeps the socket open a while
            body += tls.recv(65536)
    return status, headers, body.decode()


def test_a_body_over_the_limit_is_refused_by_nginx_in_both_languages(site: Site) -> None:
    over = MAX_UPLOAD_MB * MB + 1
    status, headers, body = _raw_post(site, "/api/v1/datasets/a-data/releases", over)
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert (problem["status"], problem["title"]) == (413, f"The file is too large (at most {MAX_UPLOAD_MB} MB).")
    assert problem["title_bg"] == f"Файлът е твърде голям (най-много {MAX_UPLOAD_MB} MB)."
    status, headers, body = _raw_post(site, "/staff/datasets/a-data/upload", over)
    assert status.split()[1] == "413" and headers["content-type"] == "text/plain; charset=utf-8"
    assert body == (f"Файлът е твърде голям (най-много {MAX_UPLOAD_MB} MB).\n"
                    f"The file is too large (at most {MAX_UPLOAD_MB} MB).\n")


def test_feeds_link_to_the_public_https_url_and_sql_answers_json(site: Site) -> None:
    with site.client() as client:
        feed = feedparser.parse(client.get("/feeds/releases.atom").content)
        rows = client.get("/sql/a-data.json", params={"sql": "select count(*) as n from a_data", "_shape": "array"})
    links = [link["href"] for entry in feed.entries for link in entry.links]
    assert feed.entries and links
    assert all(href.startswith(site.url + "/") for href in links), links
    assert feed.feed.link.startswith(site.url + "/")
    assert rows.status_code == 200 and rows.headers["content-type"].startswith("application/json")
    assert rows.json() == [{"n": 4}]


def _request_form(client: httpx.Client, spoofed: str) -> httpx.Response:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/requests/new").text)
    assert token
    # Over https the CSRF check wants the Referer a browser sends.
    headers = {"X-Forwarded-For": spoofed, "Referer": f"{client.base_url}".rstrip("/") + "/requests/new"}
    return client.post("/requests/new", headers=headers, data={
        "csrf_token": token[1], "publisher": "1", "title": "Бюджет по месеци",
        "body": "Моля, публикувайте бюджета по месеци.", "consent": "yes"})


def test_a_spoofed_x_forwarded_for_does_not_change_the_address_the_limits_see(site: Site) -> None:
    # Data requests: at most 5 an hour from one address (publishers/feedback.py). Every request
    # claims another address; nginx replaces the claim with the real peer, 127.0.0.2.
    with site.client("127.0.0.2") as spoofer:
        answers = [_request_form(spoofer, f"198.51.100.{i}, 203.0.113.{i}") for i in range(6)]
    assert [a.status_code for a in answers] == [302] * 5 + [429], site.server.stderr()
    assert "Изпратихте твърде много съобщения" in answers[-1].text
    # The limit is the peer's own, not nginx's address shared by every client.
    with site.client("127.0.0.3") as other:
        assert _request_form(other, "127.0.0.2").status_code == 302
    # And /metrics is for this machine only, whatever a client claims.
    with site.client("127.0.0.2") as outsider:
        assert outsider.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 403


def test_rendering_refuses_a_template_with_a_placeholder_it_does_not_know(tmp_path: Path) -> None:
    template = tmp_path / "site.conf"
    template.write_text("server { server_name @SERVER_NAME@; root @DOCUMENT_ROOT@; }\n")
    result = CliRunner().invoke(main, ["deploy", "nginx", "--server-name", "data.example.bg", "--cert", "c",
                                       "--key", "k", "--template", str(template)])
    assert result.exit_code == 1
    assert "@DOCUMENT_ROOT@" in result.output and "server_name data.example.bg" not in result.output
