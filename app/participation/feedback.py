"""Citizen feedback without an account: comments on datasets and requests for new data.

Every form carries a CSRF token, a honeypot field and a consent box; the domain checks sizes and
the per-address rate limit and keeps everything unpublished until a moderator approves it.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, redirect, request, url_for

from app.i18n import current_lang
from app.participation.feeds import Entry, render
from app.participation.responses import FMT, feed_lang, feed_response, page, site
from app.participation.text import to_html
from app.staff.auth import csrf
from app.state import current_portal
from datasets import catalog
from metadata.errors import InvalidInput
from metadata.messages import Text
from publishers import feedback
from publishers.registry import get_publisher_by_id, list_publishers

bp = Blueprint("participation_feedback", __name__)
STATUS_LABELS = {"new": Text("ново", "new"), "under_review": Text("разглежда се", "under review"),
                 "answered": Text("с отговор", "answered"), "fulfilled": Text("изпълнено", "fulfilled"),
                 "declined": Text("отказано", "declined")}
EVENT_LABELS = {"submitted": Text("подадено", "submitted"), "approved": Text("публикувано", "published"),
                **STATUS_LABELS}
PER_PAGE = 50


@bp.before_request
def check_csrf() -> None:
    if request.method == "POST":
        csrf.protect()


def _form() -> dict[str, Any]:
    return {"title": request.form.get("title", "")[:10_000], "body": request.form.get("body", "")[:50_000],
            "email": request.form.get("email", "")[:1000], "consent": request.form.get("consent") == "yes",
            "honeypot": request.form.get("website", "")}


def _submit(kind: str, *, publisher_id: int, dataset_id: int | None, values: dict[str, Any]) -> None:
    feedback.submit(current_portal().engine, kind=kind, publisher_id=publisher_id, dataset_id=dataset_id,
                    title=values["title"], body=values["body"], email=values["email"],
                    consent=values["consent"], honeypot=values["honeypot"],
                    address=request.remote_addr or "unknown", lang=current_lang())


@bp.get("/requests")
def request_list():  # type: ignore[no-untyped-def]
    status = request.args.get("status")
    status = status if status in feedback.STATUSES else None
    items = feedback.list_items(current_portal().engine, kind="request", status=status, limit=PER_PAGE)
    return page("participation/requests.html", items=items, status=status,
                status_labels=STATUS_LABELS, sent=request.args.get("sent") == "1",
                publishers={p.id: p for p in list_publishers(current_portal().engine)})


def _request_form(values: dict[str, Any], error: Text | None = None, status: int = 200) -> Response:
    response = page("participation/request_form.html", values=values, error=error,
                    publishers=list_publishers(current_portal().engine), limits=feedback.LIMITS)
    response.status_code = status
    return response


@bp.route("/requests/new", methods=["GET", "POST"])
def request_new():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return _request_form({"consent": False})
    values = _form()
    publishers = {str(p.id): p for p in list_publishers(current_portal().engine)}
    values["publisher"] = request.form.get("publisher", "")
    if values["publisher"] not in publishers:
        return _request_form(values, Text("Изберете община или институция.",
                                          "Choose a municipality or institution."), 422)
    try:
        _submit("request", publisher_id=publishers[values["publisher"]].id, dataset_id=None,
                values=values)
    except feedback.RateLimited as error:
        return _request_form(values, error.text, 429)
    except InvalidInput as error:
        return _request_form(values, error.text, 422)
    return redirect(url_for("participation_feedback.request_list", sent=1))


@bp.get("/requests/<int:item_id>")
def request_page(item_id: int):  # type: ignore[no-untyped-def]
    engine = current_portal().engine
    item = feedback.get_item(engine, item_id)
    if item.kind != "request":
        abort(404)
    fulfilled = None
    if item.fulfilled_dataset_id is not None:
        fulfilled = next((d for d in catalog.list_datasets(engine)
                          if d.id == item.fulfilled_dataset_id), None)
    return page("participation/request.html", item=item, history=feedback.history(engine, item_id),
                publisher=get_publisher_by_id(engine, item.publisher_id), fulfilled=fulfilled,
                status_labels=STATUS_LABELS, event_labels=EVENT_LABELS, to_html=to_html)


def _comments_page(slug: str, values: dict[str, Any], error: Text | None = None,
                   status: int = 200) -> Response:
    engine = current_portal().engine
    dataset = catalog.get_dataset(engine, slug)
    items = feedback.list_items(engine, kind="comment", dataset_id=dataset.id, limit=200)
    response = page("participation/comments.html", dataset=dataset, items=items, values=values,
                    error=error, sent=request.args.get("sent") == "1", to_html=to_html,
                    limits=feedback.LIMITS)
    response.status_code = status
    return response


@bp.route("/datasets/<slug>/feedback", methods=["GET", "POST"])
def comments(slug: str):  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return _comments_page(slug, {"consent": False})
    dataset = catalog.get_dataset(current_portal().engine, slug)
    values = _form()
    try:
        _submit("comment", publisher_id=dataset.publisher_id, dataset_id=dataset.id, values=values)
    except feedback.RateLimited as error:
        return _comments_page(slug, values, error.text, 429)
    except InvalidInput as error:
        return _comments_page(slug, values, error.text, 422)
    return redirect(url_for("participation_feedback.comments", slug=slug, sent=1))


@bp.get(f"/requests/feed.{FMT}")
def requests_feed(fmt: str) -> Response:
    lang, here = feed_lang(), site()
    entries = []
    for item in feedback.list_items(current_portal().engine, kind="request", limit=PER_PAGE):
        label = STATUS_LABELS[item.status].get(lang)
        summary = item.body
        if item.answer:
            summary += "\n\n" + Text("Отговор: ", "Answer: ").get(lang) + item.answer
        if item.reason:
            summary += "\n\n" + Text("Причина за отказа: ", "Reason for declining: ").get(lang) + item.reason
        # A new entry per status, so readers see each step; each id never changes.
        entries.append(Entry(("request", item.id, item.status), f"{item.title} — {label}", summary,
                             here.url(f"requests/{item.id}"), item.updated_at))
    entries.sort(key=lambda e: e.updated, reverse=True)
    title = Text("Искания за данни", "Data requests").get(lang)
    body = render(here, key="requests", title=title, self_url=here.url(request.full_path.rstrip("?")),
                  html_url=here.url("requests"), entries=entries, lang=lang, fmt=fmt)
    return feed_response(body, fmt)


def init_app(app: Flask) -> None:
    """Register the citizen pages."""
    app.register_blueprint(bp)
    app.jinja_env.globals.update(request_status_labels=STATUS_LABELS)
