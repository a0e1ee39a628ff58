"""A read-only, CKAN-compatible Action API at /api/3/action/<action> (and /api/action/)."""
from __future__ import annotations

import json
from typing import Any, Callable

from flask import Blueprint, Response, current_app, jsonify, request

from app.interop.responses import engine, site
from datasets.feed_queries import catalog_entries
from datasets.search import catalog_stamp
from metadata.ckan import (
    CKAN_VERSION,
    Package,
    SearchQueryError,
    SearchRequest,
    group_dict,
    organization_dict,
    package_dict,
    search,
    search_text,
    tag_dict,
)
from metadata.dcat import SITE_NAME
from metadata.vocab import THEMES
from publishers.registry import list_publishers

bp = Blueprint("interop_ckan", __name__)
Params = dict[str, Any]
MAX_ROWS = 1000


class ActionError(Exception):
    """A CKAN error: its __type, message and HTTP status."""

    def __init__(self, kind: str, message: str, status: int) -> None:
        super().__init__(message)
        self.kind, self.message, self.status = kind, message, status


def _not_found(what: str) -> ActionError:
    return ActionError("Not Found Error", f"Not found: {what}", 404)


def _int(params: Params, name: str, default: int, *, low: int = 0, high: int = 10**9) -> int:
    value = params.get(name, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ActionError("Validation Error", f"{name}: Invalid integer", 409) from None
    if not low <= number <= high:
        raise ActionError("Validation Error", f"{name}: Must be between {low} and {high}", 409)
    return number


def _bool(params: Params, name: str, default: bool = False) -> bool:
    value = params.get(name, default)
    return value if isinstance(value, bool) else str(value).lower() in ("true", "1", "yes", "on")


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            return [str(v) for v in json.loads(value)]
        except ValueError:
            raise ActionError("Validation Error", "Invalid JSON list", 409) from None
    return [value] if isinstance(value, str) and value else []


def _packages() -> list[Package]:
    """Every package dict, built once per version of the catalog (10,000 take seconds).

    The catalog stamp is what the public pages' ETags rest on: it changes whenever anything
    published changes. Callers only read the dicts.
    """
    return _kept()[1]


def _kept() -> tuple[Any, list[Package], list[str]]:
    key = (site().base_url, catalog_stamp(engine()))
    kept = current_app.extensions.get("otkrito.ckan_packages")
    if kept is None or kept[0] != key:
        packages = [package_dict(site(), *entry.as_tuple()) for entry in catalog_entries(engine())]
        kept = (key, packages, [search_text(p) for p in packages])
        current_app.extensions["otkrito.ckan_packages"] = kept  # one assignment: thread-safe
    return kept  # type: ignore[no-any-return]


def _find_package(params: Params) -> Package:
    wanted = str(params.get("id") or params.get("name") or "")
    found = next((p for p in _packages() if wanted in (p["id"], p["name"])), None)
    if found is None:
        raise _not_found("dataset")
    return found


def status_show(params: Params) -> Any:
    return {"ckan_version": CKAN_VERSION, "site_url": site().base_url,
            "site_title": SITE_NAME.bg, "site_description": SITE_NAME.en,
            "locale_default": "bg", "error_emails_to": None, "extensions": ["otkrito"]}


def site_read(params: Params) -> Any:
    return True


def package_list(params: Params) -> Any:
    names = sorted(p["name"] for p in _packages())
    offset = _int(params, "offset", 0)
    limit = _int(params, "limit", len(names), high=10**6)
    return names[offset:offset + limit]


def package_search(params: Params) -> Any:
    query = SearchRequest(
        q=str(params.get("q") or ""), fq=str(params.get("fq") or ""),
        rows=_int(params, "rows", 10, high=MAX_ROWS), start=_int(params, "start", 0),
        sort=str(params.get("sort") or "score desc, metadata_modified desc"),
        facet_fields=tuple(_list(params.get("facet.field"))),
        facet_limit=_int(params, "facet.limit", 50, low=-1))
    if query.facet_limit < 0:
        query = SearchRequest(**{**query.__dict__, "facet_limit": 10**6})
    try:
        _, packages, texts = _kept()
        return search(packages, query, texts)
    except SearchQueryError as error:
        raise ActionError("Search Query Error", f"Search Query Error: {error}", 400) from None


def package_show(params: Params) -> Any:
    return _find_package(params)


def resource_show(params: Params) -> Any:
    wanted = str(params.get("id") or "")
    for package in _packages():
        for resource in package["resources"]:
            if resource["id"] == wanted:
                return resource
    raise _not_found("resource")


def _organizations(packages: list[Package]) -> list[dict[str, Any]]:
    return [organization_dict(site(), publisher, package_count=sum(
        1 for p in packages if p["organization"]["name"] == publisher.slug))
        for publisher in list_publishers(engine())]


def _groups(packages: list[Package]) -> list[dict[str, Any]]:
    return [group_dict(site(), code, package_count=sum(
        1 for p in packages if code.lower() in {g["name"] for g in p["groups"]}))
        for code in THEMES]


def _listing(items: list[dict[str, Any]], params: Params, key: str) -> Any:
    wanted = _list(params.get(key))
    if wanted:
        items = [i for i in items if i["name"] in wanted]
    field, _, direction = str(params.get("sort") or "name asc").partition(" ")
    if field not in ("name", "title", "package_count"):
        raise ActionError("Validation Error", f"sort: Cannot sort by {field}", 409)
    items = sorted(items, key=lambda i: i[field], reverse=direction.strip() == "desc")
    offset = _int(params, "offset", 0)
    items = items[offset:offset + _int(params, "limit", 1000, high=1000)]
    return items if _bool(params, "all_fields") else [i["name"] for i in items]


def _show(items: list[dict[str, Any]], params: Params, kind: str,
          members: Callable[[dict[str, Any]], list[Package]]) -> Any:
    wanted = str(params.get("id") or "")
    found = next((dict(i) for i in items if wanted in (i["id"], i["name"])), None)
    if found is None:
        raise _not_found(kind)
    if _bool(params, "include_datasets"):
        found["packages"] = members(found)
    return found


def organization_list(params: Params) -> Any:
    return _listing(_organizations(_packages()), params, "organizations")


def organization_show(params: Params) -> Any:
    packages = _packages()
    return _show(_organizations(packages), params, "organization",
                 lambda org: [p for p in packages if p["organization"]["name"] == org["name"]])


def group_list(params: Params) -> Any:
    return _listing(_groups(_packages()), params, "groups")


def group_show(params: Params) -> Any:
    packages = _packages()
    return _show(_groups(packages), params, "group",
                 lambda group: [p for p in packages
                                if group["name"] in {g["name"] for g in p["groups"]}])


def tag_list(params: Params) -> Any:
    names = sorted({t["name"] for p in _packages() for t in p["tags"]}, key=str.casefold)
    query = str(params.get("query") or "").casefold()
    names = [n for n in names if query in n.casefold()]
    if _bool(params, "all_fields"):
        return [tag_dict(site(), n) for n in names]
    return names


ACTIONS: dict[str, Callable[[Params], Any]] = {f.__name__: f for f in (
    status_show, site_read, package_list, package_search, package_show, resource_show,
    organization_list, organization_show, group_list, group_show, tag_list)}


def _params() -> Params:
    params: Params = request.args.to_dict()
    if request.method == "POST" and request.get_data():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ActionError("Validation Error", "The request body is not a JSON object", 409)
        params.update(body)
    return params


def _envelope(action: str, body: dict[str, Any], status: int = 200) -> Response:
    help_url = site().url(f"api/3/action/help_show?name={action}")
    response = jsonify({"help": help_url, **body})
    response.status_code = status
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/api/3/action/<action>", methods=["GET", "POST"])
@bp.route("/api/action/<action>", methods=["GET", "POST"])
def action_view(action: str) -> Response:
    function = ACTIONS.get(action)
    if function is None:
        return _envelope(action, {"success": False, "error": {
            "__type": "Bad request", "message": f"Bad request - Action name not known: {action}"}},
            400)
    try:
        return _envelope(action, {"success": True, "result": function(_params())})
    except ActionError as error:
        return _envelope(action, {"success": False, "error": {
            "__type": error.kind, "message": error.message}}, error.status)
