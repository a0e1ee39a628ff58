"""Slugs and safe identifiers from Bulgarian text.

Transliteration follows Bulgaria's Transliteration Act (Закон за транслитерацията, 2009,
the "Streamlined System"): щ → sht, ъ → a, ю → yu, я → ya, and "ия" at the end of a word → "ia".
Hand-written because the libraries we looked at (unidecode, transliterate) give the older
ISO-style or Russian readings (щ → shch, ъ → ") rather than the official Bulgarian one.
"""
from __future__ import annotations

import re
import unicodedata

_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya",
    # Not Bulgarian letters, but they turn up in names copied from Russian sources.
    "ё": "yo", "ы": "y", "э": "e",
}
_WORD_END_IA = re.compile(r"ия\b", re.IGNORECASE)
# Matched with fullmatch: "$" would also match before a trailing newline ("abc\n").
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SLUG = 80


def transliterate(value: str) -> str:
    """Transliterate Bulgarian Cyrillic to Latin by the official system; keep other text."""
    value = _WORD_END_IA.sub(lambda m: "IA" if m.group(0).isupper() else "ia", value)
    out = []
    for char in value:
        latin = _LETTERS.get(char.lower())
        if latin is None:
            out.append(char)
        elif char.isupper():
            out.append(latin.capitalize())
        else:
            out.append(latin)
    return "".join(out)


def _ascii_words(value: str) -> list[str]:
    latin = unicodedata.normalize("NFKD", transliterate(value))
    latin = latin.encode("ascii", "ignore").decode("ascii").lower()
    return re.findall(r"[a-z0-9]+", latin)


def slugify(value: str) -> str:
    """Return a URL slug: lowercase Latin words joined by hyphens ("" if nothing is left)."""
    slug = "-".join(_ascii_words(value))
    return slug[:MAX_SLUG].rstrip("-")


def is_slug(value: str) -> bool:
    """Tell whether a value is already a canonical slug (ASCII only: no homoglyphs)."""
    return len(value) <= MAX_SLUG and bool(SLUG_PATTERN.fullmatch(value))


def safe_identifier(value: str, *, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """Return a SQL-safe lowercase identifier for a column header, unique among `taken`."""
    base = "_".join(_ascii_words(value))[:60] or "column"
    if base[0].isdigit():
        base = "c_" + base
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name
