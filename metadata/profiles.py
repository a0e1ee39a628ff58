"""The built-in Table Schema profiles: council decisions, budget, policy indicators.

Each profile is a Frictionless Table Schema stored as JSON next to this module
(`profiles/<name>.json`), with Bulgarian `title`/`description` and English
`title_en`/`description_en` on the schema and on every field.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from metadata.errors import InvalidInput
from metadata.messages import Text

PROFILES: tuple[str, ...] = ("decisions", "budget", "indicators")

_DIRECTORY = Path(__file__).with_name("profiles")


def load_profile(name: str) -> dict[str, Any]:
    """Return a fresh copy of the named profile's Table Schema."""
    # A deep copy per call: callers add fields or titles to their dataset's schema
    # and must never change what the next caller gets.
    return copy.deepcopy(_read(_known(name)))


def profile_title(name: str) -> Text:
    """Return the profile's title in Bulgarian and English."""
    profile = _read(_known(name))
    return Text(profile["title"], profile["title_en"])


def _known(name: str) -> str:
    if name not in PROFILES:
        raise InvalidInput("catalog.unknown-profile", profile=name, choices=", ".join(PROFILES))
    return name


@lru_cache(maxsize=None)
def _read(name: str) -> dict[str, Any]:
    with open(_DIRECTORY / f"{name}.json", encoding="utf-8") as file:
        profile: dict[str, Any] = json.load(file)
    return profile
