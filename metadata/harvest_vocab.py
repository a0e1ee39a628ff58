"""Map the licences, update frequencies and themes of other catalogs to our vocabularies.

Sources name them many ways: CKAN licence ids ("cc-by", "odc-odbl"), EU authority URIs
(.../licence/CC_BY_4_0, .../frequency/MONTHLY, .../data-theme/ECON), Creative Commons and
Open Data Commons URLs, Dublin Core frequency URIs (purl.org/cld/freq/monthly), our own codes.
A value we cannot map is returned as unmapped, for the run's report, never guessed.
"""
from __future__ import annotations

import re
from typing import Iterable

from metadata.vocab import FREQUENCIES, LICENCES, THEMES

# Keys are values folded by _fold: lower case, letters and digits only.
_LICENCE_KEYS = {
    "ccby": "CC-BY-4.0", "ccby40": "CC-BY-4.0", "ccbyintl": "CC-BY-4.0",
    "cczero": "CC0-1.0", "cc0": "CC0-1.0", "cc010": "CC0-1.0",
    "ccbysa": "CC-BY-SA-4.0", "ccbysa40": "CC-BY-SA-4.0",
    "odcodbl": "ODbL-1.0", "odbl": "ODbL-1.0", "odbl10": "ODbL-1.0", "odcbl": "ODbL-1.0",
}
_LICENCE_URLS = {
    "creativecommons.org/licenses/by/4.0": "CC-BY-4.0",
    "creativecommons.org/publicdomain/zero/1.0": "CC0-1.0",
    "creativecommons.org/licenses/by-sa/4.0": "CC-BY-SA-4.0",
    "opendatacommons.org/licenses/odbl/1-0": "ODbL-1.0",
    "opendatacommons.org/licenses/odbl/1.0": "ODbL-1.0",
    "opendatacommons.org/licenses/odbl": "ODbL-1.0",
}
# Dublin Core collection frequencies (purl.org/cld/freq/...) and common words.
_FREQUENCY_WORDS = {
    "daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY", "quarterly": "QUARTERLY",
    "semiannual": "ANNUAL_2", "biannual": "ANNUAL_2", "annual": "ANNUAL", "yearly": "ANNUAL",
    "biennial": "BIENNIAL", "irregular": "IRREG", "continuous": "UPDATE_CONT",
    "continuouslyupdated": "UPDATE_CONT", "never": "NEVER", "unknown": "UNKNOWN",
}


def _fold(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower())


def _tail(value: str) -> str:
    """The last path segment of a URI (or the value itself)."""
    return value.strip().rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _strip_scheme(value: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", value.strip().lower()).rstrip("/")


def map_licence(value: str) -> str | None:
    """Return our licence code for a source's licence value, or None."""
    if value in LICENCES:
        return value
    by_url = _LICENCE_URLS.get(_strip_scheme(value))
    if by_url:
        return by_url
    if "/resource/authority/licence/" in value:
        tail = _tail(value)
        eu = {"CC_BY_4_0": "CC-BY-4.0", "CC0": "CC0-1.0", "CC_BYSA_4_0": "CC-BY-SA-4.0",
              "ODC_BL": "ODbL-1.0"}
        return eu.get(tail)
    return _LICENCE_KEYS.get(_fold(value))


def map_frequency(value: str) -> str | None:
    """Return our frequency code for a source's frequency value, or None."""
    tail = _tail(value)
    if tail.upper() in FREQUENCIES:
        return tail.upper()
    return _FREQUENCY_WORDS.get(_fold(tail))


def map_theme(value: str) -> str | None:
    """Return our EU data theme code for a source's theme value, or None."""
    tail = _tail(value).upper()
    return tail if tail in THEMES else None


def first_mapped(values: Iterable[str], mapper) -> tuple[str | None, list[str]]:  # type: ignore[no-untyped-def]
    """Return the first value the mapper maps, and the values before it that it could not."""
    unmapped: list[str] = []
    for value in values:
        if not value.strip():
            continue
        code = mapper(value)
        if code:
            return code, []
        unmapped.append(value)
    return None, unmapped


def mapped_themes(values: Iterable[str]) -> tuple[list[str], list[str]]:
    """Return our theme codes for the values (each once, in order), and the values not mapped."""
    codes: list[str] = []
    unmapped: list[str] = []
    for value in values:
        code = map_theme(value)
        if code and code not in codes:
            codes.append(code)
        elif not code and value.strip() and value not in unmapped:
            unmapped.append(value)
    return codes, unmapped
