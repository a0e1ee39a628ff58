"""Records from a JSON file holding an array of objects (what many data APIs answer).

The file is parsed as a stream with ijson, so memory stays bounded whatever its size. The
header is the union of the keys of the first HEADER_SCAN objects, in the order first seen; a
key that first appears later is an error naming its record (a table has one header). Values
become cells as a CSV would hold them: null is empty, numbers keep their exact text, nested
arrays and objects become JSON text. Records are numbered from 1, the header being 0.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Any

import ijson

from datasets.csv_records import Record
from metadata.errors import InvalidInput

HEADER_SCAN = 1000
_PREFIX = 4096


def looks_like_json(path: Path) -> bool:
    """Tell whether the file starts like a JSON array of objects (`[` then `{` or `]`)."""
    with path.open("rb") as handle:
        start = handle.read(_PREFIX).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start.startswith(b"["):
        return False
    return start[1:].lstrip(b" \t\r\n")[:1] in (b"{", b"]")


def cell(value: Any) -> str:
    """One JSON value as the text of a table cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, Decimal)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def json_records(path: Path) -> tuple[Iterator[Record], Callable[[], None]]:
    """Return the header record then the data records of the file, and how to close it."""
    handle = path.open("rb")
    items = _objects(ijson.items(handle, "item"))
    first = list(islice(items, HEADER_SCAN))
    header: dict[str, None] = {}
    for _number, item in first:
        header.update(dict.fromkeys(item))
    keys = list(header)

    def records() -> Iterator[Record]:
        yield 0, keys
        for number, item in chain(first, items):
            extra = next((k for k in item if k not in header), None)
            if extra is not None:
                raise InvalidInput("read.json-new-key", row=number, field=extra[:100])
            yield number, [cell(item.get(k)) for k in keys]

    return records(), handle.close


def _objects(items: Iterator[Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    number = 0
    try:
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise InvalidInput("read.json-not-records", row=number)
            yield number, item
    except ijson.JSONError as error:
        raise InvalidInput("read.bad-json", row=number + 1, detail=str(error)[:200]) from None
