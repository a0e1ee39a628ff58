"""The impact evaluation: the public /impact page, the yearly report /impact/<year>, the methodology
on the rules page, the staff form."""
from __future__ import annotations

from flask import Flask

from app.impact import i18n, report_views, staff, views


def init_app(app: Flask) -> None:
    """Register the impact pages and their translations."""
    i18n.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(report_views.bp)  # the yearly report: /impact/<year>
    app.jinja_env.globals.update(impact_methodology=views.methodology_summary)
    app.jinja_env.globals.update(impact_report_link=report_views.report_link)
