"""The staff workspace's home and the dataset metadata forms (new and edit)."""
from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from marshmallow import ValidationError

from app.staff.auth import authorize, current_access, requires, signed_in
from app.staff.workspace import bp, dataset_for
from app.state import current_portal
from datasets import catalog
from datasets.edit import update_dataset
from metadata.profiles import PROFILES
from metadata.records import Dataset
from metadata.schemas import bilingual_errors, load_dataset
from metadata.vocab import FREQUENCIES, LICENCES, THEMES
from publishers.registry import get_publisher, get_publisher_by_id, list_publishers


@bp.get("/")
@requires("workspace.view")
def home():  # type: ignore[no-untyped-def]
    you = signed_in()  # the page lists only the publishers the user works for
    engine = current_portal().engine
    allowed = you.publisher_ids()
    publishers = [p for p in list_publishers(engine) if allowed is None or p.id in allowed]
    rows = [(p, you.roles.get(p.id, "site-admin"),
             [(d, catalog.list_releases(engine, d.id))
              for d in catalog.list_datasets(engine, publisher_id=p.id)])
            for p in publishers]
    return render_template("staff/home.html", rows=rows, you=you)


def form_values(form: Any) -> dict[str, Any]:
    """Read the dataset form into the shape the schema loads."""
    values = {k: form.get(k, "") for k in (
        "slug", "title_bg", "title_en", "description_bg", "description_en", "licence",
        "frequency", "spatial", "temporal_start", "temporal_end", "contact_name",
        "contact_email", "profile")}
    values["themes"] = form.getlist("themes")
    values["keywords"] = [k.strip() for k in form.get("keywords", "").split(",") if k.strip()]
    return values


def _render_form(template: str, *, values: dict[str, Any], errors: dict[str, Any],
                 status: int = 200, **extra: Any):  # type: ignore[no-untyped-def]
    return render_template(template, values=values, errors=errors, themes=THEMES,
                           licences=LICENCES, frequencies=FREQUENCIES, profiles=PROFILES,
                           **extra), status


@bp.route("/publishers/<publisher>/datasets/new", methods=["GET", "POST"])
@requires("dataset.create")
def dataset_new(publisher: str):  # type: ignore[no-untyped-def]
    owner = get_publisher(current_portal().engine, publisher)
    you = authorize("dataset.create", owner.id)
    if request.method == "GET":
        return _render_form("staff/dataset_form.html", values={"licence": "CC-BY-4.0",
                            "frequency": "UNKNOWN"}, errors={}, publisher=owner, dataset=None)
    values = form_values(request.form)
    try:
        loaded = load_dataset({k: v for k, v in values.items() if k != "profile" or v})
    except ValidationError as error:
        return _render_form("staff/dataset_form.html", values=values, status=422,
                            errors=bilingual_errors(error.messages), publisher=owner, dataset=None)
    slug = loaded.pop("slug")
    catalog.create_dataset(current_portal().engine, slug, publisher=owner.slug, actor=you.user.email,
                           **loaded)
    return redirect(url_for("staff.upload", slug=slug))


@bp.route("/datasets/<slug>/edit", methods=["GET", "POST"])
@requires("dataset.edit")
def dataset_edit(slug: str):  # type: ignore[no-untyped-def]
    dataset = dataset_for(slug, "dataset.edit")
    owner = get_publisher_by_id(current_portal().engine, dataset.publisher_id)
    if request.method == "GET":
        return _render_form("staff/dataset_form.html", values=_values_of(dataset), errors={},
                            publisher=owner, dataset=dataset)
    values = form_values(request.form)
    try:
        loaded = load_dataset({k: v for k, v in values.items() if k not in ("slug", "profile")},
                              creating=False)
    except ValidationError as error:
        return _render_form("staff/dataset_form.html", values=values, status=422,
                            errors=bilingual_errors(error.messages), publisher=owner,
                            dataset=dataset)
    update_dataset(current_portal().engine, slug, actor=current_access().user.email, **loaded)
    return redirect(url_for("staff.home", saved=slug))


def _values_of(dataset: Dataset) -> dict[str, Any]:
    return {
        "slug": dataset.slug, "title_bg": dataset.title.bg,
        "title_en": "" if dataset.title.en == dataset.title.bg else dataset.title.en,
        "description_bg": dataset.description.bg,
        "description_en": "" if dataset.description.en == dataset.description.bg
        else dataset.description.en,
        "licence": dataset.licence, "frequency": dataset.frequency, "themes": list(dataset.themes),
        "keywords": ", ".join(dataset.keywords), "spatial": dataset.spatial or "",
        "temporal_start": dataset.temporal_start or "", "temporal_end": dataset.temporal_end or "",
        "contact_name": dataset.contact_name or "", "contact_email": dataset.contact_email or "",
    }
