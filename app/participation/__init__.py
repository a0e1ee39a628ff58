"""Participation and accountability: timeliness, quality, comparison, requests and feedback,
the rules page, staff moderation and usage statistics."""
from __future__ import annotations

from flask import Flask

from app.participation import accountability, feedback, i18n, rules, staff, usage


def init_app(app: Flask) -> None:
    """Register the participation pages, their translations, feeds and usage counting."""
    i18n.init_app(app)
    app.register_blueprint(accountability.bp)
    feedback.init_app(app)
    rules.init_app(app)
    staff.init_app(app)
    usage.init_app(app)
    app.extensions.setdefault("alternates", []).append(accountability.alternates)
    app.jinja_env.globals.update(timeliness_of=accountability.timeliness_of,
                                 quality_of=accountability.quality_of,
                                 timeliness_labels=accountability.STATE_LABELS)
