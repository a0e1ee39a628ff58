"""E-mail subscriptions: the pages to subscribe, confirm, manage and unsubscribe."""
from __future__ import annotations

from flask import Flask

from app.follow import views


def init_app(app: Flask) -> None:
    """Register the subscription pages, and offer templates whether mail is set up."""
    app.register_blueprint(views.bp)
    app.jinja_env.globals.update(follow_url=views.follow_url,
                                 follow_enabled=lambda: bool(app.config["OTKRITO"].get("SMTP_URL")))
