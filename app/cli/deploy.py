"""`otkrito deploy nginx`: the shipped nginx site (deploy/nginx/otkrito.conf) with this portal's settings.

nginx cannot read the environment, so OTKRITO_MAX_UPLOAD_MB and the paths of this installation
are written into the template's @PLACEHOLDERS@ here; the test behind real nginx renders the same
file the same way."""
from __future__ import annotations

import re
from pathlib import Path

import click

import app as package
from app import config

REPO = Path(package.__file__).resolve().parent.parent
TEMPLATE = REPO / "deploy" / "nginx" / "otkrito.conf"
STATIC = Path(package.__file__).resolve().parent / "static"


def render_nginx(template: str, *, server_name: str, cert: str, key: str, upstream: str,
                 listen_https: str, listen_http: str, max_upload_mb: int) -> str:
    """The site with every placeholder filled; a placeholder left over is a template's mistake."""
    port = listen_https.rsplit(":", 1)[-1]
    host = server_name.split()[0]
    values = {
        "SERVER_NAME": server_name, "CERT": cert, "KEY": key, "UPSTREAM": upstream,
        "LISTEN_HTTPS": listen_https, "LISTEN_HTTP": listen_http,
        "MAX_UPLOAD_MB": str(max_upload_mb), "STATIC_ROOT": str(STATIC),
        # The redirect names the first server name (never the client's Host header).
        "HTTPS_URL": f"https://{host}" if port == "443" else f"https://{host}:{port}",
    }
    for name, value in values.items():
        template = template.replace(f"@{name}@", value)
    left = re.search(r"@[A-Z_]+@", template)
    if left:
        raise click.ClickException(f"the template has a placeholder this command does not know: {left[0]}")
    return template


@click.group()
def deploy() -> None:
    """Configuration files for a production installation (docs/operations.md)."""


@deploy.command("nginx")
@click.option("--server-name", required=True, help="The portal's public host name, e.g. data.example.bg.")
@click.option("--cert", required=True, help="TLS certificate chain (PEM), e.g. certbot's fullchain.pem.")
@click.option("--key", required=True, help="Its private key (PEM), e.g. certbot's privkey.pem.")
@click.option("--upstream", default="127.0.0.1:8000", show_default=True,
              help="Where `otkrito serve` listens.")
@click.option("--listen-https", default="443", show_default=True, help="nginx's HTTPS listen address.")
@click.option("--listen-http", default="80", show_default=True,
              help="nginx's plain HTTP listen address (it redirects to HTTPS).")
@click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=TEMPLATE, show_default=True, help="The site template.")
def nginx(server_name: str, cert: str, key: str, upstream: str, listen_https: str,
          listen_http: str, template: Path) -> None:
    """Print the nginx site for this portal (upload limit from OTKRITO_MAX_UPLOAD_MB)."""
    click.echo(render_nginx(template.read_text(encoding="utf-8"), server_name=server_name, cert=cert,
                            key=key, upstream=upstream, listen_https=listen_https,
                            listen_http=listen_http, max_upload_mb=config.load()["MAX_UPLOAD_MB"]),
               nl=False)
