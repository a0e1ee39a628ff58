"""The file-name rule that sends each of several files to its dataset (docs/bulk.md)."""
from __future__ import annotations

import pytest

from datasets.bulk_match import match_file

SLUGS = ["byudzhet", "byudzhet-2026", "resheniya", "naseleni-mesta"]


@pytest.mark.parametrize(("name", "candidates"), [
    ("resheniya.csv", ("resheniya",)),
    ("Resheniya.XLSX", ("resheniya",)),
    ("naseleni_mesta 2026.csv", ("naseleni-mesta",)),
    ("C:\\Users\\clerk\\resheniya-q1.csv", ("resheniya",)),
    ("byudzhet-2026.csv", ("byudzhet-2026",)),  # an exact name wins over a shorter slug
    ("byudzhet-2026-q1.csv", ("byudzhet", "byudzhet-2026")),  # two slugs fit: ambiguous
    ("byudzhet.q1.csv", ("byudzhet",)),
    ("byudzhetq1.csv", ()),  # a slug must be followed by a hyphen or a dot
    ("бюджет.csv", ()),
    (".csv", ()),
])
def test_a_file_matches_the_dataset_its_name_is_or_starts_with(name: str, candidates: tuple[str, ...]) -> None:
    found = match_file(name, SLUGS)
    assert found.candidates == candidates
    assert (found.slug is None) == (len(candidates) != 1)
    assert (found.problem() is None) == (len(candidates) == 1)
