"""The participation catalog: every _p string has a Bulgarian translation, and the .mo is current."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Iterable

from babel.messages.catalog import Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "app/participation/translations/bg/LC_MESSAGES/participation.po"


def _translations(messages: Iterable[Message]) -> dict[object, object]:
    as_key = lambda text: text if isinstance(text, str) else tuple(text)  # noqa: E731 - plurals
    return {as_key(m.id): as_key(m.string) for m in messages if m.id}


def test_the_compiled_participation_catalog_is_the_po_file_compiled() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="bg", domain="participation")
    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = read_mo(handle)
    # Translations, not bytes: the .mo header names the Babel version that compiled it.
    assert _translations(compiled) == _translations(m for m in catalog if not m.fuzzy)


def test_every_participation_string_has_a_bulgarian_translation(tmp_path: Path) -> None:
    pot = tmp_path / "participation.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_p", "-k", "_pn:1,2", "--no-default-keywords", "-o", str(pot), "app"],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with PO.open("rb") as handle:
        done = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle, locale="bg")
                if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string) and not m.fuzzy}
    assert sorted(wanted - done) == []
