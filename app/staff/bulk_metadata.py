"""Many datasets' metadata at once: download a CSV, upload it edited, preview old → new, apply."""
from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for

from app.staff.auth import actor, authorize, requires, signed_in
from app.staff.workspace import bp
from app.state import current_portal
from datasets import bulk_metadata
from metadata.errors import Conflict, InvalidInput
from publishers.registry import get_publisher, list_publishers
from publishers.roles import Access


def _may_edit(you: Access):  # type: ignore[no-untyped-def]
    return lambda publisher_id: you.can("dataset.edit", publisher_id)


def _publishers(you: Access) -> list:  # type: ignore[type-arg]
    return [p for p in list_publishers(current_portal().engine) if you.can("dataset.edit", p.id)]


@bp.route("/bulk/metadata", methods=["GET", "POST"])
@requires("dataset.edit")
def bulk_metadata_form():  # type: ignore[no-untyped-def]
    you = signed_in()  # every row is then checked against its dataset's publisher
    if request.method == "GET":
        return render_template("staff/bulk_metadata.html", publishers=_publishers(you), problems=[])
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        raise InvalidInput("upload.missing-file")
    p = current_portal()
    changes, problems = bulk_metadata.plan_upload(p.engine, sent.stream, scratch=p.instance.tmp,
                                                  may_edit=_may_edit(you))
    if problems:
        return render_template("staff/bulk_metadata.html", publishers=_publishers(you),
                               problems=problems), 422
    edit_id = bulk_metadata.save_preview(p.engine, changes, user_id=you.user.id, actor=actor())
    return redirect(url_for("staff.bulk_metadata_preview", edit_id=edit_id))


@bp.get("/bulk/metadata.csv")
@requires("dataset.edit")
def bulk_metadata_csv():  # type: ignore[no-untyped-def]
    slug = request.args.get("publisher")
    if slug:
        owner = get_publisher(current_portal().engine, slug)
        authorize("dataset.edit", owner.id)
        ids, name = [owner.id], f"metadata-{owner.slug}.csv"
    else:
        ids, name = [p.id for p in _publishers(signed_in())], "metadata.csv"
    body = bulk_metadata.export_csv(current_portal().engine, publisher_ids=ids)
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/bulk/metadata/<edit_id>")
@requires("dataset.edit")
def bulk_metadata_preview(edit_id: str):  # type: ignore[no-untyped-def]
    you = signed_in()  # a preview is only ever its author's
    state, changes = bulk_metadata.get_preview(current_portal().engine, edit_id, user_id=you.user.id)
    return render_template("staff/bulk_preview.html", edit_id=edit_id, state=state, changes=changes,
                           refused=None)


@bp.post("/bulk/metadata/<edit_id>/apply")
@requires("dataset.edit")
def bulk_metadata_apply(edit_id: str):  # type: ignore[no-untyped-def]
    you = signed_in()
    engine = current_portal().engine
    try:
        bulk_metadata.apply_preview(engine, edit_id, user_id=you.user.id, may_edit=_may_edit(you),
                                    actor=actor())
    except Conflict as refused:
        state, changes = bulk_metadata.get_preview(engine, edit_id, user_id=you.user.id)
        return render_template("staff/bulk_preview.html", edit_id=edit_id, state=state,
                               changes=changes, refused=refused.text), 409
    return redirect(url_for("staff.bulk_metadata_preview", edit_id=edit_id))
