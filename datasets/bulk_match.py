"""Which dataset a file is for, from its name: the rule shared by `otkrito publish` and the workspace.

The rule: the file's name without its extension, lower-cased and with spaces and underscores
as hyphens, is the dataset's slug (`byudzhet.csv` → `byudzhet`), or starts with the slug and a
hyphen or a dot (`byudzhet-2026-q1.xlsx` → `byudzhet`). An exact name wins; otherwise a name
that starts with two slugs (`byudzhet` and `byudzhet-2026`) is ambiguous and matches neither.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from metadata.messages import Text, text

_SEPARATORS = re.compile(r"[\s_]+")


@dataclass(frozen=True)
class Match:
    """A file's name and the slugs its name matches (one: matched)."""

    name: str
    candidates: tuple[str, ...]

    @property
    def slug(self) -> str | None:
        return self.candidates[0] if len(self.candidates) == 1 else None

    def problem(self, example: str = "slug") -> Text | None:
        """Why the name matches no single dataset, or None."""
        if not self.candidates:
            return text("bulk.no-match", file=self.name, example=example)
        if len(self.candidates) > 1:
            return text("bulk.two-matches", file=self.name, slugs=", ".join(self.candidates))
        return None


def stem(name: str) -> str:
    """The part of a file's name that is compared with slugs."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if "." in base.lstrip("."):
        base = base.rsplit(".", 1)[0]
    return _SEPARATORS.sub("-", base.strip()).lower()


def match_file(name: str, slugs: Iterable[str]) -> Match:
    """Match one file's name against the slugs of the datasets it may be for."""
    key = stem(name)
    known = sorted(set(slugs))
    if key in known:
        return Match(name, (key,))
    return Match(name, tuple(s for s in known if key.startswith((s + "-", s + "."))))
