"""The `data` part of each data.egov.bg API call, built from one of our datasets.

Pure functions: what goes into the request, never how it travels (datasets/egov_client.py) or
when it is sent (datasets/egov_sync.py). Field names and rules are those of
governmentbg/data-gov-bg app/Http/Controllers/Api/DataSetController.php (addDataset :59-243,
editDataset :271-523) and ResourceController.php (addResourceMetadata :54-254,
editResourceMetadata :431-644).
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from metadata.dcat import clean_text
from metadata.egov_codes import (
    MAX_SHORT,
    MAX_TEXT,
    PULL_SCHEDULE,
    RESOURCE_TYPE_API,
    TERMS_OF_USE,
    VISIBILITY_PUBLIC,
    category_of,
)
from metadata.errors import InvalidInput
from metadata.records import Dataset

Data = dict[str, Any]


def _bilingual(bg: str, en: str) -> dict[str, str]:
    # Without data[locale], name and description are {locale: text} (DataSetController.php:81-83,
    # "name.bg required_without:locale"), and trans() keeps every locale given
    # (app/Http/Controllers/Controller.php:212-232): both languages in one call.
    texts = {"bg": clean_text(bg)}
    if en and en != bg:
        texts["en"] = clean_text(en)
    return texts


def _check_length(slug: str, field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise InvalidInput("egov.too-long", slug=slug, field=field, limit=limit)


def dataset_data(dataset: Dataset, *, page_url: str, org_id: int | None) -> Data:
    """Return data[...] of addDataset and editDataset (the same fields: the edit sends them all).

    editDataset needs category_id on every call (DataSetController.php:296, 'required') and
    org_id for members of an organisation (:290, :297), so an edit carries the whole record.
    """
    for lang in ("bg", "en"):
        _check_length(dataset.slug, "title", dataset.title.get(lang), MAX_TEXT)
        _check_length(dataset.slug, "description", dataset.description.get(lang), MAX_TEXT)
    tags = [clean_text(k).strip() for k in dataset.keywords if clean_text(k).strip()]
    for tag in tags:  # 'tags.*.name' max:191 (:84); the tags table's names are 191 long
        _check_length(dataset.slug, "keyword", tag, MAX_SHORT)
    data: Data = {
        "name": _bilingual(dataset.title.bg, dataset.title.en),
        "category_id": category_of(dataset.themes),
        "terms_of_use_id": TERMS_OF_USE.get(dataset.licence),
        "visibility": VISIBILITY_PUBLIC,
        "tags": tags,
    }
    if dataset.description.bg.strip():
        data["description"] = _bilingual(dataset.description.bg, dataset.description.en)
    if len(page_url) <= MAX_SHORT:  # 'source' max:191 (:90); our page, where the data comes from
        data["source"] = page_url
    if org_id is not None:
        data["org_id"] = org_id
    return {k: v for k, v in data.items() if v is not None}


def resource_data(dataset: Dataset, *, csv_url: str) -> Data:
    """Return data[...] of addResourceMetadata and editResourceMetadata: an API resource that
    the national portal fetches from our latest-CSV URL on our dataset's schedule.

    locale is sent on every call: both actions read $post['data']['locale'] without a check
    (ResourceController.php:137, :585). `type` is never sent to the edit, whose required_if
    rules on it (:461-464) would then ask for authentication and headers we do not use. The
    schedule is sent on every edit too, since the edit clears whatever it is not given (:579-582).
    """
    _check_length(dataset.slug, "title", dataset.title.bg, MAX_TEXT)
    _check_length(dataset.slug, "CSV URL", csv_url, MAX_SHORT)  # 'resource_url' max:191 (:81)
    data: Data = {
        "locale": "bg",
        "name": clean_text(dataset.title.bg),
        "type": RESOURCE_TYPE_API,
        "resource_url": csv_url,
        "http_rq_type": "GET",  # :82, required for type API
        "file_format": "CSV",
    }
    if dataset.description.bg.strip():
        data["description"] = clean_text(dataset.description.bg)
    schedule = PULL_SCHEDULE.get(dataset.frequency)
    if schedule is not None:
        data["upl_freq_type"], data["upl_freq"] = schedule
    return data


def resource_edit_data(data: Data) -> Data:
    """Return the edit's data[...]: the resource's fields without `type` (see resource_data)."""
    return {k: v for k, v in data.items() if k != "type"}


def digest(data: Data) -> str:
    """Return a fingerprint of what was sent: a second sync sends only what changed since."""
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
