"""Strict security headers on every response: Flask's pages and Datasette's under /sql/."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

from app.asgi_types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# Datasette's own pages need its inline scripts and styles, so under /sql/ the policy keeps
# to what does not depend on them: no framing, no plugins, no <base>, forms to us only.
SQL_CSP = "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
# Embeds (app/embed/) may be framed by any site; they run no script at all, ours or anyone's.
EMBED_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
             "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors *")
EMBED_PREFIX = "/embed/"
HSTS = "max-age=31536000; includeSubDomains"
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


class SchemeSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session; over https every cookie the response sets is Secure.

    SESSION_COOKIE_SECURE is one value for the whole app, but the portal answers plain http
    (the README's first command) as well as https behind a proxy, so it is decided per request.
    Saving the session is the last step of every response (after all after_request functions),
    so the language cookie and any other get the flag here too."""

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        super().save_session(app, session, response)
        if request.is_secure:
            cookies = response.headers.getlist("Set-Cookie")
            response.headers.setlist("Set-Cookie", [
                cookie if "; secure" in cookie.lower() else cookie + "; Secure" for cookie in cookies])


def origin(template: str | None) -> str | None:
    """The scheme and host of the map tiles' URL template, for img-src (None if unusable)."""
    parts = urlsplit(template or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def _with_tiles(policy: str, tiles: str | None) -> str:
    # The optional base map's server is the one other origin images may come from.
    return policy.replace("img-src 'self' data:", f"img-src 'self' data: {tiles}") if tiles else policy


def init_app(app: Flask) -> None:
    """Add CSP without unsafe-inline, nosniff, referrer policy, and HSTS and Secure cookies behind TLS."""
    app.session_interface = SchemeSessionInterface()
    tiles = origin(app.config.get("OTKRITO", {}).get("MAP_TILES"))
    page_csp, embed_csp = _with_tiles(CSP, tiles), _with_tiles(EMBED_CSP, tiles)

    @app.after_request
    def secure(response: Response) -> Response:
        embed = request.path.startswith(EMBED_PREFIX)
        response.headers.setdefault("Content-Security-Policy", embed_csp if embed else page_csp)
        for name, value in COMMON.items():
            if not (embed and name == "X-Frame-Options"):  # it has no "anyone" value
                response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def secured(app: ASGIApp) -> ASGIApp:
    """Wrap an ASGI app (Datasette) so its responses carry the same protective headers."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        extra = {**COMMON, "Content-Security-Policy": SQL_CSP}
        https = scope.get("scheme") == "https"
        if https:
            extra["Strict-Transport-Security"] = HSTS

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {bytes(name).lower() for name, _ in headers}
                headers += [(name.lower().encode(), value.encode()) for name, value in extra.items()
                            if name.lower().encode() not in present]
                if https:  # Datasette's own cookies (its CSRF token) are Secure too
                    headers = [(name, value + b"; Secure") if bytes(name).lower() == b"set-cookie"
                               and b"; secure" not in bytes(value).lower() else (name, value)
                               for name, value in headers]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_secured)

    return wrapped
