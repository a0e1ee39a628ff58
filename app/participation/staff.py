"""Staff side of participation: the moderation queue and answers, quality fixes, the rules.

Routes live under /staff with the workspace's guard (sign-in, CSRF) and each view checks the
user's role for the publisher concerned before anything else.
"""
from __future__ import annotations

from flask import Blueprint, Flask, g, redirect, render_template, request, url_for

from app.participation.accountability import quality_of
from app.participation.feedback import STATUS_LABELS
from app.participation.text import to_html
from app.staff.auth import access, guard_workspace, no_store, requires, site_admin
from app.state import current_portal
from datasets import catalog
from metadata import quality
from metadata.errors import Forbidden, NotFound, OtkritoError
from publishers import feedback, rules
from publishers.registry import get_publisher

bp = Blueprint("participation_staff", __name__, url_prefix="/staff")
bp.before_request(guard_workspace)
bp.after_request(no_store)
MODERATORS = frozenset({"admin", "editor"})


def _moderator_of(publisher_id: int) -> str:
    """Check that the user may moderate the publisher's feedback; return who they are."""
    you = access()
    if not (you.user.active and (you.user.site_admin or you.roles.get(publisher_id) in MODERATORS)):
        raise Forbidden("staff.forbidden")
    g.authorized = True
    return you.user.email


def _engine():  # type: ignore[no-untyped-def]

    return current_portal().engine


def _act(item_id: int, actor: str) -> None:
    """Apply the decision posted for an item (moderation or a new status)."""
    engine = _engine()
    decision = request.form.get("decision", "")
    if decision in ("approve", "reject"):
        feedback.moderate(engine, item_id, approve=decision == "approve", actor=actor)
        return
    feedback.set_status(engine, item_id, decision, actor=actor,
                        answer=request.form.get("answer", "")[:20_000],
                        reason=request.form.get("reason", "")[:5_000],
                        dataset_slug=request.form.get("dataset", "")[:200])


@bp.route("/publishers/<publisher>/moderation", methods=["GET", "POST"])
@requires("feedback.moderate")
def moderation(publisher: str):  # type: ignore[no-untyped-def]
    engine = _engine()
    owner = get_publisher(engine, publisher)
    actor = _moderator_of(owner.id)
    error = None
    if request.method == "POST":
        raw = request.form.get("item", "")
        item = feedback.get_item(engine, int(raw), public=False) if raw.isdigit() else None
        if item is None or item.publisher_id != owner.id:
            raise NotFound("feedback.not-found")
        try:
            _act(item.id, actor)
            return redirect(url_for("participation_staff.moderation", publisher=publisher,
                                    done=item.id) + f"#item-{item.id}")
        except OtkritoError as failed:
            error = (item.id, failed.text)
    pending = feedback.list_items(engine, public=False, publisher_id=owner.id, moderation="pending",
                                  limit=200)
    approved = feedback.list_items(engine, public=False, publisher_id=owner.id,
                                   moderation="approved", limit=200)
    contacts = {i.id: feedback.contact_of(engine, i.id) for i in pending + approved}
    datasets = {d.id: d for d in catalog.list_datasets(engine)}
    return render_template("participation/moderation.html", publisher=owner, pending=pending,
                           approved=approved, contacts=contacts, datasets=datasets, error=error,
                           transitions=feedback.TRANSITIONS, comment_transitions=feedback.COMMENT_TRANSITIONS,
                           status_labels=STATUS_LABELS, to_html=to_html), 422 if error else 200


@bp.get("/publishers/<publisher>/quality")
@requires("feedback.moderate")
def quality_fixes(publisher: str):  # type: ignore[no-untyped-def]
    engine = _engine()
    owner = get_publisher(engine, publisher)
    _moderator_of(owner.id)
    rows = [(d, quality_of(d)) for d in catalog.list_datasets(engine, publisher_id=owner.id)]
    rows.sort(key=lambda row: row[1].percent)
    return render_template("participation/staff_quality.html", publisher=owner, rows=rows,
                           average=quality.average([q for _d, q in rows]),
                           dimensions=quality.DIMENSIONS, ratings=quality.RATING_LABELS)


@bp.route("/rules", methods=["GET", "POST"])
@requires("rules.edit")
def rules_edit():  # type: ignore[no-untyped-def]
    actor = site_admin()
    engine = _engine()
    error = None
    current = rules.current(engine)
    values = {"body_bg": current.body.bg, "body_en": current.body.en, "note": ""}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("body_bg", "body_en", "note")}
        try:
            rules.save(engine, body_bg=values["body_bg"], body_en=values["body_en"],
                       note=values["note"], actor=actor)
            return redirect(url_for("participation_rules.rules_page"))
        except OtkritoError as failed:
            error = failed.text
    return render_template("participation/rules_form.html", values=values, error=error,
                           versions=rules.history(engine)), 422 if error else 200


def init_app(app: Flask) -> None:
    """Register the staff participation views."""
    app.register_blueprint(bp)
