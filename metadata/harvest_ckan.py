"""Read a CKAN Action API's package_search answers into neutral records.

Pure functions over the decoded answers; `datasets/harvest.py` fetches the pages (through the
SSRF-safe `datasets/fetch.py`, which is why ckanapi, whose HTTP client we cannot route there,
is used only in the tests, as the reference client).
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from metadata.dcat import clean_text
from metadata.errors import InvalidInput
from metadata.harvest_records import RemoteDataset, RemoteResource

PAGE_ROWS = 100
_ACTION_PATHS = ("/api/3/action", "/api/action", "/api/3", "/api")


def api_base(url: str) -> str:
    """Return the site URL of a CKAN URL given with or without its API path."""
    base = url.strip().split("?", 1)[0].rstrip("/")
    for path in _ACTION_PATHS:
        if base.endswith(path):
            return base[: -len(path)]
    return base


def search_url(url: str, start: int) -> str:
    """Return the URL of one page of package_search, in a stable order (by name)."""
    query = urlencode({"q": "*:*", "rows": PAGE_ROWS, "start": start, "sort": "name asc"})
    return f"{api_base(url)}/api/3/action/package_search?{query}"


def read_answer(body: bytes, url: str) -> Any:
    """Return the `result` of a CKAN answer, or raise InvalidInput saying what is wrong with it."""
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("harvest.not-json", url=url[:200]) from None
    if not isinstance(answer, dict) or not isinstance(answer.get("success"), bool):
        raise InvalidInput("harvest.not-ckan", url=url[:200])
    if not answer["success"]:
        error = answer.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        raise InvalidInput("harvest.ckan-refused", url=url[:200],
                           detail=clean_text(str(message or "-"))[:300])
    return answer.get("result")


def read_page(result: Any, url: str) -> tuple[int, list[Any]]:
    """Return the total count and the packages of a package_search result."""
    if (not isinstance(result, dict) or not isinstance(result.get("count"), int)
            or not isinstance(result.get("results"), list)):
        raise InvalidInput("harvest.not-ckan", url=url[:200])
    return result["count"], result["results"]


def _text(value: Any) -> str:
    return clean_text(value if isinstance(value, str) else "").strip()


def _extras(package: dict[str, Any]) -> dict[str, str]:
    extras = package.get("extras")
    found = {}
    for extra in extras if isinstance(extras, list) else ():
        if isinstance(extra, dict) and isinstance(extra.get("key"), str):
            found[extra["key"]] = _text(extra.get("value"))
    return found


def _names(items: Any) -> tuple[str, ...]:
    names = []
    for item in items if isinstance(items, list) else ():
        name = _text(item.get("name") if isinstance(item, dict) else item)
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _resources(package: dict[str, Any]) -> tuple[RemoteResource, ...]:
    found = []
    for item in package.get("resources") if isinstance(package.get("resources"), list) else ():
        if isinstance(item, dict) and _text(item.get("url")):
            found.append(RemoteResource(url=_text(item["url"]), format=_text(item.get("format")),
                                        media_type=_text(item.get("mimetype")),
                                        name=_text(item.get("name"))))
    return tuple(found)


def to_record(package: Any) -> RemoteDataset:
    """Return a package dict as a neutral record (InvalidInput when it has no id or no title)."""
    if not isinstance(package, dict):
        raise InvalidInput("harvest.bad-entry", detail=clean_text(str(package))[:80])
    remote_id = _text(package.get("id")) or _text(package.get("name"))
    if not remote_id:
        raise InvalidInput("harvest.no-identifier", title=_text(package.get("title"))[:120] or "-")
    title = _text(package.get("title"))
    if not title:
        raise InvalidInput("harvest.no-title", id=remote_id[:200])
    extras = _extras(package)
    licences = tuple(v for v in (_text(package.get("license_id")), _text(package.get("license_url")),
                                 _text(package.get("license_title"))) if v)
    frequencies = tuple(v for v in (extras.get("frequency"), extras.get("accrual_periodicity"),
                                    extras.get("update_frequency")) if v)
    return RemoteDataset(
        remote_id=remote_id, name=_text(package.get("name")), title_bg=title,
        title_en=extras.get("title_en", ""), description_bg=_text(package.get("notes")),
        description_en=extras.get("notes_en", ""), keywords=_names(package.get("tags")),
        licences=licences, frequencies=frequencies, themes=_names(package.get("groups")),
        temporal_start=extras.get("temporal_start", ""), temporal_end=extras.get("temporal_end", ""),
        spatial=extras.get("spatial_text", ""),
        contact_name=_text(package.get("maintainer")) or _text(package.get("author")),
        contact_email=_text(package.get("maintainer_email")) or _text(package.get("author_email")),
        resources=_resources(package),
    )
