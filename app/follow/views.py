"""The subscription pages. Links from e-mail never change anything on GET (mail scanners follow
links): each shows a button; the POST does it. The one-click unsubscribe POST of RFC 8058 comes
from a mail client without a CSRF token: the signed link alone authorises it."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from app.follow.background import mailer_of
from app.i18n import current_lang
from app.state import current_portal
from datasets import follow
from metadata.errors import InvalidInput
from publishers import feedback, follow_tokens, subscriptions

bp = Blueprint("follow", __name__, template_folder="templates")


@bp.before_request
def check_csrf() -> None:
    if request.method == "POST" and request.endpoint != "follow.unsubscribe":
        # The workspace's CSRFProtect, found through the app (app.jobs imports this part, and
        # app.staff imports app.jobs).
        current_app.extensions["csrf"].protect()


def follow_url(kind: str, target: str = "") -> str:
    """The subscription page for a dataset, publisher, theme, keyword or overdue datasets."""
    extra = {"lang": "en"} if current_lang() == "en" else {}
    return url_for("follow.form", kind=kind, target=target or None, **extra)


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = current_app.make_response(render_template(template, **context))
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the URL holds a signed link
    return response


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _enabled() -> None:
    if not current_app.config["OTKRITO"].get("SMTP_URL"):
        abort(404)


@bp.route("/follow", methods=["GET", "POST"])
def form():  # type: ignore[no-untyped-def]
    _enabled()
    engine = current_portal().engine
    kind, target = request.values.get("kind", "")[:20], request.values.get("target", "")[:200]
    try:
        what = follow.target_title(engine, kind, target) if kind in subscriptions.KINDS else None
    except InvalidInput:
        what = None
    if what is None:
        return _page("follow/error.html", 404, error=InvalidInput("follow.bad-target").text)
    values = {"email": request.form.get("email", "")[:1000], "frequency": request.form.get("frequency", "immediate"),
              "lang": request.form.get("mail_lang", current_lang()), "consent": request.form.get("consent") == "yes"}
    if request.method == "GET":
        return _page("follow/form.html", kind=kind, target=target, what=what, values=values)
    try:
        follow.ask(engine, mailer_of(current_app.config["OTKRITO"]), email=values["email"], kind=kind,
                   target=target, frequency=values["frequency"], lang=values["lang"],
                   client=request.remote_addr or "unknown", consent=values["consent"],
                   honeypot=request.form.get("website", ""))
    except feedback.RateLimited as error:
        return _page("follow/form.html", 429, kind=kind, target=target, what=what, values=values, error=error.text)
    except InvalidInput as error:
        return _page("follow/form.html", 422, kind=kind, target=target, what=what, values=values, error=error.text)
    return redirect(url_for("follow.sent", **({"lang": "en"} if current_lang() == "en" else {})))


@bp.get("/follow/sent")
def sent():  # type: ignore[no-untyped-def]
    _enabled()
    return _page("follow/done.html", done="sent")


@bp.route("/follow/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):  # type: ignore[no-untyped-def]
    engine = current_portal().engine
    try:
        if request.method == "GET":
            follow_tokens.read(_secret(), "confirm", token)
            return _page("follow/button.html", action="confirm", token=token)
        follow.confirm(engine, _secret(), token)
    except InvalidInput as error:
        return _page("follow/error.html", 400, error=error.text)
    return _page("follow/done.html", done="confirmed")


@bp.route("/follow/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):  # type: ignore[no-untyped-def]
    engine = current_portal().engine
    try:
        if request.method == "GET":
            follow.check_unsubscribe(engine, _secret(), token)
            return _page("follow/button.html", action="unsubscribe", token=token)
        follow.unsubscribe(engine, _secret(), token)
    except InvalidInput as error:
        return _page("follow/error.html", 400, error=error.text)
    return _page("follow/done.html", done="unsubscribed")


@bp.route("/follow/manage/<token>", methods=["GET", "POST"])
def manage(token: str):  # type: ignore[no-untyped-def]
    engine = current_portal().engine
    try:
        if request.method == "POST":
            if request.form.get("all") == "1":
                follow.unsubscribe_all(engine, _secret(), token)
            else:
                chosen = [int(v) for v in request.form.getlist("end") if v.isdigit()]
                follow.unsubscribe(engine, _secret(), token, only=chosen)
        found = follow.managed(engine, _secret(), token, current_lang())
    except InvalidInput as error:
        return _page("follow/error.html", 400, error=error.text)
    return _page("follow/manage.html", token=token, found=found, changed=request.method == "POST")
