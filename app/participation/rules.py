"""The public rules page and its history (a site admin edits it in the workspace)."""
from __future__ import annotations

from flask import Blueprint, Flask

from app.participation.responses import page
from app.participation.text import to_html
from app.state import current_portal
from publishers import rules

bp = Blueprint("participation_rules", __name__)


@bp.get("/rules")
def rules_page():  # type: ignore[no-untyped-def]
    engine = current_portal().engine
    return page("participation/rules.html", rules=rules.current(engine), to_html=to_html,
                versions=rules.history(engine), archived=False)


@bp.get("/rules/<int:version>")
def rules_version(version: int):  # type: ignore[no-untyped-def]
    engine = current_portal().engine
    return page("participation/rules.html", rules=rules.get_version(engine, version),
                to_html=to_html, versions=rules.history(engine),
                archived=version != rules.current(engine).version)


def init_app(app: Flask) -> None:
    """Register the rules pages."""
    app.register_blueprint(bp)
