"""Which route answered: Flask tells the middleware through a holder the middleware put in the
ASGI scope (a2wsgi hands Flask that scope as environ["asgi.scope"]).

The route template, never the raw path, is the metrics' label: a bounded set of values, and no
token from a signed link in it.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, request

HOLDER = "otkrito.route"  # the scope key
UNMATCHED = "unmatched"
SQL_ROUTE = "/sql/*"
# View arguments whose values are secrets (signed links): the log shows them redacted.
SECRET_ARGS = ("token", "key", "secret")


def new_holder() -> dict[str, Any]:
    return {"route": None, "secrets": ()}


def _remember_route() -> None:
    holder = request.environ.get("asgi.scope", {}).get(HOLDER)
    if holder is None or request.url_rule is None:
        return
    holder["route"] = request.url_rule.rule
    holder["secrets"] = tuple(str(value) for name, value in (request.view_args or {}).items()
                              if any(word in name for word in SECRET_ARGS))


def init_app(app: Flask) -> None:
    # First of the before_request hooks: a hook that answers early (a CSRF refusal) still
    # leaves the route known.
    app.before_request_funcs.setdefault(None, []).insert(0, _remember_route)
