"""A certificate authority and a server certificate for one name, made with the openssl command,
and an HTTPS server on 127.0.0.1 that records the name each client asked for (SNI)."""
from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

from tests.sources.remote import Remote


def make_certificates(folder: Path, name: str) -> tuple[Path, Path, Path]:
    """Return (CA certificate, server certificate, server key) for `name`."""
    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test CA",
        "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", "server.key",
        "-out", "server.csr")
    (folder / "san.ext").write_text(f"subjectAltName=DNS:{name}\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "san.ext", "-out", "server.pem")
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


def serve_tls(remote: Remote, certificate: Path, key: Path) -> list[str]:
    """Wrap the (not yet started) server's socket in TLS; return the list SNI names go to."""
    names: list[str] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    context.sni_callback = lambda _sock, name, _ctx: names.append(name) and None
    remote.server.socket = context.wrap_socket(remote.server.socket, server_side=True)
    return names
