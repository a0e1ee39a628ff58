"""A small stand-in for data.egov.bg's API: a real HTTP server on 127.0.0.1 that the tests start.

It answers the four actions `otkrito egov sync` sends, and refuses what the real application
refuses, the way it refuses it. Every rule cites governmentbg/data-gov-bg (commit 10e92521):

- routes/api.php:14, :58-59, :107, :109: the actions, all behind the `auth.api` middleware;
- app/Http/Middleware/CheckApiKey.php:20-37: an unknown key answers 403, "Access denied";
- app/Http/Controllers/ApiController.php:43-46 (unknown action: 404), :71-96 (errorResponse:
  HTTP 500 by default, {"success": false, "status", "errors", "error": {"type", "message"}}),
  :103-128 (successResponse);
- app/Http/Controllers/Api/DataSetController.php and ResourceController.php: the validation
  rules and rights checks, cited at each rule below.

Laravel's `int` rule accepts an integer or a string of digits (PHP's FILTER_VALIDATE_INT);
that is what is accepted here, so "API" or "3.0" fail as they fail there.
"""
from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

# Lang strings of resources/lang/en/custom.php:310-395.
GENERAL = "General"
ACCESS_DENIED = "Access denied"
FAIL = {"addDataset": "Add dataset failure", "editDataset": "Edit dataset failure",
        "addResourceMetadata": "Add resource metadata failure",
        "editResourceMetadata": "Edit resource metadata failure"}
CATEGORIES = set(range(1, 15))  # the base categories 1-13 and Uncategorized, 14
TERMS = set(range(1, 9))  # the eight terms of use
RESOURCE_TYPES = {1, 2, 3, 4}  # app/Resource.php:21-24
API = 3
FREQ_TYPES = {1, 2, 3, 4}  # app/DataQuery.php:12-15
VISIBILITY = {1, 2}  # app/DataSet.php:24-25
STATUSES = {1, 2}  # app/DataSet.php:21-22
DRAFT = 1


@dataclass
class User:
    """A data.egov.bg account: its organisations (UserToOrgRole) and whether it is an admin."""

    id: int
    orgs: frozenset[int] = frozenset()
    admin: bool = False


@dataclass
class State:
    """What the fake holds: accounts, datasets, resources, and every request it was sent."""

    users: dict[str, User] = field(default_factory=dict)
    organisations: set[int] = field(default_factory=lambda: {7, 8})
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # Names (data.name.bg or name) whose addDataset fails inside the transaction, as a database
    # error would: DataSetController.php:236-238 answers 500 "Add dataset failure".
    failing_names: set[str] = field(default_factory=set)
    redirect_to: str | None = None  # answer every call with 307 to this URL


def _int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value) is not None


def _digits(value: Any, low: int, high: int) -> bool:  # digits_between:low,high
    return _int(value) and low <= len(str(abs(int(value)))) <= high


def _url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _text_len(value: Any) -> int:
    return len(value) if isinstance(value, (str, list, dict)) else len(str(value))


