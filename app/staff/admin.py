"""Workspace administration: API tokens, a publisher's staff, publishers, the audit log;
and the public changelog (the publishing part of the audit log)."""
from __future__ import annotations

import secrets

from flask import Blueprint, Flask, redirect, render_template, request, url_for

from app.staff.auth import actor, authorize, requires
from app.staff.workspace import bp
from app.state import current_portal
from metadata.errors import InvalidInput, NotFound
from publishers import tokens
from publishers.changelog import list_events
from publishers.registry import add_publisher, get_publisher
from publishers.users import PUBLISHER_ROLES, add_user, find_user, grant, members_of, revoke_membership

public = Blueprint("changelog", __name__)


@bp.route("/publishers/<publisher>/tokens", methods=["GET", "POST"])
@requires("token.manage")
def token_list(publisher: str):  # type: ignore[no-untyped-def]
    owner = get_publisher(current_portal().engine, publisher)
    you = authorize("token.manage", owner.id)
    created = None
    if request.method == "POST":
        _token, created = tokens.create_token(current_portal().engine, publisher_id=owner.id,
                                              user_id=you.user.id,
                                              name=request.form.get("name", "")[:200],
                                              actor=you.user.email)
    return render_template("staff/tokens.html", publisher=owner, created=created,
                           tokens=tokens.list_tokens(current_portal().engine, owner.id))


@bp.post("/publishers/<publisher>/tokens/<int:token_id>/revoke")
@requires("token.manage")
def token_revoke(publisher: str, token_id: int):  # type: ignore[no-untyped-def]
    owner = get_publisher(current_portal().engine, publisher)
    authorize("token.manage", owner.id)
    if tokens.get_token(current_portal().engine, token_id).publisher_id != owner.id:
        raise NotFound("token.not-found")
    tokens.revoke_token(current_portal().engine, token_id, actor=actor())
    return redirect(url_for("staff.token_list", publisher=owner.slug))


@bp.route("/publishers/<publisher>/members", methods=["GET", "POST"])
@requires("member.manage")
def members(publisher: str):  # type: ignore[no-untyped-def]
    engine = current_portal().engine
    owner = get_publisher(engine, publisher)
    authorize("member.manage", owner.id)
    password = None
    if request.method == "POST":
        email, role = request.form.get("email", ""), request.form.get("role", "")
        if role not in PUBLISHER_ROLES:
            raise InvalidInput("staff.unknown-role", role=role[:20], choices=", ".join(PUBLISHER_ROLES))
        if find_user(engine, email) is None:
            # A first password, shown once to the admin to hand over; the user changes it.
            password = secrets.token_urlsafe(12)
            add_user(engine, email, password=password, actor=actor())
        grant(engine, email, role, publisher=owner.slug, actor=actor())
    return render_template("staff/members.html", publisher=owner, password=password,
                           members=members_of(engine, owner.id), roles=PUBLISHER_ROLES)


@bp.post("/publishers/<publisher>/members/<int:user_id>/remove")
@requires("member.manage")
def member_remove(publisher: str, user_id: int):  # type: ignore[no-untyped-def]
    owner = get_publisher(current_portal().engine, publisher)
    authorize("member.manage", owner.id)
    revoke_membership(current_portal().engine, user_id, owner.id, actor=actor())
    return redirect(url_for("staff.members", publisher=owner.slug))


@bp.route("/publishers/new", methods=["GET", "POST"])
@requires("publisher.create")
def publisher_new():  # type: ignore[no-untyped-def]
    authorize("publisher.create")
    if request.method == "GET":
        return render_template("staff/publisher_form.html", values={}, error=None)
    form = request.form
    try:
        created = add_publisher(current_portal().engine, form.get("slug", "").strip(),
                                name_bg=form.get("name_bg", "").strip() or "-",
                                name_en=form.get("name_en"), homepage=form.get("homepage") or None,
                                email=form.get("email") or None, actor=actor())
    except InvalidInput as error:
        return render_template("staff/publisher_form.html", values=form, error=error.text), 422
    return redirect(url_for("staff.members", publisher=created.slug))


@bp.get("/audit")
@requires("audit.view")
def audit_log():  # type: ignore[no-untyped-def]
    authorize("audit.view")
    before = request.args.get("before", type=int)
    return render_template("staff/audit.html",
                           events=list_events(current_portal().engine, public_only=False, before=before))


@public.get("/changelog")
def changelog():  # type: ignore[no-untyped-def]
    before = request.args.get("before", type=int)
    return render_template("staff/changelog.html",
                           events=list_events(current_portal().engine, public_only=True, before=before))


def init_public(app: Flask) -> None:
    """Register the public changelog."""
    app.register_blueprint(public)
