"""The one outgoing HTTP client of the portal: POST {OTKRITO_EGOV_URL}/api/<action>.

httpx does the HTTP; this module decides where a request may go and what an answer means.
The API key travels in the JSON body (governmentbg/data-gov-bg routes/api.php:14 puts every
write action behind the `auth.api` middleware, app/Http/Middleware/CheckApiKey.php:20-37, which
reads `api_key` from the request). So:

- requests go only to the configured origin, and redirects are never followed (a redirect
  would carry the body, and with it the key, to wherever it points);
- no proxy, netrc or other setting is taken from the environment (trust_env=False);
- the key is cut out of every message that the remote sends back before anyone sees it.

Answers, as app/Http/Controllers/ApiController.php:71-128 shapes them: success is HTTP 200 with
{"success": true, ...}; a failure is {"success": false, "status": n, "errors": {field: [...]},
"error": {"type": ..., "message": ...}} with HTTP 403 for a bad key (CheckApiKey.php:36) and
HTTP 500 for validation errors and refused rights (errorResponse's default code, :71).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from metadata.errors import Forbidden, InvalidInput, OtkritoError


class EgovError(OtkritoError):
    """A call to the national portal failed; `status` is its HTTP status (None: no answer)."""

    def __init__(self, message_id: str, *, status: int | None = None, **params: Any) -> None:
        self.status = status
        super().__init__(message_id, status=status, **params)


class EgovUnreachable(EgovError):
    """No answer at all: nothing more can be done in this sync."""


class EgovDenied(EgovError, Forbidden):
    """The key was refused (403): every further call of this sync would be refused too."""


def origin_of(base_url: str) -> str:
    """Return scheme://host[:port] of OTKRITO_EGOV_URL, or raise InvalidInput for anything else."""
    parts = urlsplit(base_url.strip())
    try:
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError:
        raise InvalidInput("egov.bad-url", url=base_url[:200]) from None
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.username
            or parts.password or parts.query or parts.fragment or parts.path not in ("", "/")):
        raise InvalidInput("egov.bad-url", url=base_url[:200])
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class Answer:
    """A successful answer: its HTTP status and JSON body."""

    status: int
    body: dict[str, Any]

    @property
    def uri(self) -> str | None:
        # addDataset merges the uri into the answer (DataSetController.php:232, dataMerge=true);
        # addResourceMetadata puts it under data (ResourceController.php:241).
        data = self.body.get("data")
        found = self.body.get("uri") or (data.get("uri") if isinstance(data, dict) else None)
        return found if isinstance(found, str) else None


def _remote_message(body: Any, secret: str) -> str:
    """Return the remote's message and field errors as one line, without the key in it."""
    if not isinstance(body, dict):
        return ""
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    parts = [str(error.get("message") or error.get("type") or "")]
    errors = body.get("errors")
    if isinstance(errors, dict):
        for field, messages in errors.items():
            listed = messages if isinstance(messages, list) else [messages]
            parts.append(f"{field}: {' '.join(str(m) for m in listed)}")
    text = "; ".join(p for p in parts if p)[:1000]
    return text.replace(secret, "***") if secret else text


class EgovClient:
    """Calls the national portal's API at one origin, with one publisher's key."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 60.0) -> None:
        self.origin = origin_of(base_url)
        self._key = api_key
        self._http = httpx.Client(follow_redirects=False, trust_env=False, timeout=timeout)

    def __enter__(self) -> "EgovClient":
        return self

    def __exit__(self, *_exc: object) -> None:
        self._http.close()

    def url(self, action: str) -> str:
        return f"{self.origin}/api/{action}"

    def call(self, action: str, fields: dict[str, Any]) -> Answer:
        """POST the action with the key and `fields`; return the answer or raise EgovError."""
        url = self.url(action)  # built from the configured origin only, never from an answer
        try:
            response = self._http.post(url, json={"api_key": self._key, **fields})
        except httpx.HTTPError as error:  # refused, reset, timed out, TLS, bad address
            raise EgovUnreachable("egov.unreachable", url=self.origin,
                                  detail=type(error).__name__) from None
        if response.is_redirect:
            location = response.headers.get("location", "")[:200]
            raise EgovError("egov.redirect", status=response.status_code, url=self.origin,
                            action=action, location=location.replace(self._key, "***"))
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict) and body.get("success") is True:
            return Answer(response.status_code, body)
        if not isinstance(body, dict):
            raise EgovError("egov.bad-answer", status=response.status_code, action=action)
        message = _remote_message(body, self._key) or response.reason_phrase
        kind = EgovDenied if response.status_code in (401, 403) else EgovError
        raise kind("egov.denied" if kind is EgovDenied else "egov.refused",
                   status=response.status_code, action=action, message=message)
