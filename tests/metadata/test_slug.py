"""Slugs and identifiers follow Bulgaria's official transliteration."""
from __future__ import annotations

import pytest

from metadata.slug import is_slug, safe_identifier, slugify, transliterate


@pytest.mark.parametrize("title, slug", [
    ("Бюджет на община Левски", "byudzhet-na-obshtina-levski"),
    ("Решения на Общински съвет – Левски, 2026 г.", "reshenia-na-obshtinski-savet-levski-2026-g"),
    ("Щастие и ЮЖНА ЗОНА", "shtastie-i-yuzhna-zona"),
    ("България", "balgaria"),
    ("  Ёлка & <script>  ", "yolka-script"),
    ("", ""),
])
def test_slugify_transliterates_by_the_official_system(title: str, slug: str) -> None:
    assert slugify(title) == slug


@pytest.mark.parametrize("cyrillic, latin", [
    ("Трънчовица", "Tranchovitsa"),  # the NSI's own Latin name of the village in Levski municipality
    ("Козар Белене", "Kozar Belene"),
    ("София", "Sofia"),
    ("Шишманов", "Shishmanov"),
    ("Цанко Церковски", "Tsanko Tserkovski"),
])
def test_transliterate_matches_official_names(cyrillic: str, latin: str) -> None:
    assert transliterate(cyrillic) == latin


@pytest.mark.parametrize("value, ok", [
    ("byudzhet-na-obshtina-levski", True),
    ("Byudzhet", False),
    ("bюджет", False),
    ("bаlgaria", False),  # a Cyrillic "а" homoglyph inside Latin text
    ("a--b", False),
    ("-a", False),
    ("a" * 81, False),
])
def test_is_slug_accepts_only_canonical_ascii_slugs(value: str, ok: bool) -> None:
    assert is_slug(value) is ok


def test_safe_identifier_makes_unique_sql_safe_names() -> None:
    taken: set[str] = set()
    names = []
    for header in ("Решение №", "Решение №", "1 колона", "id; DROP TABLE x", "<script>", "]"):
        name = safe_identifier(header, taken=taken)
        taken.add(name)
        names.append(name)
    assert names == ["reshenie_no", "reshenie_no_2", "c_1_kolona", "id_drop_table_x", "script", "column"]


@pytest.mark.parametrize("value", ["abc\n", "abc\r\n", "\nabc", "abc\n\n", "a-b\n", "abc\x00"])
def test_is_slug_refuses_line_breaks_anywhere_even_at_the_end(value: str) -> None:
    assert is_slug(value) is False
