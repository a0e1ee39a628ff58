"""Staff sign-in: server-side sessions in a signed cookie, CSRF on every form, safe redirects."""
from __future__ import annotations

from datetime import timedelta
from functools import wraps
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from app.state import current_portal
from metadata.errors import Forbidden
from publishers.login import LoginFailed, Throttled, authenticate, end_session, session_user, start_session
from publishers.roles import Access
from publishers.users import find_user_by_id, roles_of

bp = Blueprint("auth", __name__, url_prefix="/staff")


class RefererCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF protection, refusing a malformed Referer with its 400 instead of a 500.

    Over https (behind the proxy) it compares the Referer's port with the portal's, and
    urllib raises ValueError for a port that is not a number, e.g. `https://host:80x/`."""

    def protect(self) -> None:
        try:
            super().protect()
        except ValueError as error:  # its own token failures are already CSRFError
            raise CSRFError("The referrer header is malformed.") from error


csrf = RefererCSRFProtect()
PUBLIC = {"auth.login"}  # the only workspace endpoint open without a session


def _engine():  # type: ignore[no-untyped-def]
    return current_portal().engine


def current_access() -> Access | None:
    """Return the signed-in user's access, or None."""
    if "access" not in g:
        g.access = None
        session_id = session.get("sid")
        user_id = session_user(_engine(), session_id) if session_id else None
        user = find_user_by_id(_engine(), user_id) if user_id else None
        if user is not None and user.active:
            g.access = Access(user, roles_of(_engine(), user.id))
    return g.access


def access() -> Access:
    """Return the signed-in user's access (the blueprint guard guarantees there is one)."""
    found = current_access()
    if found is None:
        abort(401)
    return found


def actor() -> str:
    """Name the signed-in user for the audit log."""
    return access().user.email


def safe_next(target: str | None) -> str:
    """Return target when it is a path on this site, else the workspace home."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target and "\n" not in target:
            return target
    return url_for("staff.home")


def guard_workspace() -> Any:
    """Before every workspace request: check CSRF on writes, and that someone is signed in."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if request.endpoint in PUBLIC:
        return None
    if current_access() is None:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def no_store(response):  # type: ignore[no-untyped-def]
    response.headers["Cache-Control"] = "no-store"
    return response


bp.before_request(guard_workspace)
bp.after_request(no_store)


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_access() is not None:
            return redirect(target)
        return render_template("staff/login.html", next=target, error=None, email="")
    email = request.form.get("email", "")
    try:
        user = authenticate(_engine(), email, request.form.get("password", ""),
                            address=request.remote_addr or "unknown")
    except (LoginFailed, Throttled) as error:
        status = 429 if isinstance(error, Throttled) else 401
        return render_template("staff/login.html", next=target, error=error.text,
                               email=email[:254]), status
    # A new session id at every sign-in: nothing from before survives (no fixation).
    session.clear()
    session["sid"] = start_session(_engine(), user)
    session.permanent = False
    return redirect(target)


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    session_id = session.get("sid")
    if session_id:
        end_session(_engine(), session_id, actor=actor())
    session.clear()
    return redirect(url_for("public.home"))


def authorize(action: str, publisher_id: int | None = None) -> Access:
    """Raise Forbidden unless the signed-in user may take `action` for the publisher."""
    found = access()
    found.require(action, publisher_id)
    g.authorized = True
    return found


def site_admin() -> str:
    """Raise Forbidden unless the signed-in user is an active site admin; return who they are."""
    you = access()
    if not (you.user.active and you.user.site_admin):
        raise Forbidden("participation.site-admin-only")
    g.authorized = True
    return you.user.email


def signed_in() -> Access:
    """Return the user's access for a view that shows only the user's own things."""
    g.authorized = True
    return access()


def requires(action: str) -> Callable[..., Any]:
    """Mark a view that must call authorize(); a view that forgets fails closed."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = view(*args, **kwargs)
            if not g.get("authorized"):
                raise RuntimeError(f"{view.__name__} never checked access")
            return result

        wrapper.access_action = action  # type: ignore[attr-defined]
        return wrapper

    return decorate


def init_app(app: Flask) -> None:
    """Register sign-in, CSRF protection for the workspace, and session cookie settings."""
    base_url = str(app.config["OTKRITO"].get("BASE_URL") or "")
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # checked by the workspace guard; the API uses tokens
        SESSION_COOKIE_SECURE=base_url.startswith("https://"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    )
    csrf.init_app(app)
    app.register_blueprint(bp)