class Rules:
    """Collects Laravel-style messages: {field: ["The field ... ."]}."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data, self.errors = data, {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message.replace(":attribute", name.replace("_", " ")))

    def present(self, name: str) -> bool:
        return self.data.get(name) not in (None, "", [], {})

    def required(self, name: str) -> bool:
        if not self.present(name):
            self.fail(name, "The :attribute field is required.")
            return False
        return True

    def integer_in(self, name: str, allowed: set[int], *, required: bool = False) -> None:
        if not self.present(name):
            if required:
                self.required(name)
            return
        if not _int(self.data[name]):
            self.fail(name, "The :attribute field must be an integer.")
        elif int(self.data[name]) not in allowed:
            self.fail(name, "The selected :attribute is invalid.")

    def max(self, name: str, limit: int) -> None:
        if self.present(name) and _text_len(self.data[name]) > limit:
            self.fail(name, f"The :attribute may not be greater than {limit} characters.")

    def names(self) -> None:
        """'locale' nullable|string|max:5; 'name' required_with:locale|max:8000; 'name.bg'
        required_without:locale|string|max:8000 (DataSetController.php:80-82, ResourceController.php:74-76)."""
        self.max("locale", 5)
        if self.present("locale"):
            if self.required("name"):
                self.max("name", 8000)
        else:
            name = self.data.get("name")
            bg = name.get("bg") if isinstance(name, dict) else None
            if not isinstance(bg, str) or not bg:
                self.fail("name.bg", "The name.bg field is required when locale is not present.")
            elif len(bg) > 8000:
                self.fail("name.bg", "The name.bg may not be greater than 8000 characters.")
        self.max("description", 8000)


def _bg(value: Any) -> str:
    return value.get("bg", "") if isinstance(value, dict) else str(value or "")


class Portal:
    """The fake's rules, one method per action."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.lock = threading.Lock()

    @staticmethod
    def error(message: str | None, errors: Any = None, code: int = 500,
              kind: str = GENERAL) -> tuple[int, dict[str, Any]]:
        return code, {"success": False, "status": code, "errors": errors or [],
                      "error": {"type": kind, "message": message}}

    def handle(self, action: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.state.requests.append((action, json.loads(json.dumps(body))))
            method = getattr(self, f"do_{action}", None) if action in FAIL else None
            if method is None:  # ApiController.php:43-46 (only after the key check for known routes)
                return self.error(None, [], 404, "Unknown method")
            user = self.state.users.get(body.get("api_key")) if isinstance(body.get("api_key"), str) else None
            if user is None:  # CheckApiKey.php:22-36
                return self.error(ACCESS_DENIED, [], 403)
            return method(user, {k: v for k, v in body.items() if k != "api_key"})

    def _org_rule(self, rules: Rules, user: User) -> None:
        # DataSetController.php:78 and :290: org_id is required for a member of any organisation;
        # :86 and :297: 'int|digits_between:1,10|exists:organisations,id'.
        if not rules.present("org_id"):
            if user.orgs:
                rules.required("org_id")
            return
        org = rules.data["org_id"]
        if not _digits(org, 1, 10):
            rules.fail("org_id", "The :attribute field must be an integer.")
        elif int(org) not in self.state.organisations:
            rules.fail("org_id", "The selected :attribute is invalid.")

    def _dataset_rules(self, data: dict[str, Any], user: User, *, edit: bool) -> Rules:
        rules = Rules(data)
        rules.names()
        tags = data.get("tags") or []
        # checkAndCreateTags (DataSetController.php:1488-1513) stores each entry as a tag name;
        # 'tags.*.name' max:191 (:84) and the tags table bound its length.
        if not isinstance(tags, list) or any(not isinstance(t, str) or len(t) > 191 for t in tags):
            rules.fail("tags", "The tags may not be greater than 191 characters.")
        rules.integer_in("category_id", CATEGORIES, required=True)  # :85, :296
        self._org_rule(rules, user)
        rules.integer_in("terms_of_use_id", TERMS)  # :87, :299
        rules.integer_in("visibility", VISIBILITY)  # :88, :300
        rules.max("source", 255 if edit else 191)  # :90, :302
        if edit:
            rules.integer_in("status", STATUSES)  # :309
        return rules

    def _may_write(self, user: User, org_id: Any, owner: dict[str, Any] | None = None) -> bool:
        # RoleRight::checkUserRight with the organisation (DataSetController.php:107-128,
        # :344-366; ResourceController.php:111-131, :497-522): a member of it, or the creator.
        if user.admin:
            return True
        if org_id not in (None, ""):  # an unknown organisation has no member (:108)
            return _int(org_id) and int(org_id) in user.orgs
        return owner is None or owner["created_by"] == user.id

    def do_addDataset(self, user: User, post: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        data = post.get("data")
        if not isinstance(data, dict):  # :70-73 'data' => 'required|array'
            return self.error(FAIL["addDataset"], {"data": ["The data field is required."]})
        org_id = data.get("org_id", post.get("org_id"))  # :66-68
        rules = self._dataset_rules(data, user, edit=False)
        if not self._may_write(user, org_id):  # the rights check comes before the errors (:107-128)
            return self.error(ACCESS_DENIED)
        if rules.errors:
            return self.error(FAIL["addDataset"], rules.errors)  # :242
        if _bg(data["name"]) in self.state.failing_names:
            return self.error(FAIL["addDataset"])  # :236-238
        uri = str(uuid.uuid4())  # :135
        self.state.datasets[uri] = {
            "name": data["name"], "description": data.get("description"), "tags": list(data.get("tags") or []),
            "category_id": int(data["category_id"]), "terms_of_use_id": data.get("terms_of_use_id"),
            "org_id": int(org_id) if org_id else None, "visibility": int(data.get("visibility") or 2),  # :140
            "status": DRAFT, "source": data.get("source"), "created_by": user.id, "version": "1",  # :142-143
        }
        return 200, {"success": True, "uri": uri}  # :232, merged into the answer

    def do_editDataset(self, user: User, post: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        data = post.get("data")
        dataset = self.state.datasets.get(post.get("dataset_uri"))  # :283 exists:data_sets,uri
        if dataset is None or not isinstance(data, dict):
            errors = {}
            if dataset is None:
                errors["dataset_uri"] = ["The selected dataset uri is invalid."]
            if not isinstance(data, dict):
                errors["data"] = ["The data field is required."]
            return self.error(FAIL["editDataset"], errors)
        rules = self._dataset_rules(data, user, edit=True)
        if rules.errors:
            return self.error(FAIL["editDataset"], rules.errors)  # :522
        if not self._may_write(user, data.get("org_id"), dataset):  # :344-366
            return self.error(ACCESS_DENIED)
        for name in ("name", "description", "category_id", "terms_of_use_id", "visibility", "source", "status"):
            if data.get(name) not in (None, "", [], {}):  # :398-473: only what is given and not empty
                dataset[name] = data[name]
        if data.get("tags"):
            dataset["tags"] = list(data["tags"])  # :497-500, synced
        if data.get("org_id"):
            dataset["org_id"] = int(data["org_id"])
        major, _, minor = dataset["version"].partition(".")  # :421-428
        dataset["version"] = f"{major}.{int(minor or 0) + 1}"
        if not user.admin:
            dataset["status"] = DRAFT  # :485-487 (an untrusted dataset)
        return 200, {"success": True}

    def _resource_rules(self, data: dict[str, Any], *, edit: bool) -> Rules:
        rules = Rules(data)
        if not edit or "name" in data:
            rules.names()
        if "http_rq_type" in data and isinstance(data["http_rq_type"], str):
            data["http_rq_type"] = data["http_rq_type"].upper()  # :60-62, :442-444
        rules.integer_in("type", RESOURCE_TYPES, required=not edit)  # :80, :460
        resource_type = int(data["type"]) if _int(data.get("type")) else None
        if resource_type in (2, API) and not rules.present("resource_url"):  # :81 required_if:type,2,3
            rules.required("resource_url")
        if rules.present("resource_url"):
            if not _url(data["resource_url"]):
                rules.fail("resource_url", "The :attribute format is invalid.")
            rules.max("resource_url", 191)
        if resource_type == API and not rules.present("http_rq_type"):  # :82 required_if:type,3
            rules.required("http_rq_type")
        if rules.present("http_rq_type") and data["http_rq_type"] not in ("POST", "GET"):
            rules.fail("http_rq_type", "The selected :attribute is invalid.")
        if edit and resource_type == API:  # :463-464 required_if:data.type,3
            for name in ("authentication", "http_headers"):
                if not rules.present(name):
                    rules.required(name)
        if resource_type == API and data.get("http_rq_type") == "POST" and not rules.present("post_data"):
            rules.required("post_data")  # :94-105
        rules.integer_in("upl_freq_type", FREQ_TYPES)  # :89, :468
        if rules.present("upl_freq"):  # :90, :469 'nullable|int|max:127'
            if not _int(data["upl_freq"]):
                rules.fail("upl_freq", "The :attribute field must be an integer.")
            elif int(data["upl_freq"]) > 127:
                rules.fail("upl_freq", "The :attribute may not be greater than 127.")
        return rules

    def do_addResourceMetadata(self, user: User, post: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        data = post.get("data")
        dataset = self.state.datasets.get(post.get("dataset_uri"))  # :65
        if dataset is None or not isinstance(data, dict):
            return self.error(FAIL["addResourceMetadata"], {"dataset_uri": ["The selected dataset uri is invalid."]})
        rules = self._resource_rules(data, edit=False)
        if rules.errors:
            return self.error(FAIL["addResourceMetadata"], rules.errors)  # :249-253
        if not self._may_write(user, dataset["org_id"], dataset):  # :111-131
            return self.error(ACCESS_DENIED)
        if "locale" not in data:  # :137 reads $post['data']['locale']: the catch at :245-248
            return self.error(FAIL["addResourceMetadata"])
        uri = str(uuid.uuid4())  # :141
        self.state.resources[uri] = {
            "dataset_uri": post["dataset_uri"], "name": data["name"], "description": data.get("description"),
            "type": int(data["type"]), "resource_url": data.get("resource_url"),
            "http_rq_type": data.get("http_rq_type"), "upl_freq_type": data.get("upl_freq_type"),
            "upl_freq": data.get("upl_freq"), "file_format": data.get("file_format"), "created_by": user.id,
        }
        if not user.admin:
            dataset["status"] = DRAFT  # :177-180
        return 200, {"success": True, "data": {"uri": uri}}  # :241

    def do_editResourceMetadata(self, user: User, post: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        data = post.get("data")
        resource = self.state.resources.get(post.get("resource_uri"))  # :447
        if resource is None or not isinstance(data, dict):
            return self.error(FAIL["editResourceMetadata"], {"resource_uri": ["The selected resource uri is invalid."]})
        rules = self._resource_rules(data, edit=True)
        if rules.errors:
            return self.error(FAIL["editResourceMetadata"], rules.errors)  # :643
        dataset = self.state.datasets[resource["dataset_uri"]]
        if not self._may_write(user, dataset["org_id"], resource):  # :497-522
            return self.error(ACCESS_DENIED)
        if ("name" in data or "description" in data) and "locale" not in data:
            return self.error(FAIL["addResourceMetadata"])  # :585, :589 read locale; :638-639
        for name in ("type", "resource_url", "http_rq_type", "file_format", "name", "description"):
            if name in data:  # :526-590
                resource[name] = data[name]
        resource["upl_freq"] = data.get("upl_freq")  # :579-582: cleared when not given
        resource["upl_freq_type"] = data.get("upl_freq_type")
        return 200, {"success": True}


class _Handler(BaseHTTPRequestHandler):
    portal: Portal

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        state = self.portal.state
        if state.redirect_to is not None:
            self.send_response(307)
            self.send_header("Location", state.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path = urlsplit(self.path).path
        action = path[len("/api/"):] if path.startswith("/api/") else ""
        status, answer = self.portal.handle(action, body if isinstance(body, dict) else {})
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        pass  # quiet tests


class FakePortal:
    """The fake running on a free 127.0.0.1 port, in a thread of the test process."""

    def __init__(self) -> None:
        self.state = State()
        handler = type("Handler", (_Handler,), {"portal": Portal(self.state)})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add_user(self, key: str, *, orgs: tuple[int, ...] = (), admin: bool = False) -> User:
        user = User(len(self.state.users) + 1, frozenset(orgs), admin)
        self.state.users[key] = user
        return user

    def actions(self) -> list[str]:
        return [action for action, _ in self.state.requests]

    def __enter__(self) -> "FakePortal":
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()
